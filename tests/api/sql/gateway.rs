//! What only `POST /api/v2/{service}/_sql` has: roles (who may be granted it, denials), the
//! service's bounds, and the caches a statement invalidates.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{Auth, TestApp, df_error, df_error_hint, hints};

use super::{FIXTURE, Options, Surface, Target, Who, service_id};

#[tokio::test]
async fn a_role_with_record_rules_on_the_service_cannot_be_granted_sql() {
    let (app, admin) = TestApp::with_todo_service(json!({})).await;
    let db = service_id(&app, &admin).await;
    let message = format!(
        "Invalid data supplied. The role grants _sql on service {db} and has row filters or \
         hidden fields there: raw SQL would bypass them. Remove the _sql row or the record rules."
    );
    let mut expected = df_error(400, &message);
    expected["error"]["context"] = json!({"role_service_access_by_role_id": [
        message.trim_start_matches("Invalid data supplied. ")]});
    let sql = json!({"service_id": db, "component": "_sql", "verb_mask": 1});
    for rules in [
        json!({"service_id": db, "component": "_table/todo", "verb_mask": 1,
               "filters": [{"name": "id", "operator": "=", "value": "1"}]}),
        json!({"service_id": null, "component": "*", "verb_mask": 1,
               "hidden_fields": ["name"]}),
    ] {
        let role = json!({"resource": [{"name": "mixed", "is_active": true,
                          "role_service_access_by_role_id": [sql.clone(), rules]}]});
        let reply = app
            .send(
                Method::POST,
                "/api/v2/system/role",
                Some(&admin),
                Some(role),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert_eq!(reply.body, expected);
    }
    // Adding the rules to a role that already has `_sql` is refused the same way.
    let role = app
        .create_role(
            &admin,
            json!({"name": "sql", "is_active": true, "role_service_access_by_role_id": [sql]}),
        )
        .await;
    let rules = json!({"role_service_access_by_role_id": [
        {"service_id": db, "component": "*", "verb_mask": 1, "hidden_fields": ["note"]}]});
    let path = format!("/api/v2/system/role/{role}");
    let reply = app
        .send(Method::PATCH, &path, Some(&admin), Some(rules))
        .await;
    assert_eq!(reply.body, expected);
    let stored = app
        .get(
            &format!("{path}?related=role_service_access_by_role_id"),
            &admin,
        )
        .await;
    let rows = stored.body["role_service_access_by_role_id"]
        .as_array()
        .expect("rows");
    assert_eq!(rows.len(), 1, "nothing of the refused change was saved");
}

#[tokio::test]
async fn a_role_without_an_exact_sql_row_is_denied() {
    let (app, admin) = TestApp::with_todo_service(json!({})).await;
    let db = service_id(&app, &admin).await;
    let everything = app
        .create_role(
            &admin,
            json!({"name": "records", "is_active": true, "role_service_access_by_role_id": [
                {"service_id": db, "component": "*", "verb_mask": 31}]}),
        )
        .await;
    let (_, key) = app.create_app(&admin, "records", Some(everything)).await;
    let body = Some(json!([{"query": "SELECT 1"}]));
    let reply = app
        .call(
            Method::POST,
            "/api/v2/db/_sql",
            Auth::key(&key),
            body.clone(),
        )
        .await;
    let hint = hints::key_role_denies("POST", "_sql", "db");
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.body,
        df_error_hint(401, "Unauthorized. User is not authenticated.", &hint)
    );
    let inactive = app
        .create_role(
            &admin,
            json!({"name": "asleep", "is_active": false, "role_service_access_by_role_id": [
                {"service_id": db, "component": "_sql", "verb_mask": 3}]}),
        )
        .await;
    let (_, key) = app.create_app(&admin, "asleep", Some(inactive)).await;
    let reply = app
        .call(Method::POST, "/api/v2/db/_sql", Auth::key(&key), body)
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.body,
        df_error_hint(
            403,
            "Access Forbidden. The role assigned to you or your application or the default \
             role of your application is not active.",
            hints::ROLE_INACTIVE
        )
    );
}

#[tokio::test]
async fn only_post_runs_sql() {
    let (app, admin) = TestApp::with_todo_service(json!({})).await;
    let reply = app.get("/api/v2/db/_sql", &admin).await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "GET requests for resource '_sql' are not currently supported by the 'db' service."
        )
    );
}

#[tokio::test]
async fn a_read_returns_at_most_the_services_max_records() {
    let app = TestApp::spawn().await;
    let (app, admin) = TestApp::with_tables(app, json!({"max_records": 1}), FIXTURE).await;
    let reply = app
        .send(
            Method::POST,
            "/api/v2/db/_sql",
            Some(&admin),
            Some(json!([{"query": "SELECT id FROM people"},
                        {"query": "SELECT id FROM people LIMIT 1"}])),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body["results"][0]["error"],
        "the result has more than 1 rows, the most one statement may return: add a LIMIT"
    );
    assert_eq!(reply.body["results"][1]["rows"], json!([[1]]));
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = TestApp::spawn_with_env(vec![(
        "SLUICE__SERVER__MAX_BODY_BYTES".into(),
        "2048".into(),
    )])
    .await;
    let (app, admin) = TestApp::with_tables(app, json!({}), FIXTURE).await;
    let query = format!("SELECT '{}'", "x".repeat(4096));
    let reply = app
        .send(
            Method::POST,
            "/api/v2/db/_sql",
            Some(&admin),
            Some(json!([{"query": query}])),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.body["error"]["status_code"], 413);
}

#[tokio::test]
async fn ddl_through_sql_is_seen_by_the_table_api_at_once() {
    let target = Target::new(Surface::Gateway, Options::default()).await;
    let created = target
        .one(
            Who::Admin,
            "CREATE TABLE pets (id INTEGER PRIMARY KEY, name TEXT)",
            "",
        )
        .await;
    assert_eq!(created["type"], "write");
    target
        .one(Who::ReadWrite, "INSERT INTO pets (name) VALUES ('Rex')", "")
        .await;
    let (app, admin) = target.gateway.as_ref().expect("gateway");
    let reply = app.get("/api/v2/db/_table/pets", admin).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["resource"], json!([{"id": 1, "name": "Rex"}]));
}
