//! `DELETE` on `_table` : by URL id, `ids`, body records,
//! `filter`, `force=true`, their precedence, and `fields` answering with the rows as they
//! were before the delete.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{TestApp, df_error};

use crate::write_support::{batch_error, failed, fixture_todos, tables, todos, write};

async fn remaining_ids(app: &TestApp, token: &str) -> Vec<i64> {
    todos(app, token)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_i64().unwrap())
        .collect()
}

async fn delete(app: &TestApp, token: &str, path: &str, body: Option<Value>) -> Value {
    let reply = write(app, token, Method::DELETE, path, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    reply.body
}

#[tokio::test]
async fn delete_by_url_id_ids_records_and_filter_answers_with_identifiers() {
    let (app, token) = tables(json!({})).await;
    assert_eq!(
        delete(&app, &token, "_table/todo/4", None).await,
        json!({"id": 4})
    );
    assert_eq!(
        delete(&app, &token, "_table/todo?ids=3", None).await,
        json!({"resource": [{"id": 3}]})
    );
    assert_eq!(
        delete(
            &app,
            &token,
            "_table/todo",
            Some(json!([{"id": 2, "name": "ignored"}]))
        )
        .await,
        json!({"resource": [{"id": 2}]})
    );
    assert_eq!(remaining_ids(&app, &token).await, [1]);
    assert_eq!(
        delete(&app, &token, "_table/todo?filter=name%3D'Buy%20milk'", None).await,
        json!({"resource": [{"id": 1}]})
    );
    assert_eq!(remaining_ids(&app, &token).await, Vec::<i64>::new());

    let gone = write(&app, &token, Method::DELETE, "_table/todo/4", None).await;
    assert_eq!(
        gone.body,
        df_error(404, "Record with identifier '4' not found.")
    );
}

#[tokio::test]
async fn delete_takes_records_from_a_wrapped_body_and_reports_missing_ones() {
    let (app, token) = tables(json!({})).await;
    let body = json!({"resource": [{"id": 1}, {"id": 99}, {"id": 3}]});
    let reply = write(
        &app,
        &token,
        Method::DELETE,
        "_table/todo?continue=true",
        Some(body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        batch_error(
            "deleted",
            false,
            json!([1]),
            json!([{"id": 1}, failed(404, "Record with identifier '99' not found."), {"id": 3}])
        )
    );
    assert_eq!(remaining_ids(&app, &token).await, [2, 4]);
    let reply = write(
        &app,
        &token,
        Method::DELETE,
        "_table/todo",
        Some(json!([{"name": "no id"}])),
    )
    .await;
    assert_eq!(
        reply.body,
        batch_error(
            "deleted",
            false,
            json!([0]),
            json!([failed(400, "Required id field(s) not found in record 0.")])
        )
    );
}

#[tokio::test]
async fn force_deletes_every_row_and_nothing_at_all_is_refused() {
    let (app, token) = tables(json!({})).await;
    let refused = write(&app, &token, Method::DELETE, "_table/todo", None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body,
        df_error(400, "No filter or records given for delete request.")
    );
    for path in ["_table/todo?force=false", "_table/todo?ids=&filter=%20"] {
        let refused = write(&app, &token, Method::DELETE, path, Some(json!({}))).await;
        assert_eq!(
            refused.body,
            df_error(400, "No filter or records given for delete request."),
            "{path}"
        );
    }
    assert_eq!(todos(&app, &token).await, fixture_todos());

    assert_eq!(
        delete(&app, &token, "_table/todo?force=true", None).await,
        json!({"success": true})
    );
    assert_eq!(remaining_ids(&app, &token).await, Vec::<i64>::new());
}

#[tokio::test]
async fn delete_prefers_the_url_id_then_ids_then_records_then_filter_then_force() {
    let (app, token) = tables(json!({})).await;
    let records = json!([{"id": 3}]);
    assert_eq!(
        delete(
            &app,
            &token,
            "_table/todo/1?ids=2&filter=id%3D3&force=true",
            Some(records.clone())
        )
        .await,
        json!({"id": 1})
    );
    assert_eq!(remaining_ids(&app, &token).await, [2, 3, 4]);
    assert_eq!(
        delete(
            &app,
            &token,
            "_table/todo?ids=2&filter=id%3D4&force=true",
            Some(records.clone())
        )
        .await,
        json!({"resource": [{"id": 2}]})
    );
    assert_eq!(remaining_ids(&app, &token).await, [3, 4]);
    assert_eq!(
        delete(
            &app,
            &token,
            "_table/todo?filter=id%3D4&force=true",
            Some(records)
        )
        .await,
        json!({"resource": [{"id": 3}]})
    );
    assert_eq!(remaining_ids(&app, &token).await, [4]);
    assert_eq!(
        delete(&app, &token, "_table/todo?filter=id%3D99&force=true", None).await,
        json!({"resource": []})
    );
    assert_eq!(remaining_ids(&app, &token).await, [4]);
}

#[tokio::test]
async fn delete_with_fields_answers_with_the_rows_as_they_were() {
    let (app, token) = tables(json!({})).await;
    assert_eq!(
        delete(&app, &token, "_table/todo/4?fields=name,score", None).await,
        json!({"name": "Read", "score": 3.25})
    );
    assert_eq!(
        delete(&app, &token, "_table/todo?ids=2&fields=*", None).await,
        json!({"resource": [{"id": 2, "name": "O'Brien's 50% off", "complete": true,
            "priority": 1, "score": 2.0, "note": "text", "data": "AP8=", "due": "2024-02-01"}]})
    );
    assert_eq!(
        delete(
            &app,
            &token,
            "_table/todo?filter=id%3C4&fields=id,name",
            None
        )
        .await,
        json!({"resource": [{"id": 1, "name": "Buy milk"}, {"id": 3, "name": "Walk_dog"}]})
    );
    assert_eq!(remaining_ids(&app, &token).await, Vec::<i64>::new());
}
