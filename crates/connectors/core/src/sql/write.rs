//! INSERT, UPDATE and DELETE for record writes, and the lookups writes make, built like
//! SELECTs: fixed fragments, identifiers from the schema, every value a bind.
//!
//! A role's row filter travels as a `check` condition. Where the dialect has `RETURNING`
//! ([`Returning`]) the writing statement returns, for every row it wrote,
//! `CASE WHEN <check> THEN TRUE ELSE FALSE END` evaluated on the row as written, so the
//! executor knows in the same statement whether the write left a row outside the filter,
//! and undoes it. Without it, the connector looks the written rows up afterwards in the
//! same transaction ([`outside_check`]).

use super::builder::SqlBuilder;
use super::{CompiledSql, Dialect, Returning, saturating_i64};
use crate::condition::Condition;
use crate::schema::{ColumnRef, TableSchema};
use crate::value::BoundValue;
use crate::write::ColumnValue;

/// The column whose assigned value an INSERT reports: the first auto-increment primary key
/// column, else the first auto-increment column. `None` when the database assigns nothing.
pub fn assigned_column(table: &TableSchema) -> Option<ColumnRef> {
    let auto = |primary: bool| {
        table.column_refs().find(|&column| {
            let column = table.column(column);
            column.auto_increment && (!primary || column.is_primary_key)
        })
    };
    auto(true).or_else(|| auto(false))
}

/// `INSERT INTO t ("a", "b") VALUES (?, ?)`, or the dialect's form for no values, without
/// anything returned.
pub fn insert<D: Dialect>(dialect: &D, table: &TableSchema, values: &[ColumnValue]) -> CompiledSql {
    insert_values(dialect, table, values).finish()
}

/// [`insert`] then `RETURNING` the assigned key (when the dialect returns it and the table
/// has one, see [`assigned_column`]) and the role check, each only when there is one.
pub fn insert_returning<D: Returning>(
    dialect: &D,
    table: &TableSchema,
    values: &[ColumnValue],
    check: Option<&Condition>,
) -> CompiledSql {
    let mut sql = insert_values(dialect, table, values);
    let assigned = D::SYNTAX.assigned_key_as.zip(assigned_column(table));
    if let Some((to, column)) = assigned {
        sql.push(" RETURNING ");
        sql.cast(Some(to), |sql| sql.column(column));
    }
    if let Some(check) = check {
        sql.push(if assigned.is_some() {
            ", "
        } else {
            " RETURNING "
        });
        sql.check(check);
    }
    sql.finish()
}

fn insert_values<'t, D: Dialect>(
    dialect: &'t D,
    table: &'t TableSchema,
    values: &[ColumnValue],
) -> SqlBuilder<'t, D> {
    // Iterated twice (names, then binds) rather than collected: no allocation per insert.
    let given = || {
        values.iter().filter(|value| {
            !(D::SYNTAX.omits_null_auto_increment
                && value.value == BoundValue::Null
                && table.column(value.column).auto_increment)
        })
    };
    let mut sql = SqlBuilder::new(dialect, table);
    sql.push(D::SYNTAX.insert);
    sql.table_name();
    if given().next().is_none() {
        sql.push(D::SYNTAX.no_values);
        return sql;
    }
    sql.push(" (");
    for (index, value) in given().enumerate() {
        if index > 0 {
            sql.push(", ");
        }
        sql.column(value.column);
    }
    sql.push(") VALUES (");
    for (index, value) in given().enumerate() {
        if index > 0 {
            sql.push(", ");
        }
        sql.bind(value.value.clone());
    }
    sql.push(")");
    sql
}

/// `UPDATE t SET "a" = ?, ... WHERE condition`; `changes` must not be empty.
pub fn update<D: Dialect>(
    dialect: &D,
    table: &TableSchema,
    changes: &[ColumnValue],
    condition: &Condition,
) -> CompiledSql {
    update_where(dialect, table, changes, condition).finish()
}

/// [`update`] then `RETURNING CASE WHEN check ...` when there is a check.
pub fn update_returning<D: Returning>(
    dialect: &D,
    table: &TableSchema,
    changes: &[ColumnValue],
    condition: &Condition,
    check: Option<&Condition>,
) -> CompiledSql {
    let mut sql = update_where(dialect, table, changes, condition);
    if let Some(check) = check {
        sql.push(" RETURNING ");
        sql.check(check);
    }
    sql.finish()
}

fn update_where<'t, D: Dialect>(
    dialect: &'t D,
    table: &'t TableSchema,
    changes: &[ColumnValue],
    condition: &Condition,
) -> SqlBuilder<'t, D> {
    let mut sql = SqlBuilder::new(dialect, table);
    sql.push(D::SYNTAX.update);
    sql.table_name();
    for (index, change) in changes.iter().enumerate() {
        sql.push(if index == 0 { " SET " } else { ", " });
        sql.column(change.column);
        sql.push(" = ");
        sql.bind(change.value.clone());
    }
    sql.push(" WHERE ");
    sql.condition(condition);
    sql
}

/// `DELETE FROM t [WHERE condition]`.
pub fn delete<D: Dialect>(
    dialect: &D,
    table: &TableSchema,
    condition: Option<&Condition>,
) -> CompiledSql {
    let mut sql = SqlBuilder::new(dialect, table);
    sql.push("DELETE FROM ");
    sql.table_name();
    if let Some(condition) = condition {
        sql.push(" WHERE ");
        sql.condition(condition);
    }
    sql.finish()
}

/// `SELECT "a", "b" FROM t WHERE condition LIMIT ?`: the values nested writes look up,
/// each selected as reads select it.
pub fn lookup<D: Dialect>(
    dialect: &D,
    table: &TableSchema,
    columns: &[ColumnRef],
    condition: &Condition,
    limit: u64,
) -> CompiledSql {
    let mut sql = SqlBuilder::new(dialect, table);
    sql.push("SELECT ");
    for (index, &column) in columns.iter().enumerate() {
        if index > 0 {
            sql.push(", ");
        }
        sql.selected_column(column);
    }
    sql.push(" FROM ");
    sql.table_name();
    sql.push(" WHERE ");
    sql.condition(condition);
    sql.push(" LIMIT ");
    sql.bind(BoundValue::Integer(saturating_i64(limit)));
    sql.finish()
}

/// `SELECT 1 FROM t WHERE condition LIMIT 1`.
pub fn exists<D: Dialect>(dialect: &D, table: &TableSchema, condition: &Condition) -> CompiledSql {
    let mut sql = SqlBuilder::new(dialect, table);
    sql.push("SELECT 1 FROM ");
    sql.table_name();
    sql.push(" WHERE ");
    sql.condition(condition);
    sql.push(" LIMIT 1");
    sql.finish()
}

/// `SELECT 1 FROM t WHERE (written) AND (check) IS NOT TRUE LIMIT 1 FOR UPDATE`: a row just
/// written that the role's filter does not let through (`NULL` counts as outside), for a
/// dialect without `RETURNING`. A locking read, so it sees the latest rows as the write
/// did, not the transaction's snapshot.
pub fn outside_check<D: Dialect>(
    dialect: &D,
    table: &TableSchema,
    written: &Condition,
    check: &Condition,
) -> CompiledSql {
    let mut sql = SqlBuilder::new(dialect, table);
    sql.push("SELECT 1 FROM ");
    sql.table_name();
    sql.push(" WHERE (");
    sql.condition(written);
    sql.push(") AND (");
    sql.condition(check);
    sql.push(") IS NOT TRUE LIMIT 1 FOR UPDATE");
    sql.finish()
}
