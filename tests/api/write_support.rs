//! Helpers shared by the write tests (`write_*.rs`): requests on the `db` service, the
//! table as stored, and DreamFactory's batch error bodies.

use reqwest::Method;
use serde_json::{Value, json};
use sluice_tests::{Reply, TestApp, WRITE_FIXTURE};

pub const NO_RECORDS: &str = "No record(s) detected in request. Please make sure record(s) are \
wrapped in a 'resource' tag. Example: {\"resource\":[{\"record\":1},{\"record\":2}]}";

/// The `db` service with `TODO_FIXTURE` and `WRITE_FIXTURE`, and an admin token.
pub async fn tables(config: Value) -> (TestApp, String) {
    tables_with_env(&[], config).await
}

/// `tables` on a server started with these `SLUICE__...` variables.
pub async fn tables_with_env(env: &[(&str, &str)], config: Value) -> (TestApp, String) {
    let app = TestApp::spawn_with_env(sluice_tests::env(env)).await;
    let fixture = format!("{}{WRITE_FIXTURE}", sluice_tests::TODO_FIXTURE);
    TestApp::with_tables(app, config, &fixture).await
}

/// `method /api/v2/db/{path}` as the administrator.
pub async fn write(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    app.send(method, &format!("/api/v2/db/{path}"), Some(token), body)
        .await
}

/// The `todo` rows as the API shows them, id and the columns tests change.
pub async fn todos(app: &TestApp, token: &str) -> Value {
    let reply = app
        .get(
            "/api/v2/db/_table/todo?fields=id,name,complete,priority,note",
            token,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["resource"].clone()
}

/// The `todo` table of `TODO_FIXTURE`, as `todos` shows it.
pub fn fixture_todos() -> Value {
    json!([
        {"id": 1, "name": "Buy milk", "complete": false, "priority": 2, "note": null},
        {"id": 2, "name": "O'Brien's 50% off", "complete": true, "priority": 1, "note": "text"},
        {"id": 3, "name": "Walk_dog", "complete": false, "priority": 3, "note": 42},
        {"id": 4, "name": "Read", "complete": true, "priority": null, "note": 1.5}
    ])
}

/// One failed record inside a batch error's `context.resource`.
pub fn failed(status: u16, message: &str) -> Value {
    json!({"code": status, "context": null, "message": message, "status_code": status})
}

/// DreamFactory's 400 / code 1000 batch error.
pub fn batch_error(participle: &str, rolled_back: bool, errors: Value, resource: Value) -> Value {
    let mut message = format!("Batch Error: Not all requested records could be {participle}.");
    if rolled_back {
        message.push_str(" All changes rolled back.");
    }
    json!({"error": {"code": 1000, "context": {"error": errors, "resource": resource},
                     "message": message, "status_code": 400}})
}
