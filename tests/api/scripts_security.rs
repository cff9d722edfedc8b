//! A script cannot widen what its caller may do: row filters and hidden fields apply after
//! `pre_process`, `platform.api` calls run as the caller (credentials a script sends are
//! ignored), and scripts run only for callers the role lets use the endpoint.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{Auth, TestApp};

use crate::access::{role, service_id};
use crate::row_security::{ids, owner_filter};
use crate::scripts_services::add_script_service;
use crate::scripts_system::save_script;

const PASSWORD: &str = "a long enough password";

struct Fixture {
    app: TestApp,
    admin: String,
    key: String,
    token: String,
}

/// Alice, whose role reads only her own `note` rows and never their `secret`, as a client
/// and from scripts (`requestor_mask` 3: API and SCRIPT).
async fn fixture() -> Fixture {
    fixture_for(3).await
}

async fn fixture_for(requestor_mask: u32) -> Fixture {
    let (app, admin) = TestApp::with_demo_service().await;
    let alice = app
        .create_user(&admin, "alice@example.com", PASSWORD, "Alice")
        .await;
    app.exec_on_demo(&format!(
        "CREATE TABLE note (id INTEGER PRIMARY KEY, owner_id INTEGER, body TEXT, secret TEXT);
         INSERT INTO note VALUES (1, {alice}, 'a1', 's1'), (2, 999, 'b1', 's2'),
                                 (3, {alice}, 'a2', 's3');"
    ));
    let db = service_id(&app, &admin, "db").await;
    let mut access = owner_filter();
    access["hidden_fields"] = json!(["secret"]);
    access["requestor_mask"] = json!(requestor_mask);
    let role_id = app
        .create_role(&admin, role("owners", db, "_table/note/*", 1, access))
        .await;
    let (_, key) = app.create_app(&admin, "notes", Some(role_id)).await;
    let token = app
        .user_login("alice@example.com", PASSWORD, Some(&key))
        .await;
    Fixture {
        app,
        admin,
        key,
        token,
    }
}

#[tokio::test]
async fn a_pre_process_script_cannot_widen_the_row_filter_or_show_hidden_fields() {
    let f = fixture().await;
    let content = "event.request.parameters.filter = 'id > 0';
                   event.request.parameters.fields = '*';";
    let script = json!({"type": "nodejs", "content": content, "allow_event_modification": true});
    save_script(&f.app, &f.admin, "db._table.note.get.pre_process", script).await;
    let auth = Auth::both(&f.token, &f.key);
    let reply = f
        .app
        .call(Method::GET, "/api/v2/db/_table/note", auth, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(ids(&reply.body), [1, 3]);
    assert!(
        reply.body["resource"]
            .as_array()
            .is_some_and(|rows| rows.iter().all(|r| r.get("secret").is_none())),
        "{}",
        reply.body
    );
}

/// Adds scripted service `name` with `content`, and grants it to Alice's role (GET).
async fn granted_script_service(f: &Fixture, name: &str, content: &str) {
    add_script_service(&f.app, &f.admin, name, content).await;
    let id = service_id(&f.app, &f.admin, name).await;
    let roles = f
        .app
        .get(
            "/api/v2/system/role?related=role_service_access_by_role_id",
            &f.admin,
        )
        .await;
    let role_id = roles.body["resource"][0]["id"].as_i64().expect("role id");
    let mut access = roles.body["resource"][0]["role_service_access_by_role_id"].clone();
    access
        .as_array_mut()
        .expect("rows")
        .push(json!({"service_id": id, "component": "*", "verb_mask": 1, "requestor_mask": 1}));
    let update = f
        .app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/role/{role_id}"),
            Some(&f.admin),
            Some(json!({"role_service_access_by_role_id": access})),
        )
        .await;
    assert_eq!(update.status, StatusCode::OK, "{}", update.body);
}

#[tokio::test]
async fn platform_api_runs_as_the_caller_whatever_credentials_the_script_sends() {
    let f = fixture().await;
    let forged = "return platform.api.get('db/_table/note', null, {
        headers: {'X-DreamFactory-Session-Token': 'forged', 'X-DreamFactory-API-Key': 'forged'},
        parameters: {fields: 'id,secret', api_key: 'forged'}});";
    granted_script_service(&f, "peek", forged).await;
    let auth = Auth::both(&f.token, &f.key);
    let reply = f.app.call(Method::GET, "/api/v2/peek", auth, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // As Alice: `secret` is a field her role may not read.
    assert_eq!(
        reply.body["error"]["status_code"],
        json!(400),
        "{}",
        reply.body
    );
    let mine = "return platform.api.get('db/_table/note', null, {parameters: {fields: 'id'}});";
    granted_script_service(&f, "mine", mine).await;
    let reply = f.app.call(Method::GET, "/api/v2/mine", auth, None).await;
    assert_eq!(reply.body, json!({"resource": [{"id": 1}, {"id": 3}]}));
    // The same script run by an administrator sees every row: the identity is the caller's.
    let reply = f.app.get("/api/v2/mine", &f.admin).await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"id": 1}, {"id": 2}, {"id": 3}]})
    );
}

#[tokio::test]
async fn platform_api_calls_need_the_script_bit_of_the_requestor_mask() {
    let f = fixture_for(1).await;
    let mine = "return platform.api.get('db/_table/note', null, {parameters: {fields: 'id'}});";
    granted_script_service(&f, "mine", mine).await;
    let auth = Auth::both(&f.token, &f.key);
    let direct = f
        .app
        .call(Method::GET, "/api/v2/db/_table/note?fields=id", auth, None)
        .await;
    assert_eq!(direct.body, json!({"resource": [{"id": 1}, {"id": 3}]}));
    let reply = f.app.call(Method::GET, "/api/v2/mine", auth, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body["error"]["status_code"],
        json!(403),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn scripts_do_not_run_for_callers_the_role_refuses() {
    let f = fixture().await;
    let content = "event.response = {status_code: 200, content: {leaked: true}};";
    let script = json!({"type": "nodejs", "content": content});
    save_script(&f.app, &f.admin, "db._table.note.post.pre_process", script).await;
    let auth = Auth::both(&f.token, &f.key);
    let reply = f
        .app
        .call(
            Method::POST,
            "/api/v2/db/_table/note",
            auth,
            Some(json!({"resource": [{}]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let anonymous = f
        .app
        .call(
            Method::POST,
            "/api/v2/db/_table/note",
            Auth::default(),
            Some(json!({"resource": [{}]})),
        )
        .await;
    assert_eq!(
        anonymous.status,
        StatusCode::BAD_REQUEST,
        "{}",
        anonymous.body
    );
}
