//! INSERT, UPDATE, DELETE and the lookups of writes in each dialect.

use super::*;
use crate::write::ColumnValue;

/// `name = value` for a write.
/// `name = value` for each pair, as a write sets them.
fn set(table: &TableSchema, pairs: &[(&str, BoundValue)]) -> Vec<ColumnValue> {
    pairs
        .iter()
        .map(|(name, value)| ColumnValue {
            column: col(table, name),
            value: value.clone(),
        })
        .collect()
}

#[test]
fn inserts_return_what_the_dialect_returns() {
    let table = table();
    let values = set(
        &table,
        &[
            ("id", BoundValue::Null),
            ("owner", BoundValue::Integer(1)),
            ("title", BoundValue::Text("x' --".into())),
        ],
    );
    let check = compare(&table, "owner", ComparisonOp::Eq, 1);
    let lite = insert_returning(&Lite, &table, &values, Some(&check));
    assert_eq!(
        lite.sql,
        "INSERT OR ABORT INTO \"to\"\"do`s\" (\"id\", \"owner\", \"title\") VALUES (?, ?, ?) \
         RETURNING CASE WHEN \"owner\" = ? THEN 1 ELSE 0 END"
    );
    assert_eq!(lite.binds.len(), 4);
    let pg = insert_returning(&Pg("s"), &table, &values, Some(&check));
    assert_eq!(
        pg.sql,
        "INSERT INTO \"s\".\"to\"\"do`s\" (\"owner\", \"title\") VALUES ($1, $2) \
         RETURNING \"id\"::bigint, CASE WHEN \"owner\" = $3 THEN TRUE ELSE FALSE END"
    );
    // The key given as `null` is left out, its bind too; the text is only ever bound.
    let given: Vec<BoundValue> = values[1..].iter().map(|set| set.value.clone()).collect();
    assert_eq!(pg.binds[..2], given[..]);
    assert_eq!(pg.binds[2], BoundValue::Integer(1));
    let my = insert(&My, &table, &values);
    assert_eq!(
        my.sql,
        "INSERT INTO `to\"do``s` (`owner`, `title`) VALUES (?, ?)"
    );
    assert_eq!(my.binds.len(), 2);
}

#[test]
fn an_insert_of_no_values_is_the_dialects_own_form() {
    let table = table();
    let only_null_key = set(&table, &[("id", BoundValue::Null)]);
    assert_eq!(
        insert_returning(&Lite, &table, &[], None).sql,
        "INSERT OR ABORT INTO \"to\"\"do`s\" DEFAULT VALUES"
    );
    assert_eq!(
        insert_returning(&Pg("s"), &table, &only_null_key, None).sql,
        "INSERT INTO \"s\".\"to\"\"do`s\" DEFAULT VALUES RETURNING \"id\"::bigint"
    );
    assert_eq!(
        insert(&My, &table, &only_null_key).sql,
        "INSERT INTO `to\"do``s` () VALUES ()"
    );
    assert_eq!(assigned_column(&table), table.column_ref("id"));
}

#[test]
fn updates_bind_in_text_order_and_return_the_check_where_they_can() {
    let table = table();
    let changes = set(&table, &[("title", BoundValue::Text("new".into()))]);
    let condition = Condition::And(vec![
        compare(&table, "id", ComparisonOp::Eq, 7),
        compare(&table, "owner", ComparisonOp::Eq, 2),
    ]);
    let check = compare(&table, "owner", ComparisonOp::Eq, 2);
    assert_eq!(
        update_returning(&Lite, &table, &changes, &condition, Some(&check)).sql,
        "UPDATE OR ABORT \"to\"\"do`s\" SET \"title\" = ? WHERE (\"id\" = ? AND \"owner\" = ?) \
         RETURNING CASE WHEN \"owner\" = ? THEN 1 ELSE 0 END"
    );
    let pg = update_returning(&Pg("s"), &table, &changes, &condition, Some(&check));
    assert_eq!(
        pg.sql,
        "UPDATE \"s\".\"to\"\"do`s\" SET \"title\" = $1 WHERE (\"id\" = $2 AND \"owner\" = $3) \
         RETURNING CASE WHEN \"owner\" = $4 THEN TRUE ELSE FALSE END"
    );
    let texts: Vec<String> = pg.binds.iter().map(|bind| format!("{bind:?}")).collect();
    assert_eq!(
        texts,
        ["Text(\"new\")", "Integer(7)", "Integer(2)", "Integer(2)"]
    );
    assert_eq!(
        update(&My, &table, &changes, &condition).sql,
        "UPDATE `to\"do``s` SET `title` = ? WHERE (`id` = ? AND `owner` = ?)"
    );
}

#[test]
fn deletes_lookups_and_checks() {
    let table = table();
    let owner = compare(&table, "owner", ComparisonOp::Eq, 3);
    assert_eq!(
        delete(&Lite, &table, None).sql,
        "DELETE FROM \"to\"\"do`s\""
    );
    assert_eq!(
        delete(&My, &table, Some(&owner)).sql,
        "DELETE FROM `to\"do``s` WHERE `owner` = ?"
    );
    assert_eq!(
        delete(&Pg("s"), &table, Some(&owner)).sql,
        "DELETE FROM \"s\".\"to\"\"do`s\" WHERE \"owner\" = $1"
    );
    assert_eq!(
        exists(&My, &table, &owner).sql,
        "SELECT 1 FROM `to\"do``s` WHERE `owner` = ? LIMIT 1"
    );
    let columns = [col(&table, "id"), col(&table, "due")];
    assert_eq!(
        lookup(&Lite, &table, &columns, &owner, 2).sql,
        "SELECT \"id\", \"due\" FROM \"to\"\"do`s\" WHERE \"owner\" = ? LIMIT ?"
    );
    let pg = lookup(&Pg("s"), &table, &columns, &owner, 2);
    assert_eq!(
        pg.sql,
        "SELECT \"id\", \"due\"::text FROM \"s\".\"to\"\"do`s\" WHERE \"owner\" = $1 LIMIT $2"
    );
    assert_eq!(
        pg.binds,
        vec![BoundValue::Integer(3), BoundValue::Integer(2)]
    );
    assert_eq!(
        lookup(&My, &table, &columns, &owner, u64::MAX).binds[1],
        BoundValue::Integer(i64::MAX)
    );
    let written = compare(&table, "id", ComparisonOp::Eq, 5);
    assert_eq!(
        outside_check(&My, &table, &written, &owner).sql,
        "SELECT 1 FROM `to\"do``s` WHERE (`id` = ?) AND (`owner` = ?) IS NOT TRUE LIMIT 1 \
         FOR UPDATE"
    );
}
