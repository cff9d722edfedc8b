//! `_schema` writes on MySQL/MariaDB: DreamFactory's types as MySQL columns, create (and
//! merge), add, alter (rename, type, null, default), drop; every change one statement, so a
//! refused one leaves the table as it was.

use mysql_async::prelude::Queryable;
use serde_json::{Value, json};
use sluice_connector_core::{
    ConnectorError, FieldChange, INVALID_SCHEMA_CHANGE, SchemaChange, WriteKind, WriteRequest,
};

use crate::helpers::*;

/// `name type nullable default` of every column of `table`, in order, as the catalog
/// reports them (MariaDB's defaults are SQL: `'none'`, `NULL`).
async fn columns(fixture: &Fixture, table: &str) -> Vec<String> {
    let mut conn = fixture.admin_connection().await;
    let rows: Vec<String> = conn
        .exec(
            "SELECT CONCAT_WS(' ', COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, \
             COALESCE(COLUMN_DEFAULT, '-')) FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
            (fixture.name(), table),
        )
        .await
        .expect("catalog read");
    let _ = conn.disconnect().await;
    rows
}

fn change(field: &str, definition: Value) -> FieldChange {
    FieldChange {
        field: field.to_owned(),
        definition: definition.as_object().cloned().unwrap_or_default(),
    }
}

/// Changes `fields` of `table`, leaving the others as they are.
fn alter_fields(table: &str, fields: Vec<FieldChange>) -> SchemaChange {
    SchemaChange::AlterFields {
        table: table.to_owned(),
        fields,
        drop_missing: false,
    }
}

fn bad(result: Result<(), ConnectorError>) -> String {
    match result {
        Err(ConnectorError::BadRequest { message, .. }) => message,
        other => panic!("expected a 400, got {other:?}"),
    }
}

#[tokio::test]
async fn a_table_is_created_with_dreamfactory_types_and_written_through_the_connector() {
    let fixture = fixture().await;
    let fields = vec![
        json!({"name": "id", "type": "id"}),
        json!({"name": "title", "type": "string", "length": 40}),
        json!({"name": "done", "type": "boolean", "default": false}),
        json!({"name": "price", "type": "decimal", "precision": 8, "scale": 2, "allow_null": true}),
        json!({"name": "note", "type": "string", "allow_null": true,
               "default": "it's a \\'); DROP TABLE log; -- \\"}),
        json!({"name": "dept_id", "type": "reference", "ref_table": "departments", "allow_null": true}),
        json!({"name": "at", "type": "timestamp_on_create"}),
    ];
    let create = SchemaChange::CreateTable {
        name: "tasks".into(),
        fields,
        merge: false,
    };
    fixture
        .database
        .change_schema(create)
        .await
        .expect("created");
    let described = columns(&fixture, "tasks").await;
    assert_eq!(
        described[..4],
        [
            "id int(11) NO -",
            "title varchar(40) NO -",
            "done tinyint(1) NO 0",
            "price decimal(8,2) YES NULL",
        ]
    );
    assert_eq!(described[5], "dept_id int(11) YES NULL");
    assert_eq!(described[6], "at timestamp NO current_timestamp()");
    let request = WriteRequest {
        fields: Some("id,title,done,price,note,dept_id".into()),
        ..with_body(
            WriteKind::Create,
            json!([{"title": "x", "price": 1.5, "dept_id": 1}]),
        )
    };
    assert_eq!(
        write(&fixture, "tasks", request).await.expect("written"),
        json!({"resource": [{"id": 1, "title": "x", "done": false, "price": 1.5,
                             "note": "it's a \\'); DROP TABLE log; -- \\", "dept_id": 1}]})
    );
    let orphan = with_body(WriteKind::Create, json!([{"title": "y", "dept_id": 99}]));
    assert!(
        write(&fixture, "tasks", orphan).await.is_err(),
        "the key holds"
    );
    let again = SchemaChange::CreateTable {
        name: "tasks".into(),
        fields: vec![json!({"name": "x", "type": "integer"})],
        merge: false,
    };
    assert_eq!(
        bad(fixture.database.change_schema(again).await),
        "A table with name 'tasks' already exist in the database."
    );
}

#[tokio::test]
async fn a_not_null_field_without_a_default_on_a_table_with_records_changes_nothing() {
    let fixture = fixture().await;
    let before = columns(&fixture, "departments").await;
    let add = SchemaChange::AddFields {
        table: "departments".into(),
        fields: vec![
            json!({"name": "code", "type": "string", "allow_null": true}),
            json!({"name": "budget", "type": "integer"}),
        ],
    };
    assert_eq!(
        bad(fixture.database.change_schema(add).await),
        INVALID_SCHEMA_CHANGE
    );
    assert_eq!(columns(&fixture, "departments").await, before);
}

#[tokio::test]
async fn a_change_the_server_refuses_applies_none_of_its_fields() {
    let fixture = fixture().await;
    let before = columns(&fixture, "employees").await;
    // Liam has no e-mail, so `email` cannot become NOT NULL; the rename beside it must not
    // happen either.
    let alter = alter_fields(
        "employees",
        vec![
            change("first_name", json!({"name": "given_name"})),
            change("email", json!({"allow_null": false})),
        ],
    );
    assert_eq!(
        bad(fixture.database.change_schema(alter).await),
        INVALID_SCHEMA_CHANGE
    );
    assert_eq!(columns(&fixture, "employees").await, before);
    // Invalid input is refused before anything runs.
    let alter = alter_fields(
        "employees",
        vec![
            change("first_name", json!({"name": "given_name"})),
            change("last_name", json!({"type": "no_such_type"})),
        ],
    );
    assert_eq!(
        bad(fixture.database.change_schema(alter).await),
        "Invalid or unsupported field type 'no_such_type'."
    );
    assert_eq!(columns(&fixture, "employees").await, before);
}

#[tokio::test]
async fn fields_are_renamed_retyped_and_dropped() {
    let fixture = fixture().await;
    let alter = alter_fields(
        "tags",
        vec![
            change(
                "label",
                json!({"name": "title", "type": "string", "length": 20, "allow_null": true, "default": "none"}),
            ),
            change("code", json!({})),
            change("rank", json!({"type": "integer", "allow_null": true})),
        ],
    );
    fixture
        .database
        .change_schema(alter)
        .await
        .expect("altered");
    assert_eq!(
        columns(&fixture, "tags").await,
        [
            "code varchar(20) NO -",
            "title varchar(20) YES 'none'",
            "rank int(11) YES NULL"
        ]
    );
    // A change of nullability alone keeps the type and the default.
    let alter = alter_fields(
        "employees",
        vec![change("active", json!({"allow_null": false}))],
    );
    fixture
        .database
        .change_schema(alter)
        .await
        .expect("altered");
    assert!(
        columns(&fixture, "employees")
            .await
            .contains(&"active tinyint(1) NO 1".to_owned())
    );
    let drop = SchemaChange::DropField {
        table: "tags".into(),
        field: "RANK".into(),
    };
    fixture.database.change_schema(drop).await.expect("dropped");
    let unsupported = alter_fields("tags", vec![change("title", json!({"is_unique": true}))]);
    assert_eq!(
        bad(fixture.database.change_schema(unsupported).await),
        "Changing 'is_unique' of an existing field is not supported for MySQL services; \
         drop and add the field instead."
    );
    let put = SchemaChange::AlterFields {
        table: "tags".into(),
        fields: vec![change("code", json!({}))],
        drop_missing: true,
    };
    fixture
        .database
        .change_schema(put)
        .await
        .expect("fields left out dropped");
    assert_eq!(columns(&fixture, "tags").await, ["code varchar(20) NO -"]);
}

#[tokio::test]
async fn tables_are_dropped_unknown_ones_are_not_found_and_referenced_ones_stay() {
    let fixture = fixture().await;
    fixture
        .database
        .change_schema(SchemaChange::DropTable("log".into()))
        .await
        .expect("dropped");
    assert!(columns(&fixture, "log").await.is_empty());
    let missing = fixture
        .database
        .change_schema(SchemaChange::DropTable("nope".into()))
        .await;
    assert!(matches!(missing, Err(ConnectorError::TableNotFound(name)) if name == "nope"));
    let referenced = fixture
        .database
        .change_schema(SchemaChange::DropTable("departments".into()))
        .await;
    assert_eq!(bad(referenced), INVALID_SCHEMA_CHANGE);
    assert_eq!(columns(&fixture, "departments").await.len(), 2);
}
