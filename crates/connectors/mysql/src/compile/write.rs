//! INSERT, UPDATE and DELETE for record writes: core's builders ([`sql`]) in MySQL's
//! dialect, which has no `RETURNING` (see [`Mysql`]): a role's check on the rows written
//! is [`compile_outside_check`], run in the same transaction after the statement.

use sluice_connector_core::{ColumnRef, ColumnValue, Condition, TableSchema, sql};

use super::CompiledSql;
use crate::dialect::Mysql;

/// ``INSERT INTO `t` (`a`, `b`) VALUES (?, ?)``, or `() VALUES ()` when every value is
/// left to the database.
pub(crate) fn compile_insert(table: &TableSchema, values: &[ColumnValue]) -> CompiledSql {
    sql::insert(&Mysql, table, values)
}

/// ``UPDATE `t` SET `a` = ?, ... WHERE condition``; `changes` must not be empty.
pub(crate) fn compile_update(
    table: &TableSchema,
    changes: &[ColumnValue],
    condition: &Condition,
) -> CompiledSql {
    sql::update(&Mysql, table, changes, condition)
}

/// ``DELETE FROM `t` WHERE condition``.
pub(crate) fn compile_delete(table: &TableSchema, condition: &Condition) -> CompiledSql {
    sql::delete(&Mysql, table, Some(condition))
}

/// ``SELECT `a`, `b` FROM `t` WHERE condition LIMIT ?``: the values nested writes look
/// up, each converted as reads convert it.
pub(crate) fn compile_lookup(
    table: &TableSchema,
    columns: &[ColumnRef],
    condition: &Condition,
    limit: u64,
) -> CompiledSql {
    sql::lookup(&Mysql, table, columns, condition, limit)
}

/// ``SELECT 1 FROM `t` WHERE condition LIMIT 1``.
pub(crate) fn compile_exists(table: &TableSchema, condition: &Condition) -> CompiledSql {
    sql::exists(&Mysql, table, condition)
}

/// ``SELECT 1 FROM `t` WHERE (written) AND (check) IS NOT TRUE LIMIT 1 FOR UPDATE`` (see
/// [`sql::outside_check`]).
pub(crate) fn compile_outside_check(
    table: &TableSchema,
    written: &Condition,
    check: &Condition,
) -> CompiledSql {
    sql::outside_check(&Mysql, table, written, check)
}
