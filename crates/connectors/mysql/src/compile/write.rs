//! INSERT, UPDATE and DELETE for record writes, built like SELECTs: fixed fragments,
//! identifiers from the schema, every value a `?` bind.
//!
//! Where MySQL differs from the PostgreSQL connector's statements:
//! - no `RETURNING`: the value an auto-increment column was given is read from the
//!   statement's `LAST_INSERT_ID()` (the driver's `last_insert_id`);
//! - an INSERT leaves out an auto-increment column given as `null`, so the database fills
//!   it (as the other connectors do);
//! - a role's row filter (`check`) cannot be evaluated by the writing statement itself, so
//!   the rows written are looked up afterwards with [`compile_outside_check`], in the same
//!   transaction, and the statement is undone when one of them is outside the filter.

use sluice_connector_core::{BoundValue, ColumnRef, ColumnValue, Condition, TableSchema};

use super::{CompiledSql, SqlBuilder, saturating_i64};

/// The column whose assigned value `LAST_INSERT_ID()` is: the first auto-increment
/// column (MySQL allows one per table). `None` when the database assigns nothing.
pub(crate) fn assigned_column(table: &TableSchema) -> Option<ColumnRef> {
    table
        .column_refs()
        .find(|&column| table.column(column).auto_increment)
}

/// ``INSERT INTO `t` (`a`, `b`) VALUES (?, ?)``, or `() VALUES ()` when every value is
/// left to the database.
pub(crate) fn compile_insert(table: &TableSchema, values: &[ColumnValue]) -> CompiledSql {
    let values: Vec<&ColumnValue> = values
        .iter()
        .filter(|v| !(v.value == BoundValue::Null && table.column(v.column).auto_increment))
        .collect();
    let mut sql = SqlBuilder::new(table);
    sql.push("INSERT INTO ");
    sql.table_name();
    sql.push(" (");
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            sql.push(", ");
        }
        sql.column(value.column);
    }
    sql.push(") VALUES (");
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            sql.push(", ");
        }
        sql.bind(value.value.clone());
    }
    sql.push(")");
    sql.finish()
}

/// ``UPDATE `t` SET `a` = ?, ... WHERE condition``; `changes` must not be empty.
pub(crate) fn compile_update(
    table: &TableSchema,
    changes: &[ColumnValue],
    condition: &Condition,
) -> CompiledSql {
    let mut sql = SqlBuilder::new(table);
    sql.push("UPDATE ");
    sql.table_name();
    for (index, change) in changes.iter().enumerate() {
        sql.push(if index == 0 { " SET " } else { ", " });
        sql.column(change.column);
        sql.push(" = ");
        sql.bind(change.value.clone());
    }
    sql.push(" WHERE ");
    sql.condition(condition);
    sql.finish()
}

/// ``DELETE FROM `t` WHERE condition``.
pub(crate) fn compile_delete(table: &TableSchema, condition: &Condition) -> CompiledSql {
    let mut sql = SqlBuilder::new(table);
    sql.push("DELETE FROM ");
    sql.table_name();
    sql.push(" WHERE ");
    sql.condition(condition);
    sql.finish()
}

/// ``SELECT `a`, `b` FROM `t` WHERE condition LIMIT ?``: the values nested writes look
/// up, each converted as reads convert it.
pub(crate) fn compile_lookup(
    table: &TableSchema,
    columns: &[ColumnRef],
    condition: &Condition,
    limit: u64,
) -> CompiledSql {
    let mut sql = SqlBuilder::new(table);
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

/// ``SELECT 1 FROM `t` WHERE condition LIMIT 1``.
pub(crate) fn compile_exists(table: &TableSchema, condition: &Condition) -> CompiledSql {
    let mut sql = SqlBuilder::new(table);
    sql.push("SELECT 1 FROM ");
    sql.table_name();
    sql.push(" WHERE ");
    sql.condition(condition);
    sql.push(" LIMIT 1");
    sql.finish()
}

/// ``SELECT 1 FROM `t` WHERE (written) AND (check) IS NOT TRUE LIMIT 1 FOR UPDATE``: a
/// row just written that the role's filter does not let through (`NULL` counts as
/// outside). A locking read, so it sees the latest rows as the write did, not the
/// transaction's snapshot.
pub(crate) fn compile_outside_check(
    table: &TableSchema,
    written: &Condition,
    check: &Condition,
) -> CompiledSql {
    let mut sql = SqlBuilder::new(table);
    sql.push("SELECT 1 FROM ");
    sql.table_name();
    sql.push(" WHERE (");
    sql.condition(written);
    sql.push(") AND (");
    sql.condition(check);
    sql.push(") IS NOT TRUE LIMIT 1 FOR UPDATE");
    sql.finish()
}

#[cfg(test)]
mod tests {
    use sluice_connector_core::{ColumnSchema, ComparisonOp};

    use super::*;

    fn table() -> TableSchema {
        let mut id = ColumnSchema::from_declared("id", "int");
        id.is_primary_key = true;
        id.auto_increment = true;
        TableSchema::new(
            "t`x",
            false,
            vec![id, ColumnSchema::from_declared("owner", "int")],
            vec![],
        )
    }

    fn value(table: &TableSchema, name: &str, value: BoundValue) -> ColumnValue {
        ColumnValue {
            column: table.column_ref(name).expect("column"),
            value,
        }
    }

    fn id_is(table: &TableSchema, id: i64) -> Condition {
        Condition::Compare {
            column: table.column_ref("id").expect("id"),
            op: ComparisonOp::Eq,
            value: BoundValue::Integer(id),
        }
    }

    #[test]
    fn insert_leaves_a_null_auto_increment_key_to_the_database() {
        let table = table();
        let values = [
            value(&table, "id", BoundValue::Null),
            value(&table, "owner", BoundValue::Integer(7)),
        ];
        let compiled = compile_insert(&table, &values);
        assert_eq!(compiled.sql, "INSERT INTO `t``x` (`owner`) VALUES (?)");
        assert_eq!(compiled.binds, vec![BoundValue::Integer(7)]);
        let empty = compile_insert(&table, &values[..1]);
        assert_eq!(empty.sql, "INSERT INTO `t``x` () VALUES ()");
        assert_eq!(assigned_column(&table), table.column_ref("id"));
    }

    #[test]
    fn update_delete_and_check_bind_in_text_order() {
        let table = table();
        let changes = [value(&table, "owner", BoundValue::Integer(3))];
        let update = compile_update(&table, &changes, &id_is(&table, 5));
        assert_eq!(update.sql, "UPDATE `t``x` SET `owner` = ? WHERE `id` = ?");
        assert_eq!(
            update.binds,
            vec![BoundValue::Integer(3), BoundValue::Integer(5)]
        );
        let delete = compile_delete(&table, &id_is(&table, 5));
        assert_eq!(delete.sql, "DELETE FROM `t``x` WHERE `id` = ?");
        let outside = compile_outside_check(&table, &id_is(&table, 5), &id_is(&table, 6));
        assert_eq!(
            outside.sql,
            "SELECT 1 FROM `t``x` WHERE (`id` = ?) AND (`id` = ?) IS NOT TRUE LIMIT 1 FOR UPDATE"
        );
    }
}
