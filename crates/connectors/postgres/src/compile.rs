//! The SQL of reads and writes: core's one SQL builder ([`sluice_connector_core::sql`]) in
//! PostgreSQL's dialect ([`Postgres`], which lists where it differs).

pub use sluice_connector_core::sql::CompiledSql;
use sluice_connector_core::{SelectQuery, sql};

use crate::dialect::Postgres;

mod write;

pub(crate) use write::{
    compile_delete, compile_exists, compile_insert, compile_lookup, compile_update,
};

/// `SELECT <projection> FROM "schema"."t" [WHERE] [GROUP BY] [ORDER BY] [LIMIT $n]
/// [OFFSET $m]`.
pub fn compile_select(schema: &str, query: &SelectQuery) -> CompiledSql {
    sql::select(&Postgres { schema }, query)
}

/// The total for `meta.count` / `count_only` (see [`sql::count`]).
pub fn compile_count(schema: &str, query: &SelectQuery) -> CompiledSql {
    sql::count(&Postgres { schema }, query)
}

/// The query of one relationship for a set of parents (see [`sql::related`]); reads run it
/// through `sluice_connector_tokio`, so only the compile tests name it here.
#[cfg(test)]
fn compile_related(schema: &str, query: &sluice_connector_core::RelatedQuery) -> CompiledSql {
    sql::related(&Postgres { schema }, query)
}

#[cfg(test)]
mod tests;
