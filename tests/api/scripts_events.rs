//! Event scripts on a database service: each phase and name form, modification allowed and
//! refused, answering from `pre_process`, `queued` scripts, and the examples of the
//! DreamFactory guide's "Integrating Business Logic" chapter in JavaScript.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{TestApp, df_error, eventually};

use crate::scripts_system::save_script;

async fn app_with_script(event: &str, content: &str, modify: bool) -> (TestApp, String) {
    let (app, admin) = TestApp::with_todo_service(json!({})).await;
    add(&app, &admin, event, content, modify).await;
    (app, admin)
}

async fn add(app: &TestApp, admin: &str, event: &str, content: &str, modify: bool) {
    let script = json!({"type": "nodejs", "content": content, "is_active": true,
                        "allow_event_modification": modify});
    save_script(app, admin, event, script).await;
}

async fn create(app: &TestApp, admin: &str, record: Value) -> (StatusCode, Value) {
    let reply = app
        .send(
            Method::POST,
            "/api/v2/db/_table/todo?fields=id,name",
            Some(admin),
            Some(json!({"resource": [record]})),
        )
        .await;
    (reply.status, reply.body)
}

const UPPERCASE_NAMES: &str =
    "event.request.payload.resource.forEach(r => { r.name = r.name.toUpperCase(); });";

#[tokio::test]
async fn a_pre_process_script_changes_the_payload_when_allowed() {
    let (app, admin) =
        app_with_script("db._table.todo.post.pre_process", UPPERCASE_NAMES, true).await;
    let (status, body) = create(&app, &admin, json!({"name": "shout"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"resource": [{"id": 5, "name": "SHOUT"}]}));
}

#[tokio::test]
async fn a_pre_process_change_is_ignored_without_allow_event_modification() {
    let (app, admin) =
        app_with_script("db._table.todo.post.pre_process", UPPERCASE_NAMES, false).await;
    let (_, body) = create(&app, &admin, json!({"name": "quiet"})).await;
    assert_eq!(body, json!({"resource": [{"id": 5, "name": "quiet"}]}));
}

#[tokio::test]
async fn the_placeholder_form_runs_for_every_table() {
    let content = "event.request.parameters.fields = 'id'; event.request.parameters.limit = 1;";
    let (app, admin) =
        app_with_script("db._table.{table_name}.get.pre_process", content, true).await;
    let reply = app.get("/api/v2/db/_table/todo", &admin).await;
    assert_eq!(reply.body, json!({"resource": [{"id": 1}]}));
}

#[tokio::test]
async fn record_events_keep_the_id_placeholder_and_see_the_id_as_resource() {
    let content = "event.response.content.seen = event.resource;";
    let (app, admin) = app_with_script("db._table.todo.{id}.get.post_process", content, true).await;
    let reply = app.get("/api/v2/db/_table/todo/2?fields=id", &admin).await;
    assert_eq!(reply.body, json!({"id": 2, "seen": "2"}));
    let generic = "event.response.content.generic = true;";
    add(
        &app,
        &admin,
        "db._table.{table_name}.{id}.get.post_process",
        generic,
        true,
    )
    .await;
    let reply = app.get("/api/v2/db/_table/todo/2?fields=id", &admin).await;
    assert_eq!(reply.body, json!({"id": 2, "generic": true, "seen": "2"}));
}

/// The guide's "Validating Input Parameters", in JavaScript.
const VALIDATE: &str = r#"
const payload = event.request.payload;
for (const record of payload.resource) {
    if (!('name' in record)) {
        throw new BadRequestException('Missing name.', 123456);
    }
    if (record.priority <= 0) {
        throw 'Priority must be > 0';
    }
}
"#;

#[tokio::test]
async fn a_pre_process_script_validates_the_payload() {
    let (app, admin) = app_with_script("db._table.todo.post.pre_process", VALIDATE, false).await;
    let (status, body) = create(&app, &admin, json!({"priority": 1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mut expected = df_error(400, "Missing name.");
    expected["error"]["code"] = json!(123456);
    assert_eq!(body, expected);
    let (status, body) = create(&app, &admin, json!({"name": "x", "priority": 0})).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body, df_error(500, "Priority must be > 0"));
    let (status, _) = create(&app, &admin, json!({"name": "x", "priority": 2})).await;
    assert_eq!(status, StatusCode::OK);
    let count = app
        .get("/api/v2/db/_table/todo?count_only=true", &admin)
        .await;
    assert_eq!(count.body, json!(5));
}

/// The guide's "Transforming a Response", in JavaScript.
const TRANSFORM: &str = r#"
const body = event.response.content;
body.resource.forEach(function (record) {
    record.label = record.id + ': ' + record.name;
    delete record.due;
});
event.response.content = body;
"#;

#[tokio::test]
async fn a_post_process_script_transforms_the_response_when_allowed() {
    let (app, admin) = app_with_script("db._table.todo.get.post_process", TRANSFORM, true).await;
    let reply = app
        .get("/api/v2/db/_table/todo?fields=id,name,due&limit=2", &admin)
        .await;
    assert_eq!(
        reply.body,
        json!({"resource": [
            {"id": 1, "name": "Buy milk", "label": "1: Buy milk"},
            {"id": 2, "name": "O'Brien's 50% off", "label": "2: O'Brien's 50% off"}
        ]})
    );
}

#[tokio::test]
async fn a_post_process_change_is_ignored_without_allow_event_modification() {
    let (app, admin) = app_with_script("db._table.todo.get.post_process", TRANSFORM, false).await;
    let reply = app
        .get("/api/v2/db/_table/todo?fields=id&limit=1", &admin)
        .await;
    assert_eq!(reply.body, json!({"resource": [{"id": 1}]}));
}

/// The guide's "Stopping Script Execution": a pre_process script that sets a response
/// answers the request.
#[tokio::test]
async fn a_pre_process_script_that_sets_a_response_answers_the_request() {
    let content = r#"
        if (event.resource !== 'test') {
            event.response = {};
            event.response.status_code = 400;
            event.response.content = {"error": "Invalid resource requested."};
        }"#;
    let (app, admin) =
        app_with_script("db._table.{table_name}.get.pre_process", content, false).await;
    let reply = app.get("/api/v2/db/_table/todo", &admin).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, json!({"error": "Invalid resource requested."}));
}

#[tokio::test]
async fn the_event_object_has_the_request_as_dreamfactory_describes_it() {
    let content = r#"
        event.response = {status_code: 200, content: {
            method: event.request.method, parameters: event.request.parameters,
            api_key: event.request.headers['x-dreamfactory-api-key'] || null,
            token: event.request.headers['x-dreamfactory-session-token'] || null,
            uri: event.request.uri, resource: event.resource, api_version: event.request.api_version,
            response: event.response}};"#;
    let (app, admin) = app_with_script("db._table.todo.get.pre_process", content, false).await;
    let reply = app.get("/api/v2/db/_table/todo?limit=1", &admin).await;
    assert_eq!(
        reply.body,
        json!({"method": "GET", "parameters": {"limit": "1"}, "api_key": null, "token": null,
               "uri": "/api/v2/db/_table/todo", "resource": "todo", "api_version": "2.0",
               "response": null})
    );
}

#[tokio::test]
async fn queued_scripts_run_after_the_response() {
    let (app, admin) = TestApp::with_todo_service(json!({})).await;
    app.exec_on_demo("CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT);");
    let content = "platform.api.post('db/_table/audit', {resource: [{what: 'created ' + \
                   event.response.content.resource[0].id}]});";
    add(&app, &admin, "db._table.todo.post.queued", content, false).await;
    let (status, _) = create(&app, &admin, json!({"name": "queued"})).await;
    assert_eq!(status, StatusCode::OK);
    let (audit, _) = eventually(
        "the queued script's record",
        Duration::from_secs(5),
        || async {
            let reply = app.get("/api/v2/db/_table/audit?fields=what", &admin).await;
            match reply.body["resource"].as_array().map(Vec::len) {
                Some(1) => Ok(reply.body),
                _ => Err(reply.body),
            }
        },
    )
    .await;
    assert_eq!(audit, json!({"resource": [{"what": "created 5"}]}));
}

#[tokio::test]
async fn a_deleted_script_stops_running_at_once() {
    let content = "event.response = {status_code: 200, content: 'script ran'};";
    let (app, admin) = app_with_script("db._table.todo.get.pre_process", content, false).await;
    let ran = app.get("/api/v2/db/_table/todo", &admin).await;
    assert_eq!(ran.body, json!("script ran"));
    let path = "/api/v2/system/event_script/db._table.todo.get.pre_process";
    app.send(Method::DELETE, path, Some(&admin), None).await;
    assert_eq!(
        app.get("/api/v2/db/_table/todo?limit=1", &admin)
            .await
            .status,
        StatusCode::OK
    );
}

/// Scripts reach a node through the change feed, like every other system change: a script
/// written by another process (another node, a SQL client) runs after the next poll.
#[tokio::test]
async fn a_script_another_process_writes_runs_after_the_next_poll() {
    let env = sluice_tests::env(&[("SLUICE__CHANGE_FEED__POLL_INTERVAL_MS", "100")]);
    let (app, admin) = TestApp::with_tables(
        TestApp::spawn_with_env(env).await,
        json!({}),
        sluice_tests::TODO_FIXTURE,
    )
    .await;
    let db = app.system_db().await;
    let script = sluice_system_db::EventScriptWrite {
        script_type: "nodejs".into(),
        content: Some("event.response = {status_code: 418, content: 'from the feed'};".into()),
        config: None,
        is_active: true,
        allow_event_modification: false,
    };
    db.event_scripts()
        .insert("db._table.todo.get.pre_process", &script, None)
        .await
        .expect("insert script");
    db.close().await;
    let (reply, _) = eventually("the script runs", Duration::from_secs(3), || async {
        let reply = app.get("/api/v2/db/_table/todo", &admin).await;
        match reply.status.as_u16() {
            418 => Ok(reply.body),
            _ => Err(reply.status),
        }
    })
    .await;
    assert_eq!(reply, df_error(418, "from the feed"));
}

#[tokio::test]
async fn record_writes_and_schema_reads_fire_their_events() {
    let content =
        "event.response.content.patched_by = event.request.method + ' ' + event.resource;";
    let (app, admin) = app_with_script(
        "db._table.{table_name}.{id}.patch.post_process",
        content,
        true,
    )
    .await;
    let reply = app
        .send(
            Method::PATCH,
            "/api/v2/db/_table/todo/2?fields=id,priority",
            Some(&admin),
            Some(json!({"priority": 9})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"id": 2, "priority": 9, "patched_by": "PATCH 2"})
    );
    let names = "event.response.content = {fields: event.response.content.field.map(f => f.name)};";
    add(
        &app,
        &admin,
        "db._schema.todo.get.post_process",
        names,
        true,
    )
    .await;
    let reply = app.get("/api/v2/db/_schema/todo", &admin).await;
    assert_eq!(
        reply.body,
        json!({"fields": ["id", "name", "complete", "priority", "score", "note", "data", "due"]})
    );
    let refuse = "throw new ForbiddenException('Records of todo are never deleted.');";
    add(
        &app,
        &admin,
        "db._table.todo.{id}.delete.pre_process",
        refuse,
        false,
    )
    .await;
    let reply = app
        .send(
            Method::DELETE,
            "/api/v2/db/_table/todo/1",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        reply.body,
        df_error(403, "Records of todo are never deleted.")
    );
    let still = app.get("/api/v2/db/_table/todo/1?fields=id", &admin).await;
    assert_eq!(still.body, json!({"id": 1}));
}

#[tokio::test]
async fn stop_propagation_ends_the_phase() {
    let first = "event.request.parameters.fields = 'id'; return {stop_propagation: true};";
    let (app, admin) = app_with_script("db._table.{table_name}.get.pre_process", first, true).await;
    let second = "event.request.parameters.fields = 'name';";
    add(&app, &admin, "db._table.todo.get.pre_process", second, true).await;
    let reply = app.get("/api/v2/db/_table/todo?limit=1", &admin).await;
    assert_eq!(reply.body, json!({"resource": [{"id": 1}]}));
}
