//! Roles, apps and API keys on the table API: the seed's minimum viable setup, every denial
//! message of DreamFactory's in its order (credentials, role, session, verb), role-filtered
//! listings, and changes taking effect at once.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, TestApp, df_error_hint, hints};

const NO_CREDENTIALS: &str = "No session token (JWT) or API Key detected in request. Please \
send in X-DreamFactory-Session-Token and/or X-DreamFactory-API-Key request header. You can also \
use URL query parameters session_token and/or api_key.";
const NO_SESSION_TOKEN: &str = "No session token (JWT) provided. Please provide a valid JWT \
using X-DreamFactory-Session-Token request header or 'session_token' url query parameter.";
const NO_API_KEY: &str = "No API Key provided. Please provide a valid API Key using \
X-DreamFactory-API-Key request header or 'api_key' url query parameter.";
const ROLE_NOT_FOUND: &str =
    "Role not found. A role may not be assigned to you or your application.";
const ROLE_INACTIVE: &str = "Access Forbidden. The role assigned to you or your application or \
the default role of your application is not active.";
const NOT_AUTHENTICATED: &str = "Unauthorized. User is not authenticated.";

pub async fn service_id(app: &TestApp, admin: &str, name: &str) -> i64 {
    let reply = app
        .get(
            &format!("/api/v2/system/service?filter=name%3D{name}"),
            admin,
        )
        .await;
    reply.body["resource"][0]["id"]
        .as_i64()
        .expect("service id")
}

/// A role with one access row on service `db`.
pub fn role(name: &str, db: i64, component: &str, verbs: u32, extra: Value) -> Value {
    let mut access = json!({"service_id": db, "component": component, "verb_mask": verbs,
                            "requestor_mask": 1, "filters": [], "filter_op": "AND"});
    if let (Value::Object(access), Value::Object(extra)) = (&mut access, extra) {
        access.extend(extra);
    }
    json!({"name": name, "is_active": true, "role_service_access_by_role_id": [access]})
}

/// The seed's setup: a read-only role on `_table/*`, an app with it as default role.
async fn read_only_app() -> (TestApp, String, String, i64) {
    let (app, admin) = TestApp::with_demo_service().await;
    let db = service_id(&app, &admin, "db").await;
    let role_id = app
        .create_role(&admin, role("read only", db, "_table/*", 1, json!({})))
        .await;
    let (_, key) = app.create_app(&admin, "reader", Some(role_id)).await;
    (app, admin, key, role_id)
}

#[tokio::test]
async fn an_api_key_with_a_read_only_role_reads_and_cannot_write() {
    let (app, _, key, _) = read_only_app().await;
    let reply = app
        .call(
            Method::GET,
            "/api/v2/db/_table/contact?limit=1&fields=id",
            Auth::key(&key),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"id": 1}]}));

    // Not logged in: DreamFactory answers 401 rather than 403 for an API key alone.
    let reply = app
        .call(
            Method::POST,
            "/api/v2/db/_table/contact",
            Auth::key(&key),
            Some(json!({"resource": [{"first_name": "x"}]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let hint = hints::key_role_denies("POST", "_table/contact", "db");
    assert_eq!(reply.body, df_error_hint(401, NOT_AUTHENTICATED, &hint));

    // The key also works as a query parameter, and in any header case.
    let reply = app
        .client
        .get(format!(
            "{}/api/v2/db/_table/contact?limit=1&fields=id&api_key={key}",
            app.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let reply = app
        .client
        .get(format!(
            "{}/api/v2/db/_table/contact?limit=1&fields=id",
            app.url
        ))
        .header("x-dreamfactory-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
}

#[tokio::test]
async fn denials_carry_dreamfactory_statuses_and_messages() {
    let (app, admin, key, role_id) = read_only_app().await;
    let table = "/api/v2/db/_table/contact";
    let user = app
        .create_user(&admin, "ann@example.com", "a long enough password", "Ann")
        .await;
    assert!(user > 0);
    let token = app
        .user_login("ann@example.com", "a long enough password", Some(&key))
        .await;

    let (_, bare_key) = app.create_app(&admin, "bare", None).await;

    // DreamFactory's messages; the hints tell apart what its messages do not.
    let cases = [
        (Auth::default(), 400, NO_CREDENTIALS, hints::NO_CREDENTIALS),
        (
            Auth::key("no-such-key"),
            400,
            NO_SESSION_TOKEN,
            hints::UNKNOWN_KEY,
        ),
        (
            Auth::key(&bare_key),
            400,
            NO_SESSION_TOKEN,
            hints::APP_WITHOUT_ROLE,
        ),
        (
            Auth::token(&token),
            400,
            NO_API_KEY,
            hints::SESSION_WITHOUT_KEY,
        ),
        (
            Auth::both(&token, "no-such-key"),
            403,
            ROLE_NOT_FOUND,
            hints::UNKNOWN_KEY,
        ),
        (
            Auth::both(&token, &bare_key),
            403,
            ROLE_NOT_FOUND,
            hints::NO_ROLE,
        ),
    ];
    for (auth, status, message, hint) in cases {
        let reply = app.call(Method::GET, table, auth, None).await;
        assert_eq!(reply.body, df_error_hint(status, message, hint), "{auth:?}");
    }
    let reply = app
        .call(
            Method::DELETE,
            &format!("{table}/1"),
            Auth::both(&token, &key),
            None,
        )
        .await;
    assert_eq!(
        reply.body,
        df_error_hint(
            403,
            "Access Forbidden. DELETE access to component '_table/contact/1' of service 'db' \
             is not allowed by this user's role.",
            &hints::session_role_denies("DELETE", "_table/contact/1", "db")
        )
    );

    let patch = json!({"is_active": false});
    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/role/{role_id}"),
            Some(&admin),
            Some(patch),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = app.call(Method::GET, table, Auth::key(&key), None).await;
    assert_eq!(
        reply.body,
        df_error_hint(403, ROLE_INACTIVE, hints::ROLE_INACTIVE)
    );
}

#[tokio::test]
async fn an_inactive_app_is_refused_and_a_regenerated_key_replaces_the_old_one() {
    let (app, admin, key, _) = read_only_app().await;
    let table = "/api/v2/db/_table/contact?limit=1";
    // The reader app, not one of the default apps every instance has.
    let apps = app
        .get("/api/v2/system/app?fields=id&filter=name%3Dreader", &admin)
        .await;
    let app_id = apps.body["resource"][0]["id"].as_i64().unwrap();

    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/app/{app_id}?regenerate=true&fields=api_key"),
            Some(&admin),
            Some(json!({})),
        )
        .await;
    let new_key = reply.body["api_key"].as_str().unwrap().to_string();
    assert_eq!(new_key.len(), 64);
    assert!(
        new_key
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_ne!(new_key, key);
    let old = app.call(Method::GET, table, Auth::key(&key), None).await;
    assert_eq!(
        old.body,
        df_error_hint(400, NO_SESSION_TOKEN, hints::UNKNOWN_KEY)
    );
    let new = app
        .call(Method::GET, table, Auth::key(&new_key), None)
        .await;
    assert_eq!(new.status, StatusCode::OK);

    app.send(
        Method::PATCH,
        &format!("/api/v2/system/app/{app_id}"),
        Some(&admin),
        Some(json!({"is_active": false})),
    )
    .await;
    let reply = app
        .call(Method::GET, table, Auth::key(&new_key), None)
        .await;
    assert_eq!(
        reply.body,
        df_error_hint(403, "App is not active.", hints::APP_INACTIVE)
    );
}

#[tokio::test]
async fn role_changes_take_effect_on_the_next_request() {
    let (app, admin, key, role_id) = read_only_app().await;
    let path = "/api/v2/db/_table/contact?limit=1&fields=id";
    let before = app.call(Method::GET, path, Auth::key(&key), None).await;
    assert_eq!(before.status, StatusCode::OK);

    // Replace the `_table/*` row by one for another table only.
    let role = app
        .get(
            &format!("/api/v2/system/role/{role_id}?related=role_service_access_by_role_id"),
            &admin,
        )
        .await;
    let access = &role.body["role_service_access_by_role_id"][0];
    let db = access["service_id"].as_i64().unwrap();
    let body = json!({"role_service_access_by_role_id": [
        {"id": access["id"], "role_id": null},
        {"service_id": db, "component": "_table/employees/*", "verb_mask": 1, "requestor_mask": 1}
    ]});
    let reply = app
        .send(
            Method::PUT,
            &format!("/api/v2/system/role/{role_id}?related=role_service_access_by_role_id"),
            Some(&admin),
            Some(body),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let rows = reply.body["role_service_access_by_role_id"]
        .as_array()
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["component"], "_table/employees/*");

    let after = app.call(Method::GET, path, Auth::key(&key), None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.body);
    let employees = app
        .call(
            Method::GET,
            "/api/v2/db/_table/employees?limit=1&fields=id",
            Auth::key(&key),
            None,
        )
        .await;
    assert_eq!(employees.status, StatusCode::OK, "{}", employees.body);
}

#[tokio::test]
async fn listings_show_only_what_the_role_may_reach() {
    let (app, admin) = TestApp::with_demo_service().await;
    let db = service_id(&app, &admin, "db").await;
    let role_body = json!({"name": "contacts", "is_active": true, "role_service_access_by_role_id": [
        {"service_id": db, "component": "_table", "verb_mask": 1, "requestor_mask": 1},
        {"service_id": db, "component": "_table/contact/*", "verb_mask": 1, "requestor_mask": 1}
    ]});
    let role_id = app.create_role(&admin, role_body).await;
    let (_, key) = app.create_app(&admin, "contacts", Some(role_id)).await;

    let tables = app
        .call(Method::GET, "/api/v2/db/_table", Auth::key(&key), None)
        .await;
    assert_eq!(tables.body, json!({"resource": [{"name": "contact"}]}));

    let root = app
        .call(Method::GET, "/api/v2", Auth::key(&key), None)
        .await;
    let names: Vec<&str> = root.body["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["db"]);

    let (_, bare_key) = app.create_app(&admin, "no role", None).await;
    let root = app
        .call(Method::GET, "/api/v2", Auth::key(&bare_key), None)
        .await;
    assert_eq!(root.body["services"], json!([]));
}

#[tokio::test]
async fn role_validation_refuses_bad_access_rows_with_400s() {
    let (app, admin) = TestApp::with_demo_service().await;
    let db = service_id(&app, &admin, "db").await;
    let cases = [
        (json!({"service_id": 9999}), "service_id"),
        (json!({"verb_mask": 64}), "verb_mask"),
        (json!({"requestor_mask": 4}), "requestor_mask"),
        (
            json!({"filters": [{"name": "a", "operator": "like-ish", "value": "1"}]}),
            "filters",
        ),
        (
            json!({"filters": [{"name": "1a", "operator": "=", "value": "1"}]}),
            "filters",
        ),
        (json!({"filter_op": "XOR"}), "filter_op"),
        (json!({"hidden_fields": "secret"}), "hidden_fields"),
    ];
    for (extra, field) in cases {
        let body = json!({"resource": [role("bad", db, "_table/*", 1, extra.clone())]});
        let reply = app
            .send(
                Method::POST,
                "/api/v2/system/role",
                Some(&admin),
                Some(body),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{extra}: {}",
            reply.body
        );
        assert!(
            reply.body["error"]["context"][field].is_array(),
            "{extra}: {}",
            reply.body
        );
    }
    // Nothing was half-written.
    let roles = app.get("/api/v2/system/role", &admin).await;
    assert_eq!(roles.body, json!({"resource": []}));
}

#[tokio::test]
async fn a_users_role_for_the_app_wins_over_the_apps_default_role() {
    let (app, admin, key, _) = read_only_app().await;
    let db = service_id(&app, &admin, "db").await;
    let employees_only = app
        .create_role(
            &admin,
            role("employees", db, "_table/employees/*", 1, json!({})),
        )
        .await;
    let user = app
        .create_user(&admin, "eve@example.com", "a long enough password", "Eve")
        .await;
    // The reader app, not one of the default apps every instance has.
    let apps = app
        .get("/api/v2/system/app?fields=id&filter=name%3Dreader", &admin)
        .await;
    let app_id = apps.body["resource"][0]["id"].as_i64().unwrap();
    let body = json!({"user_to_app_to_role_by_user_id": [
        {"app_id": app_id.to_string(), "role_id": employees_only, "user_id": user}
    ]});
    let reply = app
        .send(
            Method::PUT,
            &format!("/api/v2/system/user/{user}?related=user_to_app_to_role_by_user_id"),
            Some(&admin),
            Some(body),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let token = app
        .user_login("eve@example.com", "a long enough password", Some(&key))
        .await;
    let auth = Auth::both(&token, &key);
    let contact = app
        .call(Method::GET, "/api/v2/db/_table/contact?limit=1", auth, None)
        .await;
    assert_eq!(
        contact.body,
        df_error_hint(
            403,
            "Access Forbidden. GET access to component '_table/contact' of service 'db' is not \
             allowed by this user's role.",
            &hints::session_role_denies("GET", "_table/contact", "db")
        )
    );
    let employees = app
        .call(
            Method::GET,
            "/api/v2/db/_table/employees?limit=1&fields=id",
            auth,
            None,
        )
        .await;
    assert_eq!(employees.status, StatusCode::OK, "{}", employees.body);
    // The key alone still carries the app's default role.
    let with_key = app
        .call(
            Method::GET,
            "/api/v2/db/_table/contact?limit=1&fields=id",
            Auth::key(&key),
            None,
        )
        .await;
    assert_eq!(with_key.status, StatusCode::OK);
}

#[tokio::test]
async fn an_administrator_with_per_app_roles_is_restricted_by_them() {
    let (app, admin, key, role_id) = read_only_app().await;
    // The reader app, not one of the default apps every instance has.
    let apps = app
        .get("/api/v2/system/app?fields=id&filter=name%3Dreader", &admin)
        .await;
    let app_id = apps.body["resource"][0]["id"].as_i64().unwrap();
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/admin",
            Some(&admin),
            Some(json!({"resource": [{"email": "ops@example.com", "password": "a long enough password",
                "is_active": true,
                "user_to_app_to_role_by_user_id": [{"app_id": app_id, "role_id": role_id}]}]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let login = app
        .send(
            Method::POST,
            "/api/v2/system/admin/session",
            None,
            Some(json!({"email": "ops@example.com", "password": "a long enough password"})),
        )
        .await;
    let token = login.body["session_token"].as_str().unwrap().to_string();
    // Read-only through the role, and no system API (an administrator with a per-app role is
    // restricted to that role, which cannot grant the system service).
    let read = app
        .call(
            Method::GET,
            "/api/v2/db/_table/contact?limit=1&fields=id",
            Auth::both(&token, &key),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    let delete = app
        .call(
            Method::DELETE,
            "/api/v2/db/_table/contact/1",
            Auth::both(&token, &key),
            None,
        )
        .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);
    let system = app.get("/api/v2/system/role", &token).await;
    assert_eq!(system.body, df_error_hint(400, NO_API_KEY, hints::SYSTEM));
}
