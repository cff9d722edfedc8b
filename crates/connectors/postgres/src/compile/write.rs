//! INSERT, UPDATE and DELETE for record writes: core's builders ([`sql`]) in PostgreSQL's
//! dialect, which returns the assigned key and the role check from the writing statement
//! (see [`Postgres`]).

use sluice_connector_core::{ColumnRef, ColumnValue, Condition, TableSchema, sql};

use super::CompiledSql;
use crate::dialect::Postgres;

/// `INSERT INTO "s"."t" ("a", "b") VALUES ($1, $2) [RETURNING ...]`: the assigned key
/// (see [`sql::assigned_column`]) then the role check, each only when there is one.
pub(crate) fn compile_insert(
    schema: &str,
    table: &TableSchema,
    values: &[ColumnValue],
    check: Option<&Condition>,
) -> CompiledSql {
    sql::insert_returning(&Postgres { schema }, table, values, check)
}

/// `UPDATE "s"."t" SET "a" = $1, ... WHERE condition [RETURNING CASE WHEN check ...]`;
/// `changes` must not be empty.
pub(crate) fn compile_update(
    schema: &str,
    table: &TableSchema,
    changes: &[ColumnValue],
    condition: &Condition,
    check: Option<&Condition>,
) -> CompiledSql {
    sql::update_returning(&Postgres { schema }, table, changes, condition, check)
}

/// `DELETE FROM "s"."t" [WHERE condition]`.
pub(crate) fn compile_delete(
    schema: &str,
    table: &TableSchema,
    condition: Option<&Condition>,
) -> CompiledSql {
    sql::delete(&Postgres { schema }, table, condition)
}

/// `SELECT "a", "b" FROM "s"."t" WHERE condition LIMIT $n`: the values nested writes look
/// up, each column as text when its values do not travel natively.
pub(crate) fn compile_lookup(
    schema: &str,
    table: &TableSchema,
    columns: &[ColumnRef],
    condition: &Condition,
    limit: u64,
) -> CompiledSql {
    sql::lookup(&Postgres { schema }, table, columns, condition, limit)
}

/// `SELECT 1 FROM "s"."t" WHERE condition LIMIT 1`.
pub(crate) fn compile_exists(
    schema: &str,
    table: &TableSchema,
    condition: &Condition,
) -> CompiledSql {
    sql::exists(&Postgres { schema }, table, condition)
}
