//! Reads by identifier: `ids=`, `continue`, and `GET /_table/{t}/{id}`.

use serde_json::{Value, json};
use sluice_connector_core::{ConnectorError, ReadRequest};

use crate::helpers::*;

fn by_ids(ids: &str, continue_on_error: bool) -> ReadRequest {
    ReadRequest {
        ids: Some(ids.into()),
        continue_on_error,
        fields: Some("id,last_name".into()),
        ..request()
    }
}

#[tokio::test]
async fn ids_come_back_in_request_order() {
    let fixture = fixture();
    let body = get(&fixture, "employees", by_ids("3, 1,3", false))
        .await
        .expect("read");
    assert_eq!(ids(&body), vec![3, 1, 3]);
    assert_eq!(body["resource"][0], json!({"id": 3, "last_name": "Åström"}));
}

#[tokio::test]
async fn ids_with_continue_come_back_in_database_order() {
    let fixture = fixture();
    let body = get(&fixture, "employees", by_ids("3,1", true))
        .await
        .expect("read");
    assert_eq!(ids(&body), vec![1, 3]);
}

fn batch(result: Result<Value, ConnectorError>) -> (String, Value) {
    match result {
        Err(ConnectorError::Batch { message, context }) => (message, context),
        other => panic!("expected a batch error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_id_is_the_batch_error_stopping_at_the_first_miss() {
    let fixture = fixture();
    let (message, context) = batch(get(&fixture, "employees", by_ids("2,77,3,78", false)).await);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be retrieved."
    );
    assert_eq!(
        context,
        json!({
            "error": [1],
            "resource": [
                {"id": 2, "last_name": "Smith"},
                {"code": 404, "context": null, "message": "Record with identifier '77' not found.", "status_code": 404}
            ]
        })
    );
}

#[tokio::test]
async fn continue_reports_every_missing_id() {
    let fixture = fixture();
    let (_, context) = batch(get(&fixture, "employees", by_ids("2,77,3,78", true)).await);
    assert_eq!(context["error"], json!([1, 3]));
    assert_eq!(context["resource"].as_array().map(Vec::len), Some(4));
    assert_eq!(
        context["resource"][2],
        json!({"id": 3, "last_name": "Åström"})
    );
}

#[tokio::test]
async fn invalid_ids_are_400s() {
    let fixture = fixture();
    assert_eq!(
        bad_request(get(&fixture, "employees", by_ids("", false)).await),
        "The request contains no valid identifiers."
    );
    assert_eq!(
        bad_request(get(&fixture, "employees", by_ids("1,abc", false)).await),
        "Field 'id' must be a valid integer."
    );
    let many = (1..=1001)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(
        bad_request(get(&fixture, "employees", by_ids(&many, false)).await),
        "Too many identifiers in one request: the limit is 1000."
    );
}

#[tokio::test]
async fn id_field_picks_the_identifier_columns() {
    let fixture = fixture();
    let request = ReadRequest {
        id_field: Some("name".into()),
        ..by_ids("Sales,Ops", false)
    };
    let request = ReadRequest {
        fields: Some("id".into()),
        ..request
    };
    let body = get(&fixture, "departments", request).await.expect("read");
    assert_eq!(ids(&body), vec![2, 3]);
}

#[tokio::test]
async fn text_and_composite_keys_are_matched() {
    let fixture = fixture();
    let body = get(
        &fixture,
        "we\"ird name",
        ReadRequest {
            ids: Some("b,a".into()),
            ..request()
        },
    )
    .await
    .expect("read");
    assert_eq!(
        body,
        json!({"resource": [{"k\"ey": "b", "v": "two"}, {"k\"ey": "a", "v": 1}]})
    );
    // DreamFactory applies a scalar id to every key column of a composite key.
    let (_, context) = batch(
        get(
            &fixture,
            "pairs",
            ReadRequest {
                ids: Some("1".into()),
                ..request()
            },
        )
        .await,
    );
    assert_eq!(context["error"], json!([0]));
}

async fn one(
    fixture: &Fixture,
    table: &str,
    id: &str,
    request: ReadRequest,
) -> Result<Value, ConnectorError> {
    fixture
        .admin(table)
        .read_record(id, &request)
        .await
        .map(|bytes| serde_json::from_slice(&bytes).expect("valid JSON"))
}

#[tokio::test]
async fn a_single_record_is_a_bare_object() {
    let fixture = fixture();
    let record = one(
        &fixture,
        "Employees",
        "4",
        ReadRequest {
            fields: Some("id,last_name,hire_date".into()),
            ..request()
        },
    )
    .await
    .expect("found");
    assert_eq!(
        record,
        json!({"id": 4, "last_name": "O'Brien", "hire_date": null})
    );
}

#[tokio::test]
async fn a_missing_single_record_is_not_found() {
    let fixture = fixture();
    let error = one(&fixture, "employees", "77", request())
        .await
        .expect_err("missing");
    assert!(matches!(&error, ConnectorError::RecordNotFound(id) if id == "77"));
    assert_eq!(error.to_string(), "Record with identifier '77' not found.");
    assert_eq!(
        bad_request(one(&fixture, "employees", "x", request()).await),
        "Field 'id' must be a valid integer."
    );
}

#[tokio::test]
async fn a_view_without_key_needs_id_field() {
    let fixture = fixture();
    assert_eq!(
        bad_request(one(&fixture, "high_earners", "2", request()).await),
        "Table 'high_earners' has no primary key; name the identifier field(s) with id_field."
    );
    let record = one(
        &fixture,
        "high_earners",
        "2",
        ReadRequest {
            id_field: Some("id".into()),
            ..request()
        },
    )
    .await
    .expect("found");
    assert_eq!(record["last_name"], "Smith");
}
