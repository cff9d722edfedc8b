//! Request-level refusals of writes, and refusals raised by the database itself (deferred
//! foreign keys, triggers), each with an exact body and without database text: no SQL, SQLite
//! message or file path ever reaches the client.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::df_error;

use crate::write_support::{batch_error, failed, fixture_todos, tables, todos, write};

#[tokio::test]
async fn writes_to_unknown_tables_views_or_malformed_ids_are_refused() {
    let (app, token) = tables(json!({})).await;
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/nope",
        Some(json!([{"a": 1}])),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.body,
        df_error(404, "Table \"nope\" does not exist in the database.")
    );
    let reply = write(&app, &token, Method::DELETE, "_table/done/2", None).await;
    assert_eq!(
        reply.body,
        df_error(400, "Records of view 'done' can not be written.")
    );
    for (method, path) in [
        (Method::PATCH, "_table/todo/abc"),
        (Method::DELETE, "_table/todo?ids=1,x"),
    ] {
        let reply = write(&app, &token, method, path, Some(json!({"priority": 1}))).await;
        assert_eq!(
            reply.body,
            df_error(400, "Field 'id' must be a valid integer."),
            "{path}"
        );
    }
    let reply = app
        .client
        .post(format!("{}/api/v2/db/_table/todo", app.url))
        .header("X-DreamFactory-Session-Token", &token)
        .header("Content-Type", "application/json")
        .body("[{\"name\": ")
        .send()
        .await
        .expect("request");
    let reply = sluice_tests::TestApp::reply(reply).await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "Unrecognized payload type: the request body is not valid JSON."
        )
    );
    assert_eq!(todos(&app, &token).await, fixture_todos());
}

#[tokio::test]
async fn a_deferred_foreign_key_violated_at_commit_writes_nothing() {
    let (app, token) = tables(json!({})).await;
    let body = json!([{"team_id": 1}, {"team_id": 99}]);
    let reply = write(&app, &token, Method::POST, "_table/badge", Some(body)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        df_error(
            400,
            "The request violates a foreign key constraint. No changes were made."
        )
    );
    let badges = app.get("/api/v2/db/_table/badge", &token).await;
    assert_eq!(badges.body, json!({"resource": []}));
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/badge",
        Some(json!([{"team_id": 2}])),
    )
    .await;
    assert_eq!(reply.body, json!({"resource": [{"id": 1}]}));
}

#[tokio::test]
async fn a_trigger_refusing_a_record_fails_it_without_its_text() {
    let (app, token) = tables(json!({})).await;
    let body = json!([{"name": "Green"}, {"name": "Bad"}, {"name": "Black"}]);
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/team?continue=true",
        Some(body),
    )
    .await;
    assert_eq!(
        reply.body,
        batch_error(
            "created",
            false,
            json!([1]),
            json!([{"id": 3}, failed(400, "Record was rejected by the database."), {"id": 4}])
        )
    );
    // RAISE(ROLLBACK) ends the whole transaction: the records before it are gone too.
    let body = json!([{"name": "White"}, {"name": "Worse"}, {"name": "Grey"}]);
    let reply = write(&app, &token, Method::POST, "_table/team", Some(body)).await;
    assert_eq!(
        reply.body,
        batch_error(
            "created",
            true,
            json!([1]),
            json!([{"id": 5}, failed(400, "Record was rejected by the database.")])
        )
    );
    let teams = app.get("/api/v2/db/_table/team?fields=name", &token).await;
    assert_eq!(
        teams.body["resource"],
        json!([{"name": "Red"}, {"name": "Blue"}, {"name": "Green"}, {"name": "Black"}])
    );
}
