//! INSERT, UPDATE and DELETE for record writes, built like SELECTs: fixed fragments,
//! identifiers from the schema, every value a `$n` bind.
//!
//! Where PostgreSQL differs from the SQLite connector's statements:
//! - an INSERT leaves out an auto-increment column given as `null`, so its sequence or
//!   identity fills it (SQLite does the same for a `null` rowid key; PostgreSQL would
//!   refuse the `null`);
//! - an INSERT answers the value its sequence assigned with `RETURNING "id"::bigint`, in the
//!   same round trip (SQLite reads `last_insert_rowid()`);
//! - a role's row filter travels as a `check`: the statement also returns, for every row
//!   it wrote, `CASE WHEN <check> THEN TRUE ELSE FALSE END` evaluated on the row as written,
//!   so the executor knows in the same statement whether the write left a row outside the
//!   filter, and undoes it.

use sluice_connector_core::{BoundValue, ColumnRef, ColumnValue, Condition, TableSchema};

use super::{CompiledSql, SqlBuilder};

/// The column whose assigned value an INSERT returns: the first auto-increment primary key
/// column, else the first auto-increment column. `None` when the database assigns nothing.
pub(crate) fn assigned_column(table: &TableSchema) -> Option<ColumnRef> {
    let auto = |primary: bool| {
        table.column_refs().find(|&column| {
            let column = table.column(column);
            column.auto_increment && (!primary || column.is_primary_key)
        })
    };
    auto(true).or_else(|| auto(false))
}

/// `INSERT INTO "s"."t" ("a", "b") VALUES ($1, $2) [RETURNING ...]`: the assigned key
/// (see [`assigned_column`]) then the role check, each only when there is one.
pub(crate) fn compile_insert(
    schema: &str,
    table: &TableSchema,
    values: &[ColumnValue],
    check: Option<&Condition>,
) -> CompiledSql {
    let values: Vec<&ColumnValue> = values
        .iter()
        .filter(|v| !(v.value == BoundValue::Null && table.column(v.column).auto_increment))
        .collect();
    let mut sql = SqlBuilder::new(schema, table);
    sql.push("INSERT INTO ");
    sql.table_name();
    if values.is_empty() {
        sql.push(" DEFAULT VALUES");
    } else {
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
    }
    let assigned = assigned_column(table);
    if let Some(column) = assigned {
        sql.push(" RETURNING ");
        sql.column(column);
        sql.push("::bigint");
    }
    if let Some(check) = check {
        sql.push(if assigned.is_some() {
            ", "
        } else {
            " RETURNING "
        });
        push_check(&mut sql, check);
    }
    sql.finish()
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
    let mut sql = SqlBuilder::new(schema, table);
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
    if let Some(check) = check {
        sql.push(" RETURNING ");
        push_check(&mut sql, check);
    }
    sql.finish()
}

/// `DELETE FROM "s"."t" [WHERE condition]`.
pub(crate) fn compile_delete(
    schema: &str,
    table: &TableSchema,
    condition: Option<&Condition>,
) -> CompiledSql {
    let mut sql = SqlBuilder::new(schema, table);
    sql.push("DELETE FROM ");
    sql.table_name();
    if let Some(condition) = condition {
        sql.push(" WHERE ");
        sql.condition(condition);
    }
    sql.finish()
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
    let mut sql = SqlBuilder::new(schema, table);
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
    sql.bind(BoundValue::Integer(super::saturating_i64(limit)));
    sql.finish()
}

/// `SELECT 1 FROM "s"."t" WHERE condition LIMIT 1`.
pub(crate) fn compile_exists(
    schema: &str,
    table: &TableSchema,
    condition: &Condition,
) -> CompiledSql {
    let mut sql = SqlBuilder::new(schema, table);
    sql.push("SELECT 1 FROM ");
    sql.table_name();
    sql.push(" WHERE ");
    sql.condition(condition);
    sql.push(" LIMIT 1");
    sql.finish()
}

fn push_check(sql: &mut SqlBuilder<'_>, check: &Condition) {
    sql.push("CASE WHEN ");
    sql.condition(check);
    sql.push(" THEN TRUE ELSE FALSE END");
}

#[cfg(test)]
mod tests {
    use sluice_connector_core::{ColumnSchema, ComparisonOp};

    use super::*;

    fn table() -> TableSchema {
        let mut id = ColumnSchema::from_declared("id", "integer");
        id.is_primary_key = true;
        id.auto_increment = true;
        TableSchema::new(
            "to\"dos",
            false,
            vec![
                id,
                ColumnSchema::from_declared("owner", "integer"),
                ColumnSchema::from_declared("title", "text"),
            ],
            vec![],
        )
    }

    fn value(table: &TableSchema, name: &str, value: BoundValue) -> ColumnValue {
        ColumnValue {
            column: table.column_ref(name).expect("column"),
            value,
        }
    }

    fn owner_is(table: &TableSchema, owner: i64) -> Condition {
        Condition::Compare {
            column: table.column_ref("owner").expect("column"),
            op: ComparisonOp::Eq,
            value: BoundValue::Integer(owner),
        }
    }

    #[test]
    fn insert_returns_the_assigned_key_and_the_role_check() {
        let table = table();
        let values = [
            value(&table, "id", BoundValue::Null),
            value(&table, "owner", BoundValue::Integer(1)),
            value(&table, "title", BoundValue::Text("x' --".into())),
        ];
        let compiled = compile_insert("public", &table, &values, Some(&owner_is(&table, 1)));
        assert_eq!(
            compiled.sql,
            r#"INSERT INTO "public"."to""dos" ("owner", "title") VALUES ($1, $2) RETURNING "id"::bigint, CASE WHEN "owner" = $3 THEN TRUE ELSE FALSE END"#
        );
        assert_eq!(
            compiled.binds,
            vec![
                BoundValue::Integer(1),
                BoundValue::Text("x' --".into()),
                BoundValue::Integer(1)
            ]
        );
        assert_eq!(
            compile_insert("s", &table, &[], None).sql,
            r#"INSERT INTO "s"."to""dos" DEFAULT VALUES RETURNING "id"::bigint"#
        );
    }

    #[test]
    fn update_delete_lookup_and_exists_bind_in_text_order() {
        let table = table();
        let changes = [value(&table, "title", BoundValue::Text("new".into()))];
        let key = Condition::Compare {
            column: table.column_ref("id").expect("column"),
            op: ComparisonOp::Eq,
            value: BoundValue::Integer(7),
        };
        let condition = Condition::And(vec![key, owner_is(&table, 2)]);
        let compiled = compile_update(
            "s",
            &table,
            &changes,
            &condition,
            Some(&owner_is(&table, 2)),
        );
        assert_eq!(
            compiled.sql,
            r#"UPDATE "s"."to""dos" SET "title" = $1 WHERE ("id" = $2 AND "owner" = $3) RETURNING CASE WHEN "owner" = $4 THEN TRUE ELSE FALSE END"#
        );
        assert_eq!(compiled.binds.len(), 4);
        assert_eq!(
            compile_delete("s", &table, Some(&owner_is(&table, 3))).sql,
            r#"DELETE FROM "s"."to""dos" WHERE "owner" = $1"#
        );
        assert_eq!(
            compile_exists("s", &table, &owner_is(&table, 3)).sql,
            r#"SELECT 1 FROM "s"."to""dos" WHERE "owner" = $1 LIMIT 1"#
        );
        let id = table.column_ref("id").expect("column");
        assert_eq!(
            compile_lookup("s", &table, &[id], &owner_is(&table, 3), 1).sql,
            r#"SELECT "id" FROM "s"."to""dos" WHERE "owner" = $1 LIMIT $2"#
        );
    }
}
