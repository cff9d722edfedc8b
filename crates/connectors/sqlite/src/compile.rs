//! The SQL of reads and writes: core's one SQL builder ([`sluice_connector_core::sql`]) in
//! SQLite's dialect ([`Sqlite`]).

pub use sluice_connector_core::sql::CompiledSql;
use sluice_connector_core::{SelectQuery, sql};

use crate::dialect::Sqlite;

/// `SELECT <projection> FROM "t" [WHERE] [GROUP BY] [ORDER BY] [LIMIT ? OFFSET ?]`.
pub fn compile_select(query: &SelectQuery) -> CompiledSql {
    sql::select(&Sqlite, query)
}

/// The total for `meta.count` / `count_only` (see [`sql::count`]).
pub fn compile_count(query: &SelectQuery) -> CompiledSql {
    sql::count(&Sqlite, query)
}

mod related;
mod write;

pub(crate) use related::compile_related;
pub(crate) use write::{
    compile_delete, compile_exists, compile_insert, compile_lookup, compile_reference_exists,
    compile_update,
};

#[cfg(test)]
mod tests;
