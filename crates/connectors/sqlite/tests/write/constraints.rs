//! Constraint violations as DreamFactory-style 400s naming the field, never SQLite's text
//! (no SQL text, SQLite messages or file paths reach the client).

use serde_json::{Value, json};
use sluice_connector_core::WriteKind::{Create, Delete, Update};
use sluice_connector_core::{ConnectorError, WriteRequest};

use crate::helpers::*;

/// The message of the only record of a failed one-record batch.
fn record_message(result: Result<Value, ConnectorError>) -> String {
    let (_, context) = batch(result);
    let message = context["resource"][0]["message"]
        .as_str()
        .expect("an error entry")
        .to_owned();
    for leaked in ["constraint failed", "UNIQUE", "sqlite", "secret", "SELECT"] {
        assert!(!message.contains(leaked), "{message}");
    }
    message
}

#[tokio::test]
async fn unique_violations_name_the_fields() {
    let fixture = fixture();
    let duplicate = json!([{"first_name": "A", "last_name": "B", "email": "john@x.io"}]);
    assert_eq!(
        record_message(write(&fixture, "employees", with_body(Create, duplicate)).await),
        "Duplicate value for unique field 'email'."
    );
    let existing_key = json!([{"id": 1, "first_name": "A", "last_name": "B"}]);
    assert_eq!(
        record_message(write(&fixture, "employees", with_body(Create, existing_key)).await),
        "Duplicate value for unique field 'id'."
    );
    let seats = json!([{"row_no": 1, "seat_no": 1}, {"row_no": 1, "seat_no": 1}]);
    let (_, context) = batch(write(&fixture, "seats", with_body(Create, seats)).await);
    assert_eq!(
        context["resource"][1],
        record_error(
            400,
            "Duplicate value for unique fields 'row_no', 'seat_no'."
        )
    );
    let update = write(
        &fixture,
        "employees",
        by_id(Update, "2", json!({"email": "john@x.io"})),
    )
    .await;
    assert_eq!(
        bad_request(update),
        "Duplicate value for unique field 'email'."
    );
}

#[tokio::test]
async fn foreign_key_violations_name_the_column_or_explain_the_delete() {
    let fixture = fixture();
    let record = json!([{"first_name": "A", "last_name": "B", "dept_id": 9}]);
    assert_eq!(
        record_message(write(&fixture, "employees", with_body(Create, record)).await),
        "Field 'dept_id' refers to a record of 'departments' that does not exist."
    );
    let update = write(
        &fixture,
        "employees",
        by_id(Update, "1", json!({"dept_id": 7})),
    )
    .await;
    assert_eq!(
        bad_request(update),
        "Field 'dept_id' refers to a record of 'departments' that does not exist."
    );
    let delete = write(&fixture, "departments", by_id(Delete, "1", Value::Null)).await;
    assert_eq!(
        bad_request(delete),
        "Record can not be deleted because other records refer to it."
    );
    assert_eq!(
        column(&fixture, "SELECT COUNT(*) FROM departments"),
        vec![json!(2)]
    );
}

#[tokio::test]
async fn a_deferred_foreign_key_fails_the_whole_request_at_commit() {
    let fixture = fixture();
    let records = json!([{"employee_id": 1}, {"employee_id": 99}]);
    let result = write(&fixture, "reviews", with_body(Create, records)).await;
    assert_eq!(
        bad_request(result),
        "The request violates a foreign key constraint. No changes were made."
    );
    assert_eq!(
        column(&fixture, "SELECT COUNT(*) FROM reviews"),
        vec![json!(0)]
    );
}

#[tokio::test]
async fn check_trigger_and_type_refusals_are_400s_without_their_sql() {
    let fixture = fixture();
    let record = json!([{"first_name": "A", "last_name": "B", "salary": -1}]);
    assert_eq!(
        record_message(write(&fixture, "employees", with_body(Create, record)).await),
        "Record violates a check constraint of table 'employees'."
    );
    assert_eq!(
        record_message(write(&fixture, "log", with_body(Create, json!([{"msg": "bad"}]))).await),
        "Record was rejected by the database."
    );
    // A fractional number for an integer column (here the rowid key, which SQLite would
    // refuse with a datatype mismatch) is refused before any SQL runs.
    let record = json!([{"id": 1.5, "first_name": "A", "last_name": "B"}]);
    assert_eq!(
        record_message(write(&fixture, "employees", with_body(Create, record)).await),
        "Field 'id' must be a valid integer."
    );
}

#[tokio::test]
async fn not_null_columns_refuse_null_on_update_too() {
    let fixture = fixture();
    let update = write(&fixture, "todos", by_id(Update, "1", json!({"done": null}))).await;
    assert_eq!(bad_request(update), "Field 'done' can not be NULL.");
    let request = WriteRequest {
        ids: Some("1".into()),
        ..with_body(Update, json!([{"title": null}]))
    };
    let (_, context) = batch(write(&fixture, "todos", request).await);
    assert_eq!(
        context["resource"][0],
        record_error(400, "Field 'title' can not be NULL.")
    );
}

#[tokio::test]
async fn a_replace_conflict_clause_never_deletes_another_row() {
    let fixture = fixture();
    let request = as_owner(
        1,
        &[],
        with_body(Create, json!([{"owner_id": 1, "handle": "bob"}])),
    );
    assert_eq!(
        record_message(write(&fixture, "handles", request).await),
        "Duplicate value for unique field 'handle'."
    );
    assert_eq!(
        column(&fixture, "SELECT owner_id || ':' || handle FROM handles"),
        vec![json!("2:bob")]
    );
}

#[tokio::test]
async fn a_trigger_rolling_back_ends_the_whole_batch() {
    let fixture = fixture();
    let records = json!([{"msg": "kept?"}, {"msg": "undo"}, {"msg": "after"}]);
    let request = WriteRequest {
        continue_on_error: true,
        ..with_body(Create, records)
    };
    let (message, context) = batch(write(&fixture, "log", request).await);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be created. All changes rolled back."
    );
    assert_eq!(
        context,
        json!({"error": [1], "resource": [{}, record_error(400, "Record was rejected by the database.")]})
    );
    assert_eq!(column(&fixture, "SELECT COUNT(*) FROM log"), vec![json!(0)]);
    write(&fixture, "log", with_body(Create, json!([{"msg": "next"}])))
        .await
        .expect("the writer is usable afterwards");
}
