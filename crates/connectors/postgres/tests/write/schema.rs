//! `_schema` writes on PostgreSQL: DreamFactory's types as PostgreSQL columns, create (and
//! merge), add, alter (rename, type, null, default), drop, all in one transaction each.

use serde_json::{Value, json};
use sluice_connector_core::{ConnectorError, FieldChange, SchemaChange};

use crate::helpers::*;

/// `name type nullable default` of every column of `table`, in order.
async fn columns(fixture: &Fixture, table: &str) -> Vec<Value> {
    column(
        fixture,
        &format!(
            "SELECT column_name || ' ' || data_type || ' ' || is_nullable || ' ' || \
             COALESCE(column_default, '-') AS c FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = '{table}' ORDER BY ordinal_position"
        ),
    )
    .await
}

fn change(field: &str, definition: Value) -> FieldChange {
    FieldChange {
        field: field.to_owned(),
        definition: definition.as_object().cloned().unwrap_or_default(),
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
        json!({"name": "meta", "type": "json", "allow_null": true}),
        json!({"name": "dept_id", "type": "reference", "ref_table": "departments", "allow_null": true}),
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
    assert_eq!(
        columns(&fixture, "tasks").await,
        [
            json!("id integer NO -"),
            json!("title character varying NO -"),
            json!("done boolean NO false"),
            json!("price numeric YES -"),
            json!("meta jsonb YES -"),
            json!("dept_id integer YES -"),
        ]
    );
    let request = sluice_connector_core::WriteRequest {
        fields: Some("*".into()),
        ..with_body(
            sluice_connector_core::WriteKind::Create,
            json!([{"title": "x", "price": 1.5, "dept_id": 1}]),
        )
    };
    assert_eq!(
        write(&fixture, "tasks", request).await.expect("written"),
        json!({"resource": [{"id": 1, "title": "x", "done": false, "price": 1.5, "meta": null, "dept_id": 1}]})
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
async fn a_failed_change_leaves_nothing_behind() {
    let fixture = fixture().await;
    let add = SchemaChange::AddFields {
        table: "departments".into(),
        fields: vec![
            json!({"name": "code", "type": "string", "allow_null": true}),
            json!({"name": "budget", "type": "integer"}),
        ],
    };
    // `budget` is NOT NULL without a default on a table with rows.
    let message = bad(fixture.database.change_schema(add).await);
    assert!(
        message.starts_with("The schema change is not valid"),
        "{message}"
    );
    assert_eq!(
        columns(&fixture, "departments").await,
        [
            json!("id integer NO nextval('departments_id_seq'::regclass)"),
            json!("name text NO -")
        ]
    );
}

#[tokio::test]
async fn fields_are_renamed_retyped_and_dropped() {
    let fixture = fixture().await;
    let alter = SchemaChange::AlterFields {
        table: "tags".into(),
        fields: vec![
            change(
                "label",
                json!({"name": "title", "type": "string", "length": 20, "allow_null": true, "default": "none"}),
            ),
            change("code", json!({})),
            change("rank", json!({"type": "integer", "allow_null": true})),
        ],
        drop_missing: false,
    };
    fixture
        .database
        .change_schema(alter)
        .await
        .expect("altered");
    assert_eq!(
        columns(&fixture, "tags").await,
        [
            json!("code text NO -"),
            json!("title character varying YES 'none'::character varying"),
            json!("rank integer YES -")
        ]
    );
    let drop = SchemaChange::DropField {
        table: "tags".into(),
        field: "RANK".into(),
    };
    fixture.database.change_schema(drop).await.expect("dropped");
    let unsupported = SchemaChange::AlterFields {
        table: "tags".into(),
        fields: vec![change("title", json!({"is_unique": true}))],
        drop_missing: false,
    };
    assert_eq!(
        bad(fixture.database.change_schema(unsupported).await),
        "Changing 'is_unique' of an existing field is not supported for PostgreSQL services; \
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
    assert_eq!(columns(&fixture, "tags").await, [json!("code text NO -")]);
}

#[tokio::test]
async fn tables_are_dropped_and_unknown_ones_are_not_found() {
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
}
