//! `/api/v2/system/user` and `/api/v2/system/admin`: accounts with DreamFactory's fields and
//! hidden secrets, the two kinds kept apart, per-app roles through
//! `user_to_app_to_role_by_user_id` (seed "Assigning Roles to Users"), and the sessions a
//! password change revokes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Reply, TestApp, df_error, df_error_hint, hints};

const PASSWORD: &str = "a long enough password";
const ASSIGNMENTS: &str = "user_to_app_to_role_by_user_id";
const REVOKED: &str = "The token has been blacklisted: Session terminated. Please re-login.";

/// 400 `Invalid data supplied. {message}` with context `{field: [message]}`.
fn invalid(field: &str, message: &str) -> Value {
    json!({"error": {"code": 400, "context": {field: [message]},
                     "message": format!("Invalid data supplied. {message}"), "status_code": 400}})
}

/// Signs an administrator in and returns `(token, user id)`.
async fn admin_login(app: &TestApp, email: &str, password: &str) -> (String, i64) {
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/admin/session",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let token = reply.body["session_token"].as_str().expect("token");
    (token.to_string(), reply.body["id"].as_i64().expect("id"))
}

async fn post(app: &TestApp, token: &str, path: &str, record: Value) -> Reply {
    let body = json!({ "resource": [record] });
    app.send(Method::POST, path, Some(token), Some(body)).await
}

async fn created_id(app: &TestApp, token: &str, path: &str, record: Value) -> i64 {
    let reply = post(app, token, path, record).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["resource"][0]["id"].as_i64().expect("id")
}

#[tokio::test]
async fn a_created_user_reads_back_with_dreamfactory_fields_and_no_secrets() {
    let app = TestApp::spawn().await;
    let (token, admin_id) = admin_login(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let record = json!({"email": "ada@example.com", "password": PASSWORD, "first_name": "Ada",
                        "last_name": "Lovelace", "phone": "+44 20 7946 0000",
                        "security_question": "First machine?", "security_answer": "Analytical",
                        "is_sys_admin": true, "confirm_code": "ABC"});

    let reply = post(&app, &token, "/api/v2/system/user", record).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.body["resource"][0]["id"].as_i64().unwrap();
    assert_eq!(reply.body, json!({"resource": [{"id": id}]}));

    let reply = app.get(&format!("/api/v2/system/user/{id}"), &token).await;
    assert_eq!(reply.status, StatusCode::OK);
    let stamp = reply.body["created_date"].clone();
    assert!(stamp.is_string());
    assert_eq!(
        reply.body,
        json!({"id": id, "name": "Ada Lovelace", "username": "ada@example.com",
               "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
               "is_active": true, "phone": "+44 20 7946 0000",
               "security_question": "First machine?", "default_app_id": null,
               "last_login_date": null, "oauth_provider": null, "adldap": null,
               "ldap_username": null, "saml": null, "created_date": stamp,
               "last_modified_date": stamp, "created_by_id": admin_id,
               "last_modified_by_id": admin_id, "confirmed": true, "expired": false})
    );
    let patch = json!({"email": "ada.l@example.com", "phone": null, "name": ""});
    let url = format!("/api/v2/system/user/{id}?fields=name,username,email,phone");
    let reply = app
        .send(Method::PATCH, &url, Some(&token), Some(patch))
        .await;
    assert_eq!(
        reply.body,
        json!({"name": "Ada Lovelace", "username": "ada.l@example.com",
               "email": "ada.l@example.com", "phone": null})
    );
    let list = app.get("/api/v2/system/user?fields=id,email", &token).await;
    assert_eq!(
        list.body,
        json!({"resource": [{"id": id, "email": "ada.l@example.com"}]})
    );
    let secret = app
        .get("/api/v2/system/user?filter=password%3D'x'", &token)
        .await;
    assert_eq!(secret.status, StatusCode::BAD_REQUEST, "{}", secret.body);
}

#[tokio::test]
async fn names_are_derived_from_first_and_last_name_or_the_email() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let cases = [
        (json!({"email": "grace.hopper@example.com"}), "grace.hopper"),
        (
            json!({"email": "g2@example.com", "first_name": "Grace"}),
            "Grace",
        ),
        (
            json!({"email": "g3@example.com", "first_name": "Grace", "last_name": "Hopper",
                   "name": "Amazing Grace"}),
            "Amazing Grace",
        ),
    ];
    for (record, name) in cases {
        let id = created_id(&app, &token, "/api/v2/system/user", record).await;
        let reply = app
            .get(&format!("/api/v2/system/user/{id}?fields=name"), &token)
            .await;
        assert_eq!(reply.body, json!({ "name": name }));
    }
}

#[tokio::test]
async fn invalid_users_are_400s_with_the_field_in_the_context() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    created_id(
        &app,
        &token,
        "/api/v2/system/user",
        json!({"email": "ada@example.com"}),
    )
    .await;
    let cases = [
        (
            json!({"email": "ADA@example.com"}),
            invalid("email", "The email has already been taken."),
        ),
        (
            json!({"email": ADMIN_EMAIL}),
            invalid("email", "The email has already been taken."),
        ),
        (
            json!({"email": "bob@example.com", "password": "too short"}),
            invalid("password", "The password must be at least 16 characters."),
        ),
        (
            json!({"first_name": "Bob"}),
            invalid("email", "The email field is required."),
        ),
        (
            json!({"email": "not an email"}),
            invalid("email", "The email must be a valid email address."),
        ),
        (
            json!({"email": "bob@example.com", "username": "bob"}),
            invalid("username", "The username must be at least 6 characters."),
        ),
        (
            json!({"email": "bob@example.com", "default_app_id": 99}),
            invalid("default_app_id", "The app id 99 does not exist."),
        ),
    ];
    for (record, expected) in cases {
        let reply = post(&app, &token, "/api/v2/system/user", record.clone()).await;
        assert_eq!(reply.body, expected, "{record}");
    }
    let count = app.get("/api/v2/system/user?count_only=true", &token).await;
    assert_eq!(count.body, json!(1));
    let other = created_id(
        &app,
        &token,
        "/api/v2/system/user",
        json!({"email": "b@example.com"}),
    )
    .await;
    let url = format!("/api/v2/system/user/{other}");
    let taken = json!({"email": "Ada@Example.com"});
    let reply = app
        .send(Method::PATCH, &url, Some(&token), Some(taken))
        .await;
    assert_eq!(
        reply.body,
        invalid("email", "The email has already been taken.")
    );
}

#[tokio::test]
async fn users_and_admins_are_separate_resources() {
    let app = TestApp::spawn().await;
    let (token, admin_id) = admin_login(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let user = created_id(
        &app,
        &token,
        "/api/v2/system/user",
        json!({"email": "u@example.com"}),
    )
    .await;
    let record = json!({"email": "second@example.com", "password": PASSWORD});
    let admin = created_id(&app, &token, "/api/v2/system/admin", record).await;

    let users = app.get("/api/v2/system/user?as_list=true", &token).await;
    assert_eq!(users.body, json!({"resource": [user]}));
    let admins = app.get("/api/v2/system/admin?as_list=true", &token).await;
    assert_eq!(admins.body, json!({"resource": [admin_id, admin]}));
    for (path, id) in [("user", admin), ("user", admin_id), ("admin", user)] {
        let missing = df_error(404, &format!("Record with identifier '{id}' not found."));
        let url = format!("/api/v2/system/{path}/{id}");
        let reply = app.get(&url, &token).await;
        assert_eq!(reply.body, missing, "GET {url}");
        let reply = app
            .send(
                Method::PATCH,
                &url,
                Some(&token),
                Some(json!({"name": "x"})),
            )
            .await;
        assert_eq!(reply.body, missing, "PATCH {url}");
        let reply = app.send(Method::DELETE, &url, Some(&token), None).await;
        assert_eq!(reply.body, missing, "DELETE {url}");
    }
    // The one created through /system/admin is an administrator: it may sign in there.
    admin_login(&app, "second@example.com", PASSWORD).await;
    let names = app.get("/api/v2/system?as_list=true", &token).await;
    let names = names.body["resource"].as_array().unwrap().clone();
    assert!(names.contains(&json!("user")) && names.contains(&json!("admin")));
}

#[tokio::test]
async fn the_seed_assigns_a_role_per_app_and_reads_it_back() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let role_id = app
        .create_role(&token, json!({"name": "viewer", "is_active": true}))
        .await;
    let (app_id, _) = app.create_app(&token, "portal", None).await;
    let (other_app, _) = app.create_app(&token, "intranet", None).await;
    let user = created_id(
        &app,
        &token,
        "/api/v2/system/user",
        json!({"email": "u@example.com"}),
    )
    .await;
    let path = format!("/api/v2/system/user/{user}?related={ASSIGNMENTS}");

    let body = json!({ ASSIGNMENTS: [{"app_id": app_id.to_string(), "role_id": role_id,
                                      "user_id": user}] });
    let reply = app.send(Method::PUT, &path, Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let assignment = reply.body[ASSIGNMENTS][0]["id"].as_i64().expect("row id");
    let rows = json!([{"id": assignment, "user_id": user, "app_id": app_id, "role_id": role_id}]);
    assert_eq!(reply.body[ASSIGNMENTS], rows);
    assert_eq!(reply.body["email"], json!("u@example.com"));
    let reply = app.get(&path, &token).await;
    assert_eq!(reply.body[ASSIGNMENTS], rows);

    let bad = [
        (
            json!({"app_id": 999, "role_id": role_id}),
            invalid("app_id", "The app id 999 does not exist."),
        ),
        (
            json!({"app_id": other_app, "role_id": 999}),
            invalid("role_id", "The role id 999 does not exist."),
        ),
        (
            json!({"app_id": app_id, "role_id": role_id}),
            invalid(
                "app_id",
                &format!("The user already has a role for the app id {app_id}."),
            ),
        ),
    ];
    for (row, expected) in bad {
        let body = json!({"name": "Renamed", ASSIGNMENTS: [row]});
        let reply = app
            .send(Method::PATCH, &path, Some(&token), Some(body))
            .await;
        assert_eq!(reply.body, expected);
    }
    let unchanged = app.get(&path, &token).await;
    assert_eq!(
        unchanged.body["name"],
        json!("u"),
        "the user change rolled back too"
    );

    let body = json!({ ASSIGNMENTS: [{"id": assignment, "user_id": null}] });
    let reply = app.send(Method::PUT, &path, Some(&token), Some(body)).await;
    assert_eq!(reply.body[ASSIGNMENTS], json!([]));
    assert_eq!(app.get(&path, &token).await.body[ASSIGNMENTS], json!([]));
}

#[tokio::test]
async fn a_user_created_with_roles_and_lookups_reads_them_back() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let role_id = app
        .create_role(&token, json!({"name": "viewer", "is_active": true}))
        .await;
    let (app_id, _) = app.create_app(&token, "portal", None).await;
    let record = json!({"email": "u@example.com", ASSIGNMENTS: [{"app_id": app_id,
                                                                  "role_id": role_id}]});
    let user = created_id(&app, &token, "/api/v2/system/user", record).await;
    let lookup = json!({"name": "tenant", "value": "acme", "private": true, "user_id": user});
    let lookup_id = created_id(&app, &token, "/api/v2/system/lookup", lookup).await;

    let reply = app
        .get(
            "/api/v2/system/user?related=*&fields=id&filter=email%3D'u@example.com'",
            &token,
        )
        .await;
    let row = &reply.body["resource"][0];
    assert_eq!(row["id"], json!(user));
    assert_eq!(row[ASSIGNMENTS][0]["app_id"], json!(app_id));
    assert_eq!(row["lookup_by_user_id"][0]["id"], json!(lookup_id));
    assert_eq!(row["lookup_by_user_id"][0]["value"], json!("**********"));
}

#[tokio::test]
async fn administrators_cannot_delete_themselves_or_lock_the_instance() {
    let app = TestApp::spawn().await;
    let (token, admin_id) = admin_login(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let url = format!("/api/v2/system/admin/{admin_id}");

    let reply = app.send(Method::DELETE, &url, Some(&token), None).await;
    assert_eq!(
        reply.body,
        df_error(403, "You are not allowed to delete your own account.")
    );
    let last = df_error(
        403,
        "You are not allowed to deactivate or restrict the last active administrator.",
    );
    let body = json!({"is_active": false});
    let reply = app
        .send(Method::PATCH, &url, Some(&token), Some(body))
        .await;
    assert_eq!(reply.body, last);
    let role_id = app
        .create_role(&token, json!({"name": "viewer", "is_active": true}))
        .await;
    let (app_id, _) = app.create_app(&token, "portal", None).await;
    let body = json!({ ASSIGNMENTS: [{"app_id": app_id, "role_id": role_id}] });
    let reply = app
        .send(Method::PATCH, &url, Some(&token), Some(body))
        .await;
    assert_eq!(reply.body, last);
    assert_eq!(app.get(&url, &token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_password_change_revokes_the_sessions_of_that_administrator() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let record = json!({"email": "second@example.com", "password": PASSWORD});
    let second = created_id(&app, &token, "/api/v2/system/admin", record).await;
    let (second_token, _) = admin_login(&app, "second@example.com", PASSWORD).await;
    let reply = app.get("/api/v2/system/admin", &second_token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let new_password = "an entirely new passphrase";
    let body = json!({"password": new_password});
    let url = format!("/api/v2/system/admin/{second}");
    let reply = app
        .send(Method::PATCH, &url, Some(&token), Some(body))
        .await;
    assert_eq!(reply.body, json!({ "id": second }));

    let reply = app.get("/api/v2/system/admin", &second_token).await;
    assert_eq!(reply.body, df_error_hint(403, REVOKED, hints::REVOKED));
    let (fresh, _) = admin_login(&app, "second@example.com", new_password).await;
    assert_eq!(app.get(&url, &fresh).await.status, StatusCode::OK);
    let old = app
        .send(
            Method::POST,
            "/api/v2/system/admin/session",
            None,
            Some(json!({"email": "second@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(
        old.body,
        df_error_hint(401, "Invalid credentials supplied.", hints::ADMIN_LOGIN)
    );
}

#[tokio::test]
async fn deactivating_or_deleting_an_administrator_ends_its_sessions() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let mut ids = Vec::new();
    for email in ["second@example.com", "third@example.com"] {
        let record = json!({"email": email, "password": PASSWORD});
        ids.push(created_id(&app, &token, "/api/v2/system/admin", record).await);
    }
    let (second_token, _) = admin_login(&app, "second@example.com", PASSWORD).await;
    let (third_token, _) = admin_login(&app, "third@example.com", PASSWORD).await;

    let url = format!("/api/v2/system/admin/{}", ids[0]);
    let body = json!({"is_active": false});
    let reply = app
        .send(Method::PATCH, &url, Some(&token), Some(body))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let url = format!("/api/v2/system/admin/{}?fields=email", ids[1]);
    let reply = app.send(Method::DELETE, &url, Some(&token), None).await;
    assert_eq!(reply.body, json!({"email": "third@example.com"}));

    for stale in [second_token, third_token] {
        let reply = app.get("/api/v2/system/admin", &stale).await;
        assert_eq!(reply.body, df_error_hint(403, REVOKED, hints::REVOKED));
    }
    let gone = app.get(&url, &token).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}
