//! `/system/event_script`, `/system/script_type` and `/system/event`: what DreamFactory's
//! admin app lists and edits scripts with.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{TestApp, df_error};

const EVENT: &str = "db._table.todo.get.pre_process";

pub async fn save_script(app: &TestApp, admin: &str, event: &str, script: Value) -> Value {
    let reply = app
        .send(
            Method::POST,
            &format!("/api/v2/system/event_script/{event}"),
            Some(admin),
            Some(script),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    reply.body
}

fn invalid(field: &str, message: &str) -> Value {
    let mut error = df_error(400, &format!("Invalid data supplied. {message}"));
    error["error"]["context"] = json!({ field: [message] });
    error
}

#[tokio::test]
async fn a_script_is_created_changed_read_listed_and_deleted_by_event_name() {
    let (app, admin) = TestApp::with_demo_service().await;
    let path = format!("/api/v2/system/event_script/{EVENT}");
    let created = app
        .send(
            Method::POST,
            &path,
            Some(&admin),
            Some(
                json!({"type": "nodejs", "content": "return 1;", "is_active": true,
                        "config": {"note": "first"}, "storage_service_id": null}),
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let record = &created.body;
    assert_eq!(record["name"], json!(EVENT));
    assert_eq!(record["type"], json!("nodejs"));
    assert_eq!(record["content"], json!("return 1;"));
    assert_eq!(record["config"], json!({"note": "first"}));
    assert_eq!(record["is_active"], json!(true));
    assert_eq!(record["allow_event_modification"], json!(false));
    assert_eq!(record["storage_path"], Value::Null);

    let changed = app
        .send(
            Method::POST,
            &path,
            Some(&admin),
            Some(json!({"content": "return 2;", "allow_event_modification": true})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["content"], json!("return 2;"));
    assert_eq!(changed.body["type"], json!("nodejs"));
    assert_eq!(changed.body["allow_event_modification"], json!(true));
    assert_eq!(changed.body["config"], json!({"note": "first"}));

    let one = app
        .get(&format!("{path}?fields=name,content"), &admin)
        .await;
    assert_eq!(one.body, json!({"name": EVENT, "content": "return 2;"}));
    let names = app
        .get("/api/v2/system/event_script?as_list=true", &admin)
        .await;
    assert_eq!(names.body, json!({"resource": [EVENT]}));

    let deleted = app.send(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.body["name"], json!(EVENT));
    let gone = app.get(&path, &admin).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(
        gone.body,
        df_error(404, &format!("Record with identifier '{EVENT}' not found."))
    );
}

#[tokio::test]
async fn only_javascript_scripts_are_accepted() {
    let (app, admin) = TestApp::with_demo_service().await;
    let path = format!("/api/v2/system/event_script/{EVENT}");
    let php = app
        .send(
            Method::POST,
            &path,
            Some(&admin),
            Some(json!({"type": "php", "content": "x"})),
        )
        .await;
    assert_eq!(php.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        php.body,
        invalid(
            "type",
            "Script type 'php' is not supported: Sluice runs JavaScript scripts (type nodejs)."
        )
    );
    let untyped = app
        .send(
            Method::POST,
            &path,
            Some(&admin),
            Some(json!({"content": "x"})),
        )
        .await;
    assert_eq!(untyped.body, invalid("type", "The type field is required."));
    let linked = app
        .send(
            Method::POST,
            &path,
            Some(&admin),
            Some(json!({"type": "nodejs", "storage_path": "scripts/a.js"})),
        )
        .await;
    assert_eq!(
        linked.body,
        invalid(
            "storage_path",
            "The storage_path field is not supported: put the script in content."
        )
    );
}

#[tokio::test]
async fn a_script_that_does_not_compile_is_refused_when_saved() {
    let (app, admin) = TestApp::with_demo_service().await;
    let path = format!("/api/v2/system/event_script/{EVENT}");
    let reply = app
        .send(
            Method::POST,
            &path,
            Some(&admin),
            Some(json!({"type": "nodejs", "content": "return (;"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let message = reply.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Invalid data supplied. The script does not compile: "),
        "{}",
        reply.body
    );
    assert!(reply.body["error"]["context"]["content"].is_array());
    let service = app
        .send(Method::POST, "/api/v2/system/service", Some(&admin),
              Some(json!({"resource": [{"name": "broken", "type": "nodejs", "config": {"content": "}"}}]})))
        .await;
    assert_eq!(service.status, StatusCode::BAD_REQUEST);
    assert!(
        service.body["error"]["context"]["content"].is_array(),
        "{}",
        service.body
    );
    let listed = app
        .get("/api/v2/system/event_script?as_list=true", &admin)
        .await;
    assert_eq!(listed.body, json!({"resource": []}));
}

#[tokio::test]
async fn scripts_are_for_administrators_only() {
    let (app, _) = TestApp::with_demo_service().await;
    let reply = app
        .send(Method::GET, "/api/v2/system/event_script", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app
        .send(
            Method::POST,
            &format!("/api/v2/system/event_script/{EVENT}"),
            None,
            Some(json!({"type": "nodejs", "content": "return 1;"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_script_types_are_javascript_only() {
    let (app, admin) = TestApp::with_demo_service().await;
    let types = app.get("/api/v2/system/script_type", &admin).await;
    assert_eq!(
        types.body,
        json!({"resource": [{
            "name": "nodejs", "label": "Node.js",
            "description": "JavaScript, run in Sluice's sandboxed engine (QuickJS) with time and memory limits.",
            "sandboxed": true, "supports_inline_execution": false
        }]})
    );
    let missing = app.get("/api/v2/system/script_type/php", &admin).await;
    assert_eq!(missing.body, df_error(404, "Script type 'php' not found."));
}

#[tokio::test]
async fn the_event_map_lists_placeholder_and_concrete_events() {
    let (app, admin) = TestApp::with_todo_service(json!({})).await;
    let services = app
        .get("/api/v2/system/event?services_only=true", &admin)
        .await;
    assert_eq!(services.body, json!({"resource": ["db"]}));
    let list = app
        .get(
            "/api/v2/system/event?service=db&as_list=true&scriptable=true",
            &admin,
        )
        .await;
    let names: Vec<&str> = list.body["resource"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for expected in [
        "db._table.get.pre_process",
        "db._table.{table_name}.get.pre_process",
        "db._table.{table_name}.{id}.patch.post_process",
        "db._table.todo.post.queued",
        "db._table.todo.{id}.delete.pre_process",
        "db._schema.{table_name}.{field}.get.post_process",
    ] {
        assert!(names.contains(&expected), "{expected} missing");
    }
    let plain = app.get("/api/v2/system/event?service=db", &admin).await;
    assert_eq!(plain.body["resource"][0]["name"], json!("db"));
    assert!(
        plain.body["resource"][0]["events"]
            .as_array()
            .is_some_and(|e| e.contains(&json!("db._table.todo.get")))
    );
}
