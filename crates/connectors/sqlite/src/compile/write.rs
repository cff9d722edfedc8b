//! INSERT, UPDATE and DELETE for record writes: core's builders ([`sql`]) in SQLite's
//! dialect, which returns the role check (`RETURNING CASE WHEN <check> THEN 1 ELSE 0
//! END`) from the writing statement and says `OR ABORT` (see [`Sqlite`]).

use sluice_connector_core::{
    BoundValue, ColumnRef, ColumnValue, Condition, ForeignKey, TableSchema, sql,
};

use super::CompiledSql;
use crate::dialect::Sqlite;

/// `INSERT OR ABORT INTO "t" ("a", "b") VALUES (?, ?) [RETURNING CASE WHEN check ...]`.
pub(crate) fn compile_insert(
    table: &TableSchema,
    values: &[ColumnValue],
    check: Option<&Condition>,
) -> CompiledSql {
    sql::insert_returning(&Sqlite, table, values, check)
}

/// `UPDATE OR ABORT "t" SET "a" = ?, ... WHERE condition [RETURNING CASE WHEN check ...]`;
/// `changes` must not be empty.
pub(crate) fn compile_update(
    table: &TableSchema,
    changes: &[ColumnValue],
    condition: &Condition,
    check: Option<&Condition>,
) -> CompiledSql {
    sql::update_returning(&Sqlite, table, changes, condition, check)
}

/// `DELETE FROM "t" [WHERE condition]`.
pub(crate) fn compile_delete(table: &TableSchema, condition: Option<&Condition>) -> CompiledSql {
    sql::delete(&Sqlite, table, condition)
}

/// `SELECT "a", "b" FROM "t" WHERE condition LIMIT ?`: the values nested writes look up.
pub(crate) fn compile_lookup(
    table: &TableSchema,
    columns: &[ColumnRef],
    condition: &Condition,
    limit: u64,
) -> CompiledSql {
    sql::lookup(&Sqlite, table, columns, condition, limit)
}

/// `SELECT 1 FROM "t" WHERE condition LIMIT 1`.
pub(crate) fn compile_exists(table: &TableSchema, condition: &Condition) -> CompiledSql {
    sql::exists(&Sqlite, table, condition)
}

/// `SELECT 1 FROM "parent" WHERE "ref1" = ? AND ... LIMIT 1`: whether the row a foreign
/// key points at exists, to name the column of a failed foreign key. The names come from
/// the catalog (`PRAGMA foreign_key_list`), never from a request.
pub(crate) fn compile_reference_exists(key: &ForeignKey, values: &[BoundValue]) -> CompiledSql {
    let mut sql = String::from("SELECT 1 FROM ");
    sql::push_identifier::<Sqlite>(&mut sql, &key.ref_table);
    for (index, column) in key.ref_columns.iter().enumerate() {
        sql.push_str(if index == 0 { " WHERE " } else { " AND " });
        sql::push_identifier::<Sqlite>(&mut sql, column);
        sql.push_str(" = ?");
    }
    sql.push_str(" LIMIT 1");
    CompiledSql {
        sql,
        binds: values.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use sluice_connector_core::{ColumnSchema, ComparisonOp};

    use super::*;

    fn table() -> TableSchema {
        let mut id = ColumnSchema::from_declared("id", "INTEGER");
        id.is_primary_key = true;
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
    fn insert_binds_every_value_and_returns_the_role_check() {
        let table = table();
        let values = [
            value(&table, "owner", BoundValue::Integer(1)),
            value(&table, "title", BoundValue::Text("x' --".into())),
        ];
        let compiled = compile_insert(&table, &values, Some(&owner_is(&table, 1)));
        assert_eq!(
            compiled.sql,
            r#"INSERT OR ABORT INTO "to""dos" ("owner", "title") VALUES (?, ?) RETURNING CASE WHEN "owner" = ? THEN 1 ELSE 0 END"#
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
            compile_insert(&table, &[], None).sql,
            r#"INSERT OR ABORT INTO "to""dos" DEFAULT VALUES"#
        );
    }

    #[test]
    fn update_binds_in_text_order() {
        let table = table();
        let changes = [value(&table, "title", BoundValue::Text("new".into()))];
        let key = Condition::Compare {
            column: table.column_ref("id").expect("column"),
            op: ComparisonOp::Eq,
            value: BoundValue::Integer(7),
        };
        let condition = Condition::And(vec![key, owner_is(&table, 2)]);
        let compiled = compile_update(&table, &changes, &condition, Some(&owner_is(&table, 2)));
        assert_eq!(
            compiled.sql,
            r#"UPDATE OR ABORT "to""dos" SET "title" = ? WHERE ("id" = ? AND "owner" = ?) RETURNING CASE WHEN "owner" = ? THEN 1 ELSE 0 END"#
        );
        assert_eq!(
            compiled.binds,
            vec![
                BoundValue::Text("new".into()),
                BoundValue::Integer(7),
                BoundValue::Integer(2),
                BoundValue::Integer(2)
            ]
        );
    }

    #[test]
    fn delete_exists_and_reference_checks() {
        let table = table();
        assert_eq!(compile_delete(&table, None).sql, r#"DELETE FROM "to""dos""#);
        assert_eq!(
            compile_delete(&table, Some(&owner_is(&table, 3))).sql,
            r#"DELETE FROM "to""dos" WHERE "owner" = ?"#
        );
        assert_eq!(
            compile_exists(&table, &owner_is(&table, 3)).sql,
            r#"SELECT 1 FROM "to""dos" WHERE "owner" = ? LIMIT 1"#
        );
        let key = ForeignKey {
            columns: vec!["a".into(), "b".into()],
            ref_table: "par\"ent".into(),
            ref_columns: vec!["x".into(), "y".into()],
            on_update: "NO ACTION".into(),
            on_delete: "NO ACTION".into(),
        };
        let compiled =
            compile_reference_exists(&key, &[BoundValue::Integer(1), BoundValue::Integer(2)]);
        assert_eq!(
            compiled.sql,
            r#"SELECT 1 FROM "par""ent" WHERE "x" = ? AND "y" = ? LIMIT 1"#
        );
        assert_eq!(compiled.binds.len(), 2);
    }
}
