//! `DELETE`: every target (URL id, ids, records, filter) with its precedence, `force`, and `fields`
//! (rows read before they are deleted).

use serde_json::{Value, json};
use sluice_connector_core::WriteKind::Delete;
use sluice_connector_core::WriteRequest;

use crate::helpers::*;

fn remaining(fixture: &Fixture) -> Vec<Value> {
    column(fixture, "SELECT id FROM employees ORDER BY id")
}

#[tokio::test]
async fn the_id_form_deletes_one_record_and_answers_a_bare_object() {
    let fixture = fixture();
    let body = write(&fixture, "employees", by_id(Delete, "2", Value::Null))
        .await
        .expect("deleted");
    assert_eq!(body, json!({"id": 2}));
    assert_eq!(remaining(&fixture), vec![json!(1), json!(3)]);
}

#[tokio::test]
async fn ids_records_and_a_filter_each_select_what_to_delete() {
    let fixture = fixture();
    let by_ids = WriteRequest {
        ids: Some("3".into()),
        ..blank(Delete)
    };
    assert_eq!(
        write(&fixture, "employees", by_ids).await.expect("deleted"),
        json!({"resource": [{"id": 3}]})
    );
    let body = write(
        &fixture,
        "employees",
        with_body(Delete, json!({"resource": [{"id": 1}]})),
    )
    .await
    .expect("deleted");
    assert_eq!(body, json!({"resource": [{"id": 1}]}));
    assert_eq!(remaining(&fixture), vec![json!(2)]);
    let by_filter = WriteRequest {
        filter: Some("last_name like 'D%'".into()),
        ..blank(Delete)
    };
    assert_eq!(
        write(&fixture, "employees", by_filter)
            .await
            .expect("deleted"),
        json!({"resource": [{"id": 2}]})
    );
    assert_eq!(remaining(&fixture), Vec::<Value>::new());
}

#[tokio::test]
async fn precedence_is_id_then_ids_then_records_then_filter_then_force() {
    let fixture = fixture();
    let everything = |ids: Option<&str>, records: Value, filter: Option<&str>| WriteRequest {
        ids: ids.map(Into::into),
        filter: filter.map(Into::into),
        force: true,
        ..with_body(Delete, records)
    };
    let body = write(
        &fixture,
        "employees",
        everything(Some("1"), json!([{"id": 2}]), Some("id = 3")),
    )
    .await
    .expect("deleted");
    assert_eq!(body, json!({"resource": [{"id": 1}]}));
    let body = write(
        &fixture,
        "employees",
        everything(None, json!([{"id": 2}]), Some("id = 3")),
    )
    .await
    .expect("deleted");
    assert_eq!(body, json!({"resource": [{"id": 2}]}));
    let body = write(
        &fixture,
        "employees",
        everything(None, json!([]), Some("id = 3")),
    )
    .await
    .expect("deleted");
    assert_eq!(body, json!({"resource": [{"id": 3}]}));
    let body = write(&fixture, "departments", everything(None, json!([]), None))
        .await
        .expect("deleted");
    assert_eq!(body, json!({"success": true}));
    assert_eq!(
        column(&fixture, "SELECT COUNT(*) FROM departments"),
        vec![json!(0)]
    );
}

#[tokio::test]
async fn nothing_to_select_is_refused() {
    let fixture = fixture();
    assert_eq!(
        bad_request(write(&fixture, "employees", blank(Delete)).await),
        "No filter or records given for delete request."
    );
    assert_eq!(remaining(&fixture).len(), 3);
}

#[tokio::test]
async fn fields_answer_with_the_rows_as_they_were_before_deletion() {
    let fixture = fixture();
    let request = WriteRequest {
        ids: Some("3,1".into()),
        fields: Some("id,last_name".into()),
        ..blank(Delete)
    };
    let body = write(&fixture, "employees", request)
        .await
        .expect("deleted");
    assert_eq!(
        body,
        json!({"resource": [{"id": 3, "last_name": "Brown"}, {"id": 1, "last_name": "Smith"}]})
    );
    let request = WriteRequest {
        fields: Some("*".into()),
        ..by_id(Delete, "2", Value::Null)
    };
    let body = write(&fixture, "employees", request)
        .await
        .expect("deleted");
    assert_eq!(body["email"], json!("jane@x.io"));
    assert_eq!(remaining(&fixture), Vec::<Value>::new());
}

#[tokio::test]
async fn a_filter_delete_lists_at_most_max_records_but_deletes_every_match() {
    let fixture = fixture();
    let request = WriteRequest {
        filter: Some("id > 0".into()),
        fields: Some("last_name".into()),
        ..blank(Delete)
    };
    let bounds = sluice_connector_core::WriteBounds {
        read: sluice_connector_core::ReadBounds {
            max_records: 2,
            ..Default::default()
        },
        ..Default::default()
    };
    let body = write(
        &fixture,
        "employees",
        Write::from(request).with_bounds(bounds),
    )
    .await
    .expect("deleted");
    assert_eq!(
        body,
        json!({"resource": [{"last_name": "Smith"}, {"last_name": "Doe"}]})
    );
    assert_eq!(remaining(&fixture), Vec::<Value>::new());
}

#[tokio::test]
async fn composite_keys_from_records() {
    let fixture = fixture();
    let body = write(
        &fixture,
        "pairs",
        with_body(Delete, json!([{"a": 1, "b": "y"}])),
    )
    .await
    .expect("deleted");
    assert_eq!(body, json!({"resource": [{"a": 1, "b": "y"}]}));
    assert_eq!(column(&fixture, "SELECT b FROM pairs"), vec![json!("x")]);
    let (_, context) = batch(write(&fixture, "pairs", with_body(Delete, json!([{"a": 1}]))).await);
    assert_eq!(
        context,
        json!({"error": [0], "resource": [record_error(400, "Required id field(s) not found in record 0.")]})
    );
}
