//! System resource write bodies: a wrongly typed field is DreamFactory's 400 naming it on
//! every resource, unknown fields are ignored, a service's `config` is merged on update, and
//! the data-caching settings are refused until caching is built.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Reply, TestApp};

const SERVICES: &str = "/api/v2/system/service";

/// 400 `Invalid data supplied. {message}` with context `{field: [message]}`.
fn invalid(field: &str, message: &str) -> Value {
    json!({"error": {"code": 400, "context": {field: [message]},
                     "message": format!("Invalid data supplied. {message}"), "status_code": 400}})
}

async fn post(app: &TestApp, token: &str, path: &str, record: Value) -> Reply {
    let body = json!({ "resource": [record] });
    app.send(Method::POST, path, Some(token), Some(body)).await
}

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> Reply {
    app.send(Method::PATCH, path, Some(token), Some(body)).await
}

#[tokio::test]
async fn a_wrongly_typed_field_is_a_400_naming_it_on_every_resource() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let cases = [
        (
            "service",
            json!({"name": "x", "type": "sqlite", "label": 5,
                   "config": {"database": "demo.sqlite"}}),
            invalid("label", "The label must be a string."),
        ),
        (
            "role",
            json!({"name": "r", "is_active": "yes"}),
            invalid("is_active", "The is_active field must be true or false."),
        ),
        (
            "role",
            json!({"name": "r", "role_service_access_by_role_id": [{"verb_mask": "all"}]}),
            invalid("verb_mask", "The verb_mask must be an integer."),
        ),
        (
            "role",
            json!({"name": "r", "role_service_access_by_role_id": {"verb_mask": 1}}),
            invalid(
                "role_service_access_by_role_id",
                "The access rows must be an array.",
            ),
        ),
        (
            "app",
            json!({"name": "a", "role_id": [1]}),
            invalid("role_id", "The role_id must be an integer."),
        ),
        (
            "lookup",
            json!({"name": "tenant", "private": "no"}),
            invalid("private", "The private field must be true or false."),
        ),
        (
            "user",
            json!({"email": "ada@example.com", "phone": 123}),
            invalid("phone", "The phone must be a string."),
        ),
        (
            "user",
            json!({"email": "ada@example.com",
                   "user_to_app_to_role_by_user_id": [{"app_id": "one", "role_id": 1}]}),
            invalid("app_id", "The app_id must be an integer."),
        ),
        (
            "admin",
            json!({"email": "root@example.com", "default_app_id": true}),
            invalid("default_app_id", "The default_app_id must be an integer."),
        ),
    ];
    for (resource, record, expected) in cases {
        let path = format!("/api/v2/system/{resource}");
        let reply = post(&app, &token, &path, record.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{resource}: {record}"
        );
        assert_eq!(reply.body, expected, "{resource}: {record}");
    }
    // Nothing was written: the lists hold only what the instance starts with (the three
    // default apps).
    for (resource, count) in [("role", 0), ("app", 3), ("lookup", 0), ("user", 0)] {
        let reply = app
            .get(
                &format!("/api/v2/system/{resource}?count_only=true"),
                &token,
            )
            .await;
        assert_eq!(reply.body, json!(count), "{resource}");
    }

    // The same on an update, which leaves the record as it was.
    let reply = post(&app, &token, "/api/v2/system/role", json!({"name": "r"})).await;
    let id = &reply.body["resource"][0]["id"];
    let path = format!("/api/v2/system/role/{id}");
    let reply = patch(
        &app,
        &token,
        &path,
        json!({"name": "s", "description": false}),
    )
    .await;
    assert_eq!(
        reply.body,
        invalid("description", "The description must be a string.")
    );
    let reply = app.get(&format!("{path}?fields=name"), &token).await;
    assert_eq!(reply.body, json!({"name": "r"}));
}

#[tokio::test]
async fn unknown_fields_in_a_record_are_ignored() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = post(
        &app,
        &token,
        "/api/v2/system/role",
        json!({"name": "r", "is_active": true, "colour": "blue", "id_of_something": [1]}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = &reply.body["resource"][0]["id"];
    let reply = app
        .get(
            &format!("/api/v2/system/role/{id}?fields=name,is_active"),
            &token,
        )
        .await;
    assert_eq!(reply.body, json!({"name": "r", "is_active": true}));
}

async fn service_id(app: &TestApp, token: &str, name: &str) -> Value {
    let reply = app
        .get(&format!("{SERVICES}?fields=id&filter=name%3D{name}"), token)
        .await;
    reply.body["resource"][0]["id"].clone()
}

async fn config_of(app: &TestApp, token: &str, id: &Value) -> Value {
    let reply = app
        .get(&format!("{SERVICES}/{id}?fields=config"), token)
        .await;
    reply.body["config"].clone()
}

#[tokio::test]
async fn a_partial_config_is_merged_into_the_stored_one() {
    let (app, token) = TestApp::with_demo_service().await;
    let id = service_id(&app, &token, "db").await;
    let one = format!("{SERVICES}/{id}");

    let reply = patch(&app, &token, &one, json!({"config": {"max_records": 5}})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        config_of(&app, &token, &id).await,
        json!({"database": "demo.sqlite", "max_records": 5, "allow_upsert": false,
               "cache_enabled": false, "cache_ttl": 0})
    );
    // The new cap takes effect at once.
    let reply = app.get("/api/v2/db/_table/employees", &token).await;
    assert_eq!(reply.body["resource"].as_array().map(Vec::len), Some(5));

    // PUT is PATCH; `null` puts a key back to its default.
    let reply = app
        .send(
            Method::PUT,
            &one,
            Some(&token),
            Some(json!({"config": {"max_records": null, "allow_upsert": true}})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        config_of(&app, &token, &id).await,
        json!({"database": "demo.sqlite", "max_records": 1000, "allow_upsert": true,
               "cache_enabled": false, "cache_ttl": 0})
    );

    // The batch forms merge the same way: records carrying `id`, and `ids=`.
    let reply = patch(
        &app,
        &token,
        SERVICES,
        json!({"resource": [{"id": id, "config": {"max_records": 7}}]}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = patch(
        &app,
        &token,
        &format!("{SERVICES}?ids={id}"),
        json!({"config": {"allow_upsert": false}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        config_of(&app, &token, &id).await,
        json!({"database": "demo.sqlite", "max_records": 7, "allow_upsert": false,
               "cache_enabled": false, "cache_ttl": 0})
    );

    // A merged config is validated whole: the database cannot be reset to nothing.
    let reply = patch(&app, &token, &one, json!({"config": {"database": null}})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(config_of(&app, &token, &id).await["max_records"], json!(7));
}

#[tokio::test]
async fn a_partial_user_service_config_keeps_the_other_settings() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = post(&app, &token, "/api/v2/system/role", json!({"name": "r"})).await;
    let role_id = reply.body["resource"][0]["id"].clone();
    let one = format!("{SERVICES}/1");
    let reply = patch(
        &app,
        &token,
        &one,
        json!({"config": {"open_reg_role_id": role_id}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = patch(
        &app,
        &token,
        &one,
        json!({"config": {"allow_open_registration": true}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        config_of(&app, &token, &json!(1)).await,
        json!({"allow_open_registration": true, "open_reg_role_id": role_id,
               "open_reg_email_service_id": null})
    );
}
