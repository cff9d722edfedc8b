//! Read options where MySQL's SQL differs from the other engines', and what only MySQL has.

use serde_json::{Value, json};
use sluice_connector_conformance::values::{self, get};
use sluice_connector_core::ReadRequest;

use crate::helpers::*;

fn filtered(filter: &str, fields: &str) -> ReadRequest {
    ReadRequest {
        filter: Some(filter.into()),
        fields: Some(fields.into()),
        ..request()
    }
}

#[tokio::test]
async fn filters_compare_values_as_the_column_type() {
    let filters = [
        "dt = '2024-01-02 03:04:05'",
        "ts > '2024-01-01'",
        "n = 1234.5",
        "big = 9007199254740993",
        "feeling = 'happy'",
        "b = true",
        "bin = 'AQL/'",
        "u like 'a0ee%'",
        "big like '9007%'",
        "d between '2024-01-01' and '2024-01-31'",
        "tm = '03:04:05'",
    ];
    let database = &fixture().await.database;
    values::check_filters_select_the_first_typed_row(database, &filters).await;
}

/// What an administrator reads from `table` with `request`.
async fn read(fixture: &Fixture, table: &str, request: ReadRequest) -> Value {
    get(&fixture.database, table, request).await.expect("read")
}

#[tokio::test]
async fn a_clients_like_pattern_keeps_its_wildcards_and_matches_a_backslash() {
    let fixture = fixture().await;
    let backslash = filtered(r"t like '%\ slash'", "id");
    assert_eq!(
        read(&fixture, "typed", backslash).await,
        json!({"resource": [{"id": 1}]})
    );
    let percent = filtered("notes like '50%'", "id");
    assert_eq!(
        read(&fixture, "employees", percent).await,
        json!({"resource": [{"id": 4}]})
    );
}

#[tokio::test]
async fn nulls_first_and_last_are_honoured() {
    let fixture = fixture().await;
    let ordered = |order: &str| ReadRequest {
        fields: Some("id".into()),
        filter: Some("id in (1,4,5)".into()),
        order: Some(order.into()),
        ..request()
    };
    let last = read(&fixture, "employees", ordered("salary asc nulls last")).await;
    assert_eq!(last, json!({"resource": [{"id": 4}, {"id": 1}, {"id": 5}]}));
    let first = read(&fixture, "employees", ordered("salary desc nulls first")).await;
    assert_eq!(
        first,
        json!({"resource": [{"id": 5}, {"id": 1}, {"id": 4}]})
    );
}

#[tokio::test]
async fn identifiers_with_backticks_are_quoted() {
    let fixture = fixture().await;
    let body = get(
        &fixture.database,
        "we`ird name",
        ReadRequest {
            ids: Some("b".into()),
            ..request()
        },
    )
    .await
    .expect("read");
    assert_eq!(body, json!({"resource": [{"k`ey": "b", "v": "two"}]}));
}

#[tokio::test]
async fn an_offset_without_a_limit_and_a_composite_key() {
    let fixture = fixture().await;
    let body = get(
        &fixture.database,
        "pairs",
        ReadRequest {
            offset: Some("1".into()),
            fields: Some("v".into()),
            ..request()
        },
    )
    .await
    .expect("read");
    assert_eq!(body, json!({"resource": [{"v": "second"}, {"v": "third"}]}));
}

#[tokio::test]
async fn include_schema_describes_the_table_with_mysqls_types() {
    let fixture = fixture().await;
    let body = get(
        &fixture.database,
        "typed",
        ReadRequest {
            include_schema: true,
            fields: Some("id".into()),
            limit: Some("1".into()),
            ..request()
        },
    )
    .await
    .expect("read");
    assert_eq!(body["resource"], json!([{"id": 1}]));
    let schema = &body["meta"]["schema"];
    assert_eq!(schema["name"], json!("typed"));
    assert_eq!(schema["primary_key"], json!(["id"]));
    let field = |name: &str| {
        schema["field"]
            .as_array()
            .and_then(|fields| fields.iter().find(|f| f["name"] == json!(name)))
            .cloned()
            .unwrap_or_else(|| panic!("field {name}"))
    };
    let id = field("id");
    assert_eq!(
        (&id["type"], &id["db_type"], &id["auto_increment"]),
        (&json!("id"), &json!("bigint(20)"), &json!(true))
    );
    let feeling = field("feeling");
    assert_eq!(
        (
            &feeling["type"],
            &feeling["picklist"],
            &feeling["allow_null"]
        ),
        (&json!("string"), &json!(["happy", "sad"]), &json!(false))
    );
    assert_eq!(field("b")["type"], json!("boolean"));
    assert_eq!(field("bl")["type"], json!("binary"));
}
