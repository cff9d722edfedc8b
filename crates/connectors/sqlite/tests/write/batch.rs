//! Batch semantics: stop at the first failure with earlier records
//! kept, `continue`, `rollback`, and the exact 400 / code 1000 error.

use serde_json::{Value, json};
use sluice_connector_core::ConnectorError;
use sluice_connector_core::WriteKind::{Create, Delete, Update};
use sluice_connector_core::WriteRequest;

use crate::helpers::*;

/// Record 1 repeats an existing name (unique), record 3 lacks the required name.
fn departments() -> Value {
    json!([{"name": "Ops"}, {"name": "Sales"}, {"name": "HR"}, {"nope": 1}, {"name": "IT"}])
}

fn names(fixture: &Fixture) -> Vec<Value> {
    column(fixture, "SELECT name FROM departments ORDER BY id")
}

#[tokio::test]
async fn by_default_the_batch_stops_at_the_first_failure_and_keeps_what_came_before() {
    let fixture = fixture();
    let result = write(&fixture, "departments", with_body(Create, departments())).await;
    let error = result.as_ref().err().map(ToString::to_string);
    let (message, context) = batch(result);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be created."
    );
    assert_eq!(error.as_deref(), Some(message.as_str()));
    assert_eq!(
        context,
        json!({
            "error": [1],
            "resource": [
                {"id": 3},
                record_error(400, "Duplicate value for unique field 'name'.")
            ]
        })
    );
    assert_eq!(
        names(&fixture),
        vec![json!("Engineering"), json!("Sales"), json!("Ops")]
    );
}

#[tokio::test]
async fn with_continue_every_record_is_tried_and_every_failure_reported() {
    let fixture = fixture();
    let request = WriteRequest {
        continue_on_error: true,
        ..with_body(Create, departments())
    };
    let (message, context) = batch(write(&fixture, "departments", request).await);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be created."
    );
    assert_eq!(
        context,
        json!({
            "error": [1, 3],
            "resource": [
                {"id": 3},
                record_error(400, "Duplicate value for unique field 'name'."),
                {"id": 4},
                record_error(400, "Required field 'name' can not be NULL."),
                {"id": 5}
            ]
        })
    );
    assert_eq!(
        names(&fixture),
        vec![
            json!("Engineering"),
            json!("Sales"),
            json!("Ops"),
            json!("HR"),
            json!("IT")
        ]
    );
}

#[tokio::test]
async fn with_rollback_nothing_is_written_and_the_message_says_so() {
    let fixture = fixture();
    let request = WriteRequest {
        rollback: true,
        ..with_body(Create, departments())
    };
    let (message, context) = batch(write(&fixture, "departments", request).await);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be created. All changes rolled back."
    );
    assert_eq!(
        context,
        json!({
            "error": [1],
            "resource": [
                {"id": 3},
                record_error(400, "Duplicate value for unique field 'name'.")
            ]
        })
    );
    assert_eq!(names(&fixture), vec![json!("Engineering"), json!("Sales")]);
}

#[tokio::test]
async fn rollback_of_a_clean_batch_writes_everything() {
    let fixture = fixture();
    let request = WriteRequest {
        rollback: true,
        ..with_body(Create, json!([{"name": "Ops"}, {"name": "HR"}]))
    };
    let body = write(&fixture, "departments", request)
        .await
        .expect("written");
    assert_eq!(body, json!({"resource": [{"id": 3}, {"id": 4}]}));
    assert_eq!(names(&fixture).len(), 4);
}

#[tokio::test]
async fn rollback_and_continue_together_are_refused() {
    let fixture = fixture();
    for kind in [Create, Update, Delete] {
        let request = WriteRequest {
            rollback: true,
            continue_on_error: true,
            ..with_body(kind, json!([{"id": 1, "name": "x"}]))
        };
        assert_eq!(
            bad_request(write(&fixture, "departments", request).await),
            "Rollback and continue operations can not be requested at the same time."
        );
    }
    assert_eq!(names(&fixture), vec![json!("Engineering"), json!("Sales")]);
}

#[tokio::test]
async fn one_failed_record_is_still_a_batch_error() {
    let fixture = fixture();
    let request = with_body(Update, json!([{"id": 9, "name": "x"}]));
    let (message, context) = batch(write(&fixture, "departments", request).await);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be updated."
    );
    assert_eq!(
        context,
        json!({"error": [0], "resource": [record_error(404, "Record with identifier '9' not found.")]})
    );
}

#[tokio::test]
async fn the_id_forms_answer_with_the_records_own_error() {
    let fixture = fixture();
    let missing = write(
        &fixture,
        "departments",
        by_id(Update, "9", json!({"name": "x"})),
    )
    .await;
    assert!(
        matches!(&missing, Err(ConnectorError::RecordNotFound(id)) if id == "9"),
        "{missing:?}"
    );
    assert_eq!(
        missing.err().map(|e| e.to_string()).as_deref(),
        Some("Record with identifier '9' not found.")
    );
    let duplicate = write(
        &fixture,
        "departments",
        by_id(Update, "1", json!({"name": "Sales"})),
    )
    .await;
    assert_eq!(
        bad_request(duplicate),
        "Duplicate value for unique field 'name'."
    );
    let gone = write(&fixture, "departments", by_id(Delete, "9", Value::Null)).await;
    assert!(matches!(gone, Err(ConnectorError::RecordNotFound(_))));
}

#[tokio::test]
async fn deletes_follow_the_same_batch_rules() {
    let fixture = fixture();
    let request = WriteRequest {
        ids: Some("3,9,2".into()),
        continue_on_error: true,
        ..blank(Delete)
    };
    let (message, context) = batch(write(&fixture, "employees", request).await);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be deleted."
    );
    assert_eq!(
        context,
        json!({
            "error": [1],
            "resource": [
                {"id": 3},
                record_error(404, "Record with identifier '9' not found."),
                {"id": 2}
            ]
        })
    );
    assert_eq!(column(&fixture, "SELECT id FROM employees"), vec![json!(1)]);
}
