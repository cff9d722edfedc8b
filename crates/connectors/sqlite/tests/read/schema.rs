//! Introspection: tables and views, hidden internal tables, keys, types, refresh.

use serde_json::json;
use sluice_connector_core::{ConnectorError, DfType, ReadRequest};

use crate::helpers::*;

#[tokio::test]
async fn views_are_readable_and_described_as_views() {
    let fixture = fixture();
    let body = get(
        &fixture,
        "HIGH_EARNERS",
        ReadRequest {
            include_schema: true,
            order: Some("salary desc".into()),
            ..request()
        },
    )
    .await
    .expect("read");
    assert_eq!(ids(&body), vec![8, 2, 3]);
    assert_eq!(
        body["resource"][1],
        json!({"id": 2, "last_name": "Smith", "salary": 72000.5})
    );
    assert_eq!(body["meta"]["schema"]["is_view"], json!(true));
    assert_eq!(body["meta"]["schema"]["primary_key"], json!([]));
}

#[tokio::test]
async fn awkward_table_and_column_names_are_quoted() {
    let fixture = fixture();
    let body = get(
        &fixture,
        "WE\"IRD NAME",
        ReadRequest {
            fields: Some("v".into()),
            order: Some("v desc".into()),
            ..request()
        },
    )
    .await
    .expect("read");
    assert_eq!(body, json!({"resource": [{"v": "two"}, {"v": 1}]}));
}

#[tokio::test]
async fn keys_types_and_constraints_are_introspected() {
    let fixture = fixture();
    let schema = fixture.database.schema(false).await.expect("schema");
    let column = |table: &str, name: &str| {
        let table = schema.table(table).expect("table");
        table
            .column(table.column_ref(name).expect("column"))
            .clone()
    };
    let id = column("employees", "id");
    assert_eq!(
        (id.df_type, id.auto_increment, id.is_primary_key),
        (DfType::Id, true, true)
    );
    assert_eq!(column("employees", "dept_id").df_type, DfType::Reference);
    assert_eq!(column("employees", "salary").df_type, DfType::Decimal);
    assert_eq!(column("employees", "salary").precision, Some(10));
    assert_eq!(column("employees", "active").default.as_deref(), Some("1"));
    assert!(!column("employees", "first_name").allow_null);
    assert!(column("departments", "name").is_unique);
    assert_eq!(column("typed", "untyped").df_type, DfType::Untyped);
    // `INT PRIMARY KEY` is typed id like DreamFactory, but SQLite does not fill it in.
    let code = column("legacy", "code");
    assert_eq!((code.df_type, code.auto_increment), (DfType::Id, false));
    // WITHOUT ROWID: a text key, never auto-increment.
    assert!(!column("we\"ird name", "k\"ey").auto_increment);
    assert_eq!(schema.table("pairs").expect("pairs").primary_key().len(), 2);
}

#[tokio::test]
async fn foreign_keys_are_recorded_including_implicit_references() {
    let fixture = fixture();
    let schema = fixture.database.schema(false).await.expect("schema");
    let employees = schema.table("employees").expect("employees");
    let key = &employees.foreign_keys()[0];
    assert_eq!(
        (
            key.columns.clone(),
            key.ref_table.as_str(),
            key.ref_columns.clone(),
            key.on_delete.as_str()
        ),
        (
            vec!["dept_id".to_owned()],
            "departments",
            vec!["id".to_owned()],
            "SET NULL"
        )
    );
    // `REFERENCES departments` without a column means its primary key.
    let legacy = schema.table("legacy").expect("legacy");
    assert_eq!(legacy.foreign_keys()[0].ref_columns, vec!["id".to_owned()]);
}

#[tokio::test]
async fn schema_changes_are_seen_after_refresh_or_invalidate() {
    let fixture = fixture();
    assert_eq!(
        fixture
            .database
            .table_names(false)
            .await
            .expect("names")
            .len(),
        10
    );
    writer(&fixture)
        .execute_batch("CREATE TABLE added (id INTEGER PRIMARY KEY); INSERT INTO added VALUES (1);")
        .expect("created");
    assert!(matches!(
        get(&fixture, "added", request()).await,
        Err(ConnectorError::TableNotFound(_))
    ));
    let refreshed = ReadRequest {
        refresh: true,
        ..request()
    };
    assert_eq!(
        get(&fixture, "added", refreshed).await.expect("read"),
        json!({"resource": [{"id": 1}]})
    );
    writer(&fixture)
        .execute_batch("CREATE TABLE later (x);")
        .expect("created");
    assert_eq!(
        fixture
            .database
            .table_names(false)
            .await
            .expect("names")
            .len(),
        11
    );
    fixture.database.invalidate();
    assert_eq!(
        fixture
            .database
            .table_names(false)
            .await
            .expect("names")
            .len(),
        12
    );
}

#[tokio::test]
async fn a_column_dropped_behind_our_back_is_picked_up_after_invalidate() {
    let fixture = fixture();
    let fields = || ReadRequest {
        fields: Some("id,n".into()),
        ..request()
    };
    assert!(get(&fixture, "counters", fields()).await.is_ok());
    writer(&fixture)
        .execute_batch("ALTER TABLE counters DROP COLUMN n;")
        .expect("altered");
    fixture.database.invalidate();
    assert_eq!(
        bad_request(get(&fixture, "counters", fields()).await),
        "Invalid field requested: n"
    );
    assert_eq!(
        get(&fixture, "counters", request()).await.expect("read"),
        json!({"resource": [{"id": 1}, {"id": 2}]})
    );
}
