use super::*;

fn table() -> TableSchema {
    let mut id = ColumnSchema::from_declared("Id", "INTEGER");
    id.is_primary_key = true;
    let dept = ColumnSchema::from_declared("dept_id", "integer");
    TableSchema::new(
        "Employees",
        false,
        vec![id, ColumnSchema::from_declared("Last_Name", "text"), dept],
        vec![ForeignKey {
            columns: vec!["dept_id".into()],
            ref_table: "departments".into(),
            ref_columns: vec!["id".into()],
            on_update: "NO ACTION".into(),
            on_delete: "CASCADE".into(),
        }],
    )
}

#[test]
fn column_lookup_is_case_insensitive_and_returns_db_spelling() {
    let table = table();
    let column = table.column_ref("last_NAME").expect("found");
    assert_eq!(table.column(column).name, "Last_Name");
    assert!(table.column_ref("nope").is_none());
}

#[test]
fn primary_key_and_reference_type_come_from_the_columns_and_keys() {
    let table = table();
    assert_eq!(table.primary_key(), &[ColumnRef(0)]);
    let dept = table.column_ref("DEPT_ID").expect("found");
    assert_eq!(table.column(dept).df_type, DfType::Reference);
    assert_eq!(
        table.foreign_key_of(dept).map(|(k, p)| (&*k.ref_table, p)),
        Some(("departments", 0))
    );
}

#[test]
fn a_restricted_copy_hides_columns_but_keeps_their_positions() {
    let table = table();
    assert!(table.restricted(&["nope"]).is_none(), "nothing to hide");
    let restricted = table.restricted(&["LAST_name", "dept_ID"]).expect("hides");
    assert!(restricted.column_ref("last_name").is_none());
    assert!(restricted.column_ref("Dept_Id").is_none());
    assert_eq!(restricted.column_ref("id"), table.column_ref("ID"));
    assert_eq!(
        restricted.column_refs().collect::<Vec<_>>(),
        vec![ColumnRef(0)]
    );
    // References from the full table still resolve, for the role's filter.
    let last_name = table.column_ref("last_name").expect("full table");
    assert_eq!(restricted.column(last_name).name, "Last_Name");
    assert_eq!(restricted.primary_key(), &[ColumnRef(0)]);
    assert!(restricted.foreign_keys().is_empty());
}

#[test]
fn hiding_a_key_column_leaves_no_primary_key() {
    let restricted = table().restricted(&["id"]).expect("hides");
    assert!(restricted.primary_key().is_empty());
    assert_eq!(restricted.foreign_keys().len(), 1);
}

#[test]
fn snapshot_lookup_is_case_insensitive_and_names_sorted() {
    let snapshot = SchemaSnapshot::new(vec![
        TableSchema::new("b_table", false, vec![], vec![]),
        table(),
        TableSchema::new("apple", true, vec![], vec![]),
    ]);
    assert_eq!(
        snapshot.table("EMPLOYEES").map(|t| t.name()),
        Some("Employees")
    );
    assert_eq!(
        *snapshot.table_names(),
        vec!["apple", "b_table", "Employees"]
    );
}
