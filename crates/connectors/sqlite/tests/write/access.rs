//! Row-level security on writes: the role's row filter restricts
//! every UPDATE and DELETE (other rows are "not found"), and every row an INSERT or UPDATE
//! leaves behind must satisfy it, or the record is undone with 403. Alice is user 1 and
//! owns todos 1 and 3; Bob (2) owns todo 2.

use serde_json::{Value, json};
use sluice_connector_core::WriteKind::{Create, Delete, Update};
use sluice_connector_core::{ConnectorError, WriteRequest};

use crate::helpers::*;

const DENIED: &str = "Denied access to some of the requested fields.";

fn todos(fixture: &Fixture) -> Vec<Value> {
    column(
        fixture,
        "SELECT json_array(id, owner_id, title) FROM todos ORDER BY id",
    )
}

fn untouched() -> Vec<Value> {
    vec![
        json!(r#"[1,1,"alice 1"]"#),
        json!(r#"[2,2,"bob 1"]"#),
        json!(r#"[3,1,"alice 2"]"#),
    ]
}

fn alice(request: WriteRequest) -> Write {
    as_owner(1, &[], request)
}

#[tokio::test]
async fn another_users_record_is_not_found_for_update_and_delete() {
    let fixture = fixture();
    let update = write(
        &fixture,
        "todos",
        alice(by_id(Update, "2", json!({"title": "mine"}))),
    )
    .await;
    assert!(
        matches!(&update, Err(ConnectorError::RecordNotFound(id)) if id == "2"),
        "{update:?}"
    );
    let delete = write(&fixture, "todos", alice(by_id(Delete, "2", Value::Null))).await;
    assert!(
        matches!(&delete, Err(ConnectorError::RecordNotFound(id)) if id == "2"),
        "{delete:?}"
    );
    assert_eq!(todos(&fixture), untouched());
}

#[tokio::test]
async fn in_a_batch_other_users_records_are_reported_missing_and_left_alone() {
    let fixture = fixture();
    let request = alice(WriteRequest {
        ids: Some("1,2,3".into()),
        continue_on_error: true,
        ..with_body(Update, json!([{"title": "done"}]))
    });
    let (_, context) = batch(write(&fixture, "todos", request).await);
    assert_eq!(
        context,
        json!({"error": [1], "resource": [
            {"id": 1},
            record_error(404, "Record with identifier '2' not found."),
            {"id": 3}
        ]})
    );
    let request = alice(WriteRequest {
        continue_on_error: true,
        ..with_body(Delete, json!([{"id": 2}, {"id": 3}]))
    });
    let (message, context) = batch(write(&fixture, "todos", request).await);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be deleted."
    );
    assert_eq!(
        context,
        json!({"error": [0], "resource": [
            record_error(404, "Record with identifier '2' not found."),
            {"id": 3}
        ]})
    );
    assert_eq!(
        todos(&fixture),
        vec![json!(r#"[1,1,"done"]"#), json!(r#"[2,2,"bob 1"]"#)]
    );
}

#[tokio::test]
async fn an_update_that_would_move_a_row_out_of_the_filter_is_refused_and_changes_nothing() {
    let fixture = fixture();
    let result = write(
        &fixture,
        "todos",
        alice(by_id(Update, "1", json!({"owner_id": 2, "title": "gift"}))),
    )
    .await;
    assert!(
        matches!(&result, Err(ConnectorError::Forbidden(message)) if message == DENIED),
        "{result:?}"
    );
    assert_eq!(todos(&fixture), untouched());
    // In a default batch the records before stay; the refused one is undone.
    let request = alice(with_body(
        Update,
        json!([{"id": 3, "title": "kept"}, {"id": 1, "owner_id": 2}, {"id": 1, "title": "never"}]),
    ));
    let (_, context) = batch(write(&fixture, "todos", request).await);
    assert_eq!(
        context,
        json!({"error": [1], "resource": [{"id": 3}, record_error(403, DENIED)]})
    );
    assert_eq!(
        todos(&fixture),
        vec![
            json!(r#"[1,1,"alice 1"]"#),
            json!(r#"[2,2,"bob 1"]"#),
            json!(r#"[3,1,"kept"]"#)
        ]
    );
}

#[tokio::test]
async fn with_rollback_a_refused_record_undoes_the_whole_batch() {
    let fixture = fixture();
    let request = alice(WriteRequest {
        rollback: true,
        ..with_body(
            Update,
            json!([{"id": 3, "title": "x"}, {"id": 1, "owner_id": 2}]),
        )
    });
    let (message, context) = batch(write(&fixture, "todos", request).await);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be updated. All changes rolled back."
    );
    assert_eq!(context["error"], json!([1]));
    assert_eq!(todos(&fixture), untouched());
}

#[tokio::test]
async fn a_create_outside_the_filter_is_refused_and_nothing_is_written() {
    let fixture = fixture();
    let request = alice(WriteRequest {
        continue_on_error: true,
        ..with_body(
            Create,
            json!([{"owner_id": 2, "title": "for bob"}, {"owner_id": "{user.id}", "title": "mine"}]),
        )
    });
    let (_, context) = batch(write(&fixture, "todos", request).await);
    assert_eq!(
        context,
        json!({"error": [0], "resource": [record_error(403, DENIED), {"id": 4}]})
    );
    assert_eq!(
        column(&fixture, "SELECT title FROM todos WHERE id > 3"),
        vec![json!("mine")]
    );
}

#[tokio::test]
async fn upserts_check_the_filter_and_never_take_over_another_users_row() {
    let fixture = fixture();
    let upsert = |request: WriteRequest| alice(request).upsert();
    let theirs = write(
        &fixture,
        "todos",
        upsert(by_id(
            Update,
            "2",
            json!({"owner_id": 1, "title": "stolen"}),
        )),
    )
    .await;
    assert!(
        matches!(theirs, Err(ConnectorError::RecordNotFound(_))),
        "{theirs:?}"
    );
    let outside = write(
        &fixture,
        "todos",
        upsert(by_id(Update, "9", json!({"owner_id": 2, "title": "x"}))),
    )
    .await;
    assert!(
        matches!(outside, Err(ConnectorError::Forbidden(_))),
        "{outside:?}"
    );
    assert_eq!(todos(&fixture), untouched());
    let body = write(
        &fixture,
        "todos",
        upsert(by_id(Update, "9", json!({"owner_id": 1, "title": "new"}))),
    )
    .await
    .expect("inserted");
    assert_eq!(body, json!({"id": 9}));
}

#[tokio::test]
async fn a_filter_update_is_one_statement_within_the_filter_and_all_or_nothing() {
    let fixture = fixture();
    let request = alice(WriteRequest {
        filter: Some("title like '%1' or id > 0".into()),
        ..with_body(Update, json!([{"title": "renamed"}]))
    });
    let body = write(&fixture, "todos", request).await.expect("updated");
    assert_eq!(body, json!({"resource": [{"id": 1}, {"id": 3}]}));
    assert_eq!(
        todos(&fixture),
        vec![
            json!(r#"[1,1,"renamed"]"#),
            json!(r#"[2,2,"bob 1"]"#),
            json!(r#"[3,1,"renamed"]"#)
        ]
    );
    let request = alice(WriteRequest {
        filter: Some("id > 0".into()),
        ..with_body(Update, json!([{"owner_id": 2}]))
    });
    let result = write(&fixture, "todos", request).await;
    assert!(
        matches!(result, Err(ConnectorError::Forbidden(_))),
        "{result:?}"
    );
    assert_eq!(
        column(&fixture, "SELECT owner_id FROM todos ORDER BY id"),
        vec![json!(1), json!(2), json!(1)]
    );
}

#[tokio::test]
async fn filter_and_force_deletes_only_reach_the_callers_rows() {
    let fixture = fixture();
    let request = alice(WriteRequest {
        filter: Some("id = 2 or id = 3".into()),
        ..blank(Delete)
    });
    let body = write(&fixture, "todos", request).await.expect("deleted");
    assert_eq!(body, json!({"resource": [{"id": 3}]}));
    let request = alice(WriteRequest {
        force: true,
        ..blank(Delete)
    });
    let body = write(&fixture, "todos", request).await.expect("deleted");
    assert_eq!(body, json!({"success": true}));
    assert_eq!(todos(&fixture), vec![json!(r#"[2,2,"bob 1"]"#)]);
}

#[tokio::test]
async fn without_a_user_the_role_filter_matches_nothing_and_admits_nothing() {
    let fixture = fixture();
    let anonymous = |request| Write::from(request).with_access(role("owner_id = {user.id}", &[]));
    let update = write(
        &fixture,
        "todos",
        anonymous(by_id(Update, "1", json!({"title": "x"}))),
    )
    .await;
    assert!(
        matches!(update, Err(ConnectorError::RecordNotFound(_))),
        "{update:?}"
    );
    let create = write(
        &fixture,
        "todos",
        anonymous(with_body(Create, json!([{"owner_id": 1, "title": "x"}]))),
    )
    .await;
    let (_, context) = batch(create);
    assert_eq!(context["resource"][0], record_error(403, DENIED));
    let force = write(
        &fixture,
        "todos",
        anonymous(WriteRequest {
            force: true,
            ..blank(Delete)
        }),
    )
    .await;
    assert_eq!(force.expect("nothing deleted"), json!({"success": true}));
    assert_eq!(todos(&fixture), untouched());
}

#[tokio::test]
async fn hidden_fields_are_unknown_to_writes_and_to_the_read_back() {
    let fixture = fixture();
    let hiding = |request| as_owner(1, &["SECRET"], request);
    let body = write(
        &fixture,
        "todos",
        hiding(by_id(Update, "1", json!({"title": "t", "secret": "leak"}))),
    )
    .await
    .expect("updated");
    assert_eq!(body, json!({"id": 1}));
    assert_eq!(
        column(&fixture, "SELECT secret FROM todos WHERE id = 1"),
        vec![json!("s1")]
    );
    let only_hidden = write(
        &fixture,
        "todos",
        hiding(by_id(Update, "1", json!({"secret": "x"}))),
    )
    .await;
    assert_eq!(
        bad_request(only_hidden),
        "No valid fields were found in record."
    );
    let request = hiding(WriteRequest {
        fields: Some("*".into()),
        ..by_id(Update, "3", json!({"done": true}))
    });
    let body = write(&fixture, "todos", request).await.expect("updated");
    assert_eq!(
        body,
        json!({"id": 3, "owner_id": 1, "title": "alice 2", "done": true})
    );
    let request = hiding(WriteRequest {
        fields: Some("secret".into()),
        ..by_id(Update, "3", json!({"done": true}))
    });
    assert_eq!(
        bad_request(write(&fixture, "todos", request).await),
        "Invalid field requested: secret"
    );
}
