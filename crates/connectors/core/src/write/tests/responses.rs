//! Responses assembled from per-record results, and what `Debug` leaves out.

use std::sync::Arc;

use serde_json::json;

use super::*;

#[test]
fn finish_assembles_lists_bare_objects_and_batch_errors() {
    let planned = plan(with_records(WriteKind::Create, json!([{"title": "t"}]))).expect("planned");
    let ok = planned
        .finish(
            vec![Ok(br#"{"id":1}"#.to_vec()), Ok(br#"{"id":2}"#.to_vec())],
            None,
        )
        .expect("success");
    assert_eq!(ok.body, br#"{"resource":[{"id":1},{"id":2}]}"#.to_vec());
    let results = vec![Ok(br#"{"id":1}"#.to_vec()), Err(RecordError::Forbidden)];
    match planned.finish(results, None) {
        Err(ConnectorError::Batch { message, context }) => {
            assert_eq!(
                message,
                "Batch Error: Not all requested records could be created."
            );
            assert_eq!(
                context,
                json!({"error": [1], "resource": [{"id": 1}, {
                    "code": 403, "context": null,
                    "message": "Denied access to some of the requested fields.", "status_code": 403
                }]})
            );
        }
        other => panic!("expected a batch error, got {other:?}"),
    }
    let single = plan(WriteRequest {
        id: Some("4".into()),
        ..WriteRequest::new(WriteKind::Delete)
    })
    .expect("planned");
    let bare = single
        .finish(vec![Ok(b"{\"id\":4}".to_vec())], None)
        .expect("success");
    assert_eq!(bare.body, b"{\"id\":4}".to_vec());
    let missing = single.finish(vec![Err(RecordError::NotFound("4".into()))], None);
    assert!(matches!(missing, Err(ConnectorError::RecordNotFound(id)) if id == "4"));
    let reselected = single.finish(vec![Ok(b"{}".to_vec())], Some(vec![b"{\"x\":1}".to_vec()]));
    assert_eq!(reselected.map(|o| o.body).ok(), Some(b"{\"x\":1}".to_vec()));
}

#[test]
fn debug_output_leaves_record_and_lookup_values_out() {
    let request = WriteRequest {
        records: vec![record(json!({"password": "hunter2"}))],
        ..WriteRequest::new(WriteKind::Create)
    };
    let text = format!("{request:?}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("records: 1"), "{text}");
    let access = TableAccess::unrestricted().with_lookups(Arc::new(
        Session::default().with("user.email", json!("me@x.io")),
    ));
    let text = format!("{access:?}");
    assert!(!text.contains("me@x.io"), "{text}");
}
