//! `_schema` writes: create with DreamFactory types, add / rename / drop columns, drop
//! tables, a failed change leaving nothing behind, permissions, and `sqlite_*` refused.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, TestApp};

use crate::access::{role, service_id};

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
) -> sluice_tests::Reply {
    app.call(
        method,
        &format!("/api/v2/db/{path}"),
        Auth::token(token),
        Some(body),
    )
    .await
}

fn field_names(table: &Value) -> Vec<String> {
    table["field"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect()
}

fn todo_schema() -> Value {
    json!({"resource": [{"name": "todo", "field": [
        {"name": "id", "type": "id"},
        {"name": "title", "type": "string", "length": 80},
        {"name": "done", "type": "boolean", "default": false},
        {"name": "budget", "type": "money", "allow_null": true},
        {"name": "contact_id", "type": "reference", "ref_table": "contact",
         "ref_field": "id", "ref_on_delete": "CASCADE", "allow_null": true},
        {"name": "created", "type": "timestamp_on_create"},
        {"name": "due", "type": "date", "allow_null": true}
    ]}]})
}

#[tokio::test]
async fn tables_are_created_altered_and_dropped() {
    let (app, token) = TestApp::with_demo_service().await;
    let reply = call(&app, &token, Method::POST, "_schema", todo_schema()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"name": "todo"}]}));

    let todo = app.get("/api/v2/db/_schema/todo", &token).await.body;
    assert_eq!(
        field_names(&todo),
        [
            "id",
            "title",
            "done",
            "budget",
            "contact_id",
            "created",
            "due"
        ]
    );
    let f = &todo["field"];
    assert_eq!(
        (&f[0]["type"], &f[0]["auto_increment"]),
        (&json!("id"), &json!(true))
    );
    assert_eq!(
        (&f[1]["db_type"], &f[1]["length"], &f[1]["required"]),
        (&json!("varchar(80)"), &json!(80), &json!(true))
    );
    assert_eq!(
        (&f[2]["type"], &f[2]["default"]),
        (&json!("boolean"), &json!(false))
    );
    assert_eq!(
        (&f[3]["db_type"], &f[3]["precision"], &f[3]["scale"]),
        (&json!("decimal(19,4)"), &json!(19), &json!(4))
    );
    assert_eq!(
        (&f[4]["ref_table"], &f[4]["ref_on_delete"]),
        (&json!("contact"), &json!("CASCADE"))
    );
    assert_eq!(todo["related"][0]["name"], "contact_by_contact_id");

    // The new table is usable at once, defaults included.
    let reply = call(
        &app,
        &token,
        Method::POST,
        "_table/todo?fields=*",
        json!({"resource": [{"title": "t"}]}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["resource"][0]["done"], false);

    // Add, rename, drop a column.
    let reply = call(
        &app,
        &token,
        Method::POST,
        "_schema/todo/_field",
        json!([{"name": "notes", "type": "text", "allow_null": true}]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = call(
        &app,
        &token,
        Method::PATCH,
        "_schema/todo/_field/notes",
        json!({"name": "memo"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = call(
        &app,
        &token,
        Method::DELETE,
        "_schema/todo/_field/due",
        json!(null),
    )
    .await;
    assert_eq!(reply.body, json!({"success": true}));
    let todo = app.get("/api/v2/db/_schema/todo", &token).await.body;
    assert_eq!(
        field_names(&todo),
        [
            "id",
            "title",
            "done",
            "budget",
            "contact_id",
            "created",
            "memo"
        ]
    );

    // POST again merges; check_exist refuses.
    let reply = call(
        &app,
        &token,
        Method::POST,
        "_schema",
        json!([{"name": "todo", "field": [
        {"name": "title", "type": "string"}, {"name": "rank", "type": "integer", "default": 0}]}]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = call(
        &app,
        &token,
        Method::POST,
        "_schema?check_exist=true",
        todo_schema(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    let reply = call(&app, &token, Method::DELETE, "_schema/todo", json!(null)).await;
    assert_eq!(reply.body, json!({"success": true}));
    let reply = app.get("/api/v2/db/_schema/todo", &token).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_failed_change_changes_nothing() {
    let (app, token) = TestApp::with_demo_service().await;
    let before = app.get("/api/v2/db/_schema/contact", &token).await.body;
    // The second column is NOT NULL without a default on a table with rows.
    let reply = call(
        &app,
        &token,
        Method::POST,
        "_schema/contact/_field",
        json!([
            {"name": "nickname", "type": "string", "allow_null": true},
            {"name": "age", "type": "integer"}
        ]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(!reply.body.to_string().contains("ALTER"), "{}", reply.body);
    let after = app
        .get("/api/v2/db/_schema/contact?refresh=true", &token)
        .await
        .body;
    assert_eq!(before, after);

    for (method, path, body) in [
        (
            Method::POST,
            "_schema",
            json!([{"name": "bad", "field": [{"name": "x", "type": "integer primary key"}]}]),
        ),
        (
            Method::POST,
            "_schema",
            json!([{"name": "bad", "field": [{"name": "x\"y", "type": "integer"}]}]),
        ),
        (
            Method::POST,
            "_schema",
            json!([{"name": "bad", "field": [{"name": "x", "type": "integer", "default": {"expression": "1"}}]}]),
        ),
        (
            Method::PATCH,
            "_schema/contact/_field/notes",
            json!({"name": "n", "type": "bogus"}),
        ),
    ] {
        let reply = call(&app, &token, method, path, body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.body
        );
    }
    assert_eq!(
        app.get("/api/v2/db/_schema/bad", &token).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn sqlite_internal_tables_are_never_touched() {
    let (app, token) = TestApp::with_demo_service().await;
    for (method, path, body, status) in [
        (
            Method::POST,
            "_schema",
            json!([{"name": "sqlite_x", "field": [{"name": "a", "type": "integer"}]}]),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "_schema",
            json!([{"name": "sqlite_master", "field": [{"name": "a", "type": "integer"}]}]),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::DELETE,
            "_schema/sqlite_master",
            json!(null),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            "_schema/sqlite_sequence",
            json!(null),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            "_schema/sqlite_master/_field",
            json!([{"name": "a", "type": "integer"}]),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            "_schema/sqlite_master/_field/sql",
            json!(null),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::PATCH,
            "_schema/sqlite_schema/_field/sql",
            json!({"name": "x"}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let reply = call(&app, &token, method, path, body).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
    }
}

#[tokio::test]
async fn schema_writes_need_the_role_verb() {
    let (app, admin) = TestApp::with_demo_service().await;
    let db = service_id(&app, &admin, "db").await;
    let role_id = app
        .create_role(&admin, role("schema reader", db, "_schema/*", 1, json!({})))
        .await;
    let (_, key) = app.create_app(&admin, "reader", Some(role_id)).await;
    let reply = app
        .call(
            Method::GET,
            "/api/v2/db/_schema/contact",
            Auth::key(&key),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    for (method, path) in [
        (Method::DELETE, "_schema/contact"),
        (Method::POST, "_schema"),
    ] {
        let reply = app
            .call(
                method,
                &format!("/api/v2/db/{path}"),
                Auth::key(&key),
                Some(todo_schema()),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{path}: {}",
            reply.body
        );
    }
    assert_eq!(
        app.get("/api/v2/db/_schema/contact", &admin).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn several_tables_are_dropped_by_ids() {
    let (app, token) = TestApp::with_demo_service().await;
    let reply = call(
        &app,
        &token,
        Method::DELETE,
        "_schema?ids=dept_manager,contact_info",
        json!(null),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource": [{"name": "dept_manager"}, {"name": "contact_info"}]})
    );
    let reply = app.get("/api/v2/db/_schema?as_list=true", &token).await;
    assert!(
        !reply.body["resource"]
            .as_array()
            .unwrap()
            .contains(&json!("contact_info"))
    );
    let reply = call(
        &app,
        &token,
        Method::DELETE,
        "_schema",
        json!(["sqlite_master"]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
}
