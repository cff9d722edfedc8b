//! `_schema` changes of a `mysql` service through the gateway: create a table with
//! DreamFactory's types, write to it, add, rename, retype and drop fields, a refused change
//! that changes nothing, and drop the table.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::TestApp;

use crate::mysql_services::{config, contacts_database, serve};

/// A request to the service `my` as its administrator.
async fn on_my(
    app: &TestApp,
    admin: &str,
    method: Method,
    path: &str,
    body: Value,
) -> sluice_tests::Reply {
    let path = format!("/api/v2/my/{path}");
    app.send(method, &path, Some(admin), Some(body)).await
}

#[tokio::test]
async fn tables_of_a_mysql_service_are_created_altered_and_dropped_through_schema() {
    let database = contacts_database().await;
    let (app, admin) = serve(config(&database, "127.0.0.1", database.port())).await;

    let todo = json!({"resource": [{"name": "todo", "field": [
        {"name": "id", "type": "id"},
        {"name": "title", "type": "string", "length": 80},
        {"name": "done", "type": "boolean", "default": false},
        {"name": "budget", "type": "money", "allow_null": true},
        {"name": "contact_id", "type": "reference", "ref_table": "contact",
         "ref_on_delete": "CASCADE", "allow_null": true},
        {"name": "created", "type": "timestamp_on_create"}
    ]}]});
    let reply = on_my(&app, &admin, Method::POST, "_schema", todo).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::OK, json!({"resource": [{"name": "todo"}]}))
    );
    let described = app.get("/api/v2/my/_schema/todo", &admin).await.body;
    let fields: Vec<(&Value, &Value, &Value)> = described["field"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| (&f["name"], &f["type"], &f["db_type"]))
        .collect();
    assert_eq!(
        fields,
        [
            (&json!("id"), &json!("id"), &json!("int(11)")),
            (&json!("title"), &json!("string"), &json!("varchar(80)")),
            (&json!("done"), &json!("boolean"), &json!("tinyint(1)")),
            (&json!("budget"), &json!("decimal"), &json!("decimal(19,4)")),
            (&json!("contact_id"), &json!("reference"), &json!("int(11)")),
            (&json!("created"), &json!("timestamp"), &json!("timestamp")),
        ]
    );
    assert_eq!(described["related"][0]["name"], "contact_by_contact_id");

    // The new table is usable at once, defaults included.
    let new = json!({"resource": [{"title": "t", "contact_id": 1}]});
    let reply = on_my(
        &app,
        &admin,
        Method::POST,
        "_table/todo?fields=id,title,done",
        new,
    )
    .await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"id": 1, "title": "t", "done": false}]})
    );

    // Add, rename and retype, drop.
    let notes = json!([{"name": "notes", "type": "string", "length": 20, "allow_null": true}]);
    let reply = on_my(&app, &admin, Method::POST, "_schema/todo/_field", notes).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let memo = json!({"name": "memo", "type": "text"});
    let reply = on_my(
        &app,
        &admin,
        Method::PATCH,
        "_schema/todo/_field/notes",
        memo,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = on_my(
        &app,
        &admin,
        Method::DELETE,
        "_schema/todo/_field/budget",
        Value::Null,
    )
    .await;
    assert_eq!(reply.body, json!({"success": true}));
    let memo = app.get("/api/v2/my/_schema/todo/memo", &admin).await.body;
    assert_eq!(
        (&memo["type"], &memo["allow_null"]),
        (&json!("text"), &json!(true))
    );

    // A NOT NULL field without a default on a table with records: nothing changes.
    let before = app.get("/api/v2/my/_schema/todo", &admin).await.body;
    let fields = json!([{"name": "nick", "type": "string", "allow_null": true},
                        {"name": "rank", "type": "integer"}]);
    let reply = on_my(&app, &admin, Method::POST, "_schema/todo/_field", fields).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(!reply.body.to_string().contains("ALTER"), "{}", reply.body);
    let after = app
        .get("/api/v2/my/_schema/todo?refresh=true", &admin)
        .await
        .body;
    assert_eq!(before, after);

    let reply = on_my(&app, &admin, Method::DELETE, "_schema/todo", Value::Null).await;
    assert_eq!(reply.body, json!({"success": true}));
    let reply = app.get("/api/v2/my/_schema/todo", &admin).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}
