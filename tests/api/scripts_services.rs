//! Scripted services (`nodejs`): a script answers every request under the service, with
//! `platform.api` reaching the gateway's own API in process.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{TestApp, df_error};

pub async fn add_script_service(app: &TestApp, admin: &str, name: &str, content: &str) {
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/service",
            Some(admin),
            Some(json!({"resource": [{"name": name, "type": "nodejs", "config": {"content": content}}]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

#[tokio::test]
async fn the_script_answers_every_path_and_verb_under_the_service() {
    let (app, admin) = TestApp::with_demo_service().await;
    let content = "return {method: event.request.method, resource: event.resource,
                          name: event.request.parameters.name || null,
                          payload: event.request.payload};";
    add_script_service(&app, &admin, "hello", content).await;
    let reply = app.get("/api/v2/hello/a/b?name=ada", &admin).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({"method": "GET", "resource": "a/b", "name": "ada", "payload": null})
    );
    let reply = app
        .send(
            Method::POST,
            "/api/v2/hello",
            Some(&admin),
            Some(json!({"x": 1})),
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"method": "POST", "resource": "", "name": null, "payload": {"x": 1}})
    );
}

#[tokio::test]
async fn the_script_sets_status_and_content_through_event_response() {
    let (app, admin) = TestApp::with_demo_service().await;
    let content = r#"
        if (event.request.method !== "GET") {
            throw "Only HTTP GET is allowed on this endpoint.";
        }
        event.response.status_code = 201;
        event.response.content = {"test": "value"};"#;
    add_script_service(&app, &admin, "guide", content).await;
    let reply = app.get("/api/v2/guide", &admin).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body, json!({"test": "value"}));
    let reply = app
        .send(Method::DELETE, "/api/v2/guide", Some(&admin), None)
        .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        reply.body,
        df_error(500, "Only HTTP GET is allowed on this endpoint.")
    );
}

/// The guide's "Obfuscate Table Endpoints" example, in JavaScript: `/api/v2/todos` serves
/// `db/_table/todo`.
const OBFUSCATE: &str = r#"
var api = platform.api;
var api_path = 'db/_table/todo';
var method = event.request.method;
var options = {parameters: event.request.parameters};
if (event.resource && event.resource !== '') {
    api_path = api_path + '/' + event.resource;
}
var payload = event.request.payload ? event.request.payload : null;
var result;
switch (method) {
    case 'GET': result = api.get(api_path, payload, options); break;
    case 'POST': result = api.post(api_path, payload, options); break;
    case 'PUT': result = api.put(api_path, payload, options); break;
    case 'PATCH': result = api.patch(api_path, payload, options); break;
    case 'DELETE': result = api.delete(api_path, payload, options); break;
    default: result = {message: 'Invalid verb.'};
}
return result;
"#;

#[tokio::test]
async fn the_obfuscate_example_serves_a_table_under_another_name() {
    let (app, admin) = TestApp::with_todo_service(json!({})).await;
    add_script_service(&app, &admin, "todos", OBFUSCATE).await;
    let reply = app.get("/api/v2/todos?fields=id&limit=2", &admin).await;
    assert_eq!(reply.body, json!({"resource": [{"id": 1}, {"id": 2}]}));
    let reply = app.get("/api/v2/todos/3?fields=id,name", &admin).await;
    assert_eq!(reply.body, json!({"id": 3, "name": "Walk_dog"}));
    add_script_service(
        &app,
        &admin,
        "inline",
        "return platform.api.get('db/_table/todo/3?fields=id,name');",
    )
    .await;
    let reply = app.get("/api/v2/inline", &admin).await;
    assert_eq!(reply.body, json!({"id": 3, "name": "Walk_dog"}));
    let reply = app
        .send(
            Method::POST,
            "/api/v2/todos",
            Some(&admin),
            Some(json!({"resource": [{"name": "via script"}]})),
        )
        .await;
    assert_eq!(reply.body, json!({"resource": [{"id": 5}]}));
}

#[tokio::test]
async fn roles_grant_a_scripted_service_like_any_service() {
    let (app, admin) = TestApp::with_demo_service().await;
    add_script_service(&app, &admin, "hello", "return {ok: true};").await;
    let hello = crate::access::service_id(&app, &admin, "hello").await;
    let db = crate::access::service_id(&app, &admin, "db").await;
    let granted = app
        .create_role(
            &admin,
            crate::access::role("hello", hello, "*", 1, json!({})),
        )
        .await;
    let (_, allowed) = app.create_app(&admin, "allowed", Some(granted)).await;
    let other = app
        .create_role(&admin, crate::access::role("other", db, "*", 1, json!({})))
        .await;
    let (_, refused) = app.create_app(&admin, "refused", Some(other)).await;
    let auth = sluice_tests::Auth::key;
    let ok = app
        .call(Method::GET, "/api/v2/hello", auth(&allowed), None)
        .await;
    assert_eq!((ok.status, ok.body), (StatusCode::OK, json!({"ok": true})));
    let post = app
        .call(Method::POST, "/api/v2/hello", auth(&allowed), None)
        .await;
    assert_eq!(post.status, StatusCode::UNAUTHORIZED);
    let no = app
        .call(Method::GET, "/api/v2/hello", auth(&refused), None)
        .await;
    assert_eq!(no.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_scripted_service_is_documented_as_free_form() {
    let (app, admin) = TestApp::with_demo_service().await;
    add_script_service(&app, &admin, "hello", "return 1;").await;
    let doc = app.get("/api/v2/api_docs/hello", &admin).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.body["servers"], json!([{"url": "/api/v2/hello"}]));
    let paths: Vec<&String> = doc.body["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .collect();
    assert_eq!(paths, ["/", "/{resource}"]);
    assert!(doc.body["paths"]["/{resource}"]["post"]["requestBody"].is_object());
}

#[tokio::test]
async fn a_scripted_service_needs_a_script() {
    let (app, admin) = TestApp::with_demo_service().await;
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/service",
            Some(&admin),
            Some(json!({"resource": [{"name": "empty", "type": "nodejs", "config": {}}]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let message = "The config field 'content' must hold the service's script.";
    let mut expected: Value = df_error(400, &format!("Invalid data supplied. {message}"));
    expected["error"]["context"] = json!({"content": [message]});
    assert_eq!(reply.body, expected);
}

/// The guide's Node.js `platform.api` examples, as written: a GET with a callback that
/// parses the body, and a POST with headers and parameters in `options`.
const PLATFORM_API: &str = r#"
var url = 'db/_table/todo';
var options = {'parameters': {'fields': 'id', 'limit': 1}};
var first;
platform.api.get(url, options, function(body, response) {
    var result = JSON.parse(body);
    first = {status: response.status_code, result: result};
});
var payload = {"resource": [{"name": "test"}]};
var postOptions = {
    'headers': {
        'Content-Type': 'application/json'
    },
    'parameters': {
        'api_key': 'my_api_key',
        'fields': 'name'
    }
};
var created = platform.api.post(url, payload, postOptions);
return {first: first, created: created};
"#;

#[tokio::test]
async fn the_guides_platform_api_examples_run_as_written() {
    let (app, admin) = TestApp::with_todo_service(json!({})).await;
    add_script_service(&app, &admin, "guide", PLATFORM_API).await;
    let reply = app.get("/api/v2/guide", &admin).await;
    assert_eq!(
        reply.body,
        json!({"first": {"status": 200, "result": {"resource": [{"id": 1}]}},
               "created": {"resource": [{"name": "test"}]}})
    );
}

#[tokio::test]
async fn rest_exception_sets_any_status() {
    let (app, admin) = TestApp::with_demo_service().await;
    add_script_service(
        &app,
        &admin,
        "teapot",
        "throw new RestException(418, 'Sorry Mate');",
    )
    .await;
    let reply = app.get("/api/v2/teapot", &admin).await;
    assert_eq!(reply.status.as_u16(), 418);
    assert_eq!(reply.body, df_error(418, "Sorry Mate"));
}

#[tokio::test]
async fn a_service_named_like_the_api_prefix_sees_its_own_path() {
    let (app, admin) = TestApp::with_demo_service().await;
    add_script_service(&app, &admin, "api", "return event.resource;").await;
    assert_eq!(
        app.get("/api/v2/api/v2/api", &admin).await.body,
        json!("v2/api")
    );
    assert_eq!(app.get("/api/api/x", &admin).await.body, json!("x"));
}
