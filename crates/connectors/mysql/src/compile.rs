//! The SQL of reads and writes: core's one SQL builder ([`sluice_connector_core::sql`]) in
//! MySQL's dialect ([`Mysql`], which lists where it differs).

pub use sluice_connector_core::sql::CompiledSql;
use sluice_connector_core::{SelectQuery, sql};

use crate::dialect::Mysql;

/// ``SELECT <projection> FROM `t` [WHERE] [GROUP BY] [ORDER BY] [LIMIT ?] [OFFSET ?]``.
pub fn compile_select(query: &SelectQuery) -> CompiledSql {
    sql::select(&Mysql, query)
}

/// The total for `meta.count` / `count_only` (see [`sql::count`]).
pub fn compile_count(query: &SelectQuery) -> CompiledSql {
    sql::count(&Mysql, query)
}

#[cfg(test)]
mod tests;
mod write;

pub(crate) use write::{
    compile_delete, compile_exists, compile_insert, compile_lookup, compile_outside_check,
    compile_update,
};
