//! What only MySQL does on writes: no `RETURNING` (keys from `LAST_INSERT_ID()`, the role's
//! filter checked by finding the written rows again), and an UPDATE that changes nothing
//! still finds its record.

use serde_json::json;
use sluice_connector_conformance::values::get;
use sluice_connector_core::WriteKind::{Create, Update};
use sluice_connector_core::{ConnectorError, ReadRequest, WriteRequest};

use crate::helpers::*;

#[tokio::test]
async fn an_update_to_the_values_a_record_has_finds_it() {
    let fixture = fixture().await;
    let body = write(
        &fixture,
        "todos",
        by_id(Update, "1", json!({"title": "alice 1"})),
    )
    .await
    .expect("update succeeds");
    assert_eq!(body, json!({"id": 1}));
}

#[tokio::test]
async fn keys_given_and_keys_assigned_are_both_answered() {
    let fixture = fixture().await;
    let request = with_body(Create, json!([{"id": 10, "name": "Ops"}, {"name": "HR"}]));
    let body = write(&fixture, "departments", request)
        .await
        .expect("create succeeds");
    assert_eq!(body, json!({"resource": [{"id": 10}, {"id": 11}]}));
}

#[tokio::test]
async fn a_role_may_change_the_field_its_filter_by_request_reads() {
    let fixture = fixture().await;
    let request = WriteRequest {
        filter: Some("title = 'alice 1'".into()),
        ..with_body(Update, json!([{"title": "renamed"}]))
    };
    write(&fixture, "todos", as_owner(1, &[], request))
        .await
        .expect("update succeeds");
    let read = ReadRequest {
        fields: Some("id,owner_id,title".into()),
        order: Some("id".into()),
        ..ReadRequest::default()
    };
    let rows = get(&fixture.database, "todos", read.clone())
        .await
        .expect("read");
    let renamed = json!([
        {"id": 1, "owner_id": 1, "title": "renamed"},
        {"id": 2, "owner_id": 2, "title": "bob 1"},
        {"id": 3, "owner_id": 1, "title": "alice 2"}
    ]);
    assert_eq!(rows["resource"], renamed);
    let moved = WriteRequest {
        filter: Some("title = 'renamed'".into()),
        ..with_body(Update, json!([{"title": "again", "owner_id": 2}]))
    };
    let refused = write(&fixture, "todos", as_owner(1, &[], moved)).await;
    assert!(
        matches!(refused, Err(ConnectorError::Forbidden(_))),
        "moving a row out of the filter: {refused:?}"
    );
    let rows = get(&fixture.database, "todos", read).await.expect("read");
    assert_eq!(rows["resource"], renamed);
}
