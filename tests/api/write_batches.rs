//! DreamFactory's batch semantics on creates, updates and deletes: stop at the first
//! failure (earlier records stay), `continue=true` (every record tried and reported),
//! `rollback=true` (nothing stays), both (400), and the batch size bound, checked
//! before any record is written.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{TestApp, df_error};

use crate::write_support::{
    batch_error, failed, fixture_todos, tables, tables_with_env, todos, write,
};

const NOT_NULL: &str = "Field 'name' can not be NULL.";
const NOT_INTEGER: &str = "Field 'priority' must be a valid integer.";

/// `method path` with `body`, which must fail with a batch error; returns its body.
async fn batch(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    let reply = write(app, token, method, path, Some(body)).await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "{path}: {}",
        reply.body
    );
    reply.body
}

fn ids(rows: &Value) -> Vec<i64> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_create_batch_stops_continues_or_rolls_back_as_asked() {
    let (app, token) = tables(json!({})).await;
    let records =
        json!([{"name": "a"}, {"name": null}, {"name": "c"}, {"name": "d", "priority": "x"}]);
    let path = "_table/todo";

    let stopped = batch(&app, &token, Method::POST, path, records.clone()).await;
    assert_eq!(
        stopped,
        batch_error(
            "created",
            false,
            json!([1]),
            json!([{"id": 5}, failed(400, NOT_NULL)])
        )
    );
    assert_eq!(ids(&todos(&app, &token).await), [1, 2, 3, 4, 5]);

    let path = "_table/todo?continue=true";
    let continued = batch(&app, &token, Method::POST, path, records.clone()).await;
    assert_eq!(
        continued,
        batch_error(
            "created",
            false,
            json!([1, 3]),
            json!([{"id": 6}, failed(400, NOT_NULL), {"id": 7}, failed(400, NOT_INTEGER)])
        )
    );
    assert_eq!(ids(&todos(&app, &token).await), [1, 2, 3, 4, 5, 6, 7]);

    let path = "_table/todo?rollback=true";
    let rolled_back = batch(&app, &token, Method::POST, path, records.clone()).await;
    assert_eq!(
        rolled_back,
        batch_error(
            "created",
            true,
            json!([1]),
            json!([{"id": 8}, failed(400, NOT_NULL)])
        )
    );
    assert_eq!(ids(&todos(&app, &token).await), [1, 2, 3, 4, 5, 6, 7]);

    let path = "_table/todo?rollback=1&continue=yes";
    let both = write(&app, &token, Method::POST, path, Some(records)).await;
    assert_eq!(
        both.body,
        df_error(
            400,
            "Rollback and continue operations can not be requested at the same time."
        )
    );
    assert_eq!(ids(&todos(&app, &token).await), [1, 2, 3, 4, 5, 6, 7]);
}

#[tokio::test]
async fn a_failure_in_the_first_record_is_still_a_batch_error() {
    let (app, token) = tables(json!({})).await;
    let reply = batch(
        &app,
        &token,
        Method::POST,
        "_table/todo",
        json!([{"name": null}]),
    )
    .await;
    assert_eq!(
        reply,
        batch_error("created", false, json!([0]), json!([failed(400, NOT_NULL)]))
    );
    let reply = batch(
        &app,
        &token,
        Method::POST,
        "_table/todo?rollback=true",
        json!({"resource": {"name": null}}),
    )
    .await;
    assert_eq!(
        reply,
        batch_error("created", true, json!([0]), json!([failed(400, NOT_NULL)]))
    );
    assert_eq!(todos(&app, &token).await, fixture_todos());
}

#[tokio::test]
async fn an_update_batch_stops_continues_or_rolls_back_as_asked() {
    let (app, token) = tables(json!({})).await;
    let records = json!([{"id": 1, "priority": 9}, {"id": 99, "priority": 9},
                         {"id": 3, "priority": "x"}, {"id": 4, "priority": 9}]);
    let missing = failed(404, "Record with identifier '99' not found.");
    let priorities = |rows: Value| -> Vec<Value> {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r["priority"].clone())
            .collect()
    };

    let rolled_back = batch(
        &app,
        &token,
        Method::PUT,
        "_table/todo?rollback=true",
        records.clone(),
    )
    .await;
    assert_eq!(
        rolled_back,
        batch_error(
            "updated",
            true,
            json!([1]),
            json!([{"id": 1}, missing.clone()])
        )
    );
    assert_eq!(todos(&app, &token).await, fixture_todos());

    let stopped = batch(&app, &token, Method::PATCH, "_table/todo", records.clone()).await;
    assert_eq!(
        stopped,
        batch_error(
            "updated",
            false,
            json!([1]),
            json!([{"id": 1}, missing.clone()])
        )
    );
    assert_eq!(
        priorities(todos(&app, &token).await),
        [json!(9), json!(1), json!(3), Value::Null]
    );

    let continued = batch(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?continue=true",
        records,
    )
    .await;
    assert_eq!(
        continued,
        batch_error(
            "updated",
            false,
            json!([1, 2]),
            json!([{"id": 1}, missing, failed(400, NOT_INTEGER), {"id": 4}])
        )
    );
    assert_eq!(
        priorities(todos(&app, &token).await),
        [json!(9), json!(1), json!(3), json!(9)]
    );
}

#[tokio::test]
async fn an_update_by_ids_rolls_back_as_a_whole() {
    let (app, token) = tables(json!({})).await;
    let path = "_table/todo?ids=1,2,99&rollback=true";
    let reply = batch(&app, &token, Method::PATCH, path, json!([{"note": "x"}])).await;
    assert_eq!(
        reply,
        batch_error(
            "updated",
            true,
            json!([2]),
            json!([{"id": 1}, {"id": 2}, failed(404, "Record with identifier '99' not found.")])
        )
    );
    let path = "_table/team?ids=1,2&rollback=true";
    let reply = batch(&app, &token, Method::PATCH, path, json!([{"name": "Same"}])).await;
    assert_eq!(
        reply,
        batch_error(
            "updated",
            true,
            json!([1]),
            json!([{"id": 1}, failed(400, "Duplicate value for unique field 'name'.")])
        )
    );
    assert_eq!(todos(&app, &token).await, fixture_todos());
    let teams = app.get("/api/v2/db/_table/team", &token).await;
    assert_eq!(
        teams.body["resource"],
        json!([{"id": 1, "name": "Red"}, {"id": 2, "name": "Blue"}])
    );
}

#[tokio::test]
async fn a_delete_batch_stops_continues_or_rolls_back_as_asked() {
    let (app, token) = tables(json!({})).await;
    let missing = failed(404, "Record with identifier '99' not found.");
    let reply = write(
        &app,
        &token,
        Method::DELETE,
        "_table/todo?ids=1,99,3&rollback=true",
        None,
    )
    .await;
    assert_eq!(
        reply.body,
        batch_error(
            "deleted",
            true,
            json!([1]),
            json!([{"id": 1}, missing.clone()])
        )
    );
    assert_eq!(ids(&todos(&app, &token).await), [1, 2, 3, 4]);

    let reply = write(&app, &token, Method::DELETE, "_table/todo?ids=1,99,3", None).await;
    assert_eq!(
        reply.body,
        batch_error(
            "deleted",
            false,
            json!([1]),
            json!([{"id": 1}, missing.clone()])
        )
    );
    assert_eq!(ids(&todos(&app, &token).await), [2, 3, 4]);

    let records = json!([{"id": 2}, {"id": 99}, {"id": 3}]);
    let reply = batch(
        &app,
        &token,
        Method::DELETE,
        "_table/todo?continue=true",
        records,
    )
    .await;
    assert_eq!(
        reply,
        batch_error(
            "deleted",
            false,
            json!([1]),
            json!([{"id": 2}, missing, {"id": 3}])
        )
    );
    assert_eq!(ids(&todos(&app, &token).await), [4]);

    // A referenced team cannot go; with rollback the unreferenced one stays too.
    let created = write(
        &app,
        &token,
        Method::POST,
        "_table/team",
        Some(json!([{"name": "Free"}])),
    )
    .await;
    assert_eq!(created.body, json!({"resource": [{"id": 3}]}));
    let reply = write(
        &app,
        &token,
        Method::DELETE,
        "_table/team?ids=3,1&rollback=true",
        None,
    )
    .await;
    assert_eq!(
        reply.body,
        batch_error(
            "deleted",
            true,
            json!([1]),
            json!([{"id": 3},
                   failed(400, "Record can not be deleted because other records refer to it.")])
        )
    );
    let teams = app.get("/api/v2/db/_table/team?fields=id", &token).await;
    assert_eq!(
        teams.body["resource"],
        json!([{"id": 1}, {"id": 2}, {"id": 3}])
    );
}

#[tokio::test]
async fn batches_above_the_configured_limits_are_refused_before_any_write() {
    let env = [
        ("SLUICE__LIMITS__BATCH_RECORDS_MAX", "3"),
        ("SLUICE__LIMITS__IDS_MAX", "2"),
    ];
    let (app, token) = tables_with_env(&env, json!({})).await;
    let too_many = df_error(400, "Too many records in one request: the limit is 3.");
    let four = json!([{"id": 1, "name": "a"}, {"id": 2, "name": "b"},
                      {"id": 3, "name": "c"}, {"id": 4, "name": "d"}]);
    for method in [Method::PATCH, Method::PUT, Method::DELETE] {
        let reply = write(
            &app,
            &token,
            method.clone(),
            "_table/todo",
            Some(four.clone()),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{method}");
        assert_eq!(reply.body, too_many, "{method}");
    }
    let new = json!({"resource": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}]});
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/todo?rollback=true",
        Some(new),
    )
    .await;
    assert_eq!(reply.body, too_many);
    let reply = write(&app, &token, Method::DELETE, "_table/todo?ids=1,2,3", None).await;
    assert_eq!(
        reply.body,
        df_error(400, "Too many identifiers in one request: the limit is 2.")
    );
    assert_eq!(todos(&app, &token).await, fixture_todos());

    let three = json!([{"name": "a"}, {"name": "b"}, {"name": "c"}]);
    let reply = write(&app, &token, Method::POST, "_table/todo", Some(three)).await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"id": 5}, {"id": 6}, {"id": 7}]})
    );
}
