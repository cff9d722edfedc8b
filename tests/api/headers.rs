//! Headers every response carries: `X-Content-Type-Options: nosniff` everywhere,
//! `Cache-Control: no-store` on whatever may carry a session token or an API key, `Allow` on
//! a 405.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{Auth, Reply, TestApp, df_error};

use crate::user_service::{PASSWORD, SESSION, configure_user_service, token_of, user_role};

fn assert_no_store(reply: &Reply, what: &str) {
    assert_eq!(reply.headers["cache-control"], "no-store", "{what}");
    assert_eq!(reply.headers["x-content-type-options"], "nosniff", "{what}");
}

#[tokio::test]
async fn every_response_says_nosniff_and_only_credential_responses_say_no_store() {
    let (app, admin) = TestApp::with_demo_service().await;
    for (path, status, cache_control) in [
        ("/", StatusCode::OK, None),
        // The page revalidates: it changes with each release.
        ("/docs", StatusCode::OK, Some("no-cache")),
        ("/nowhere", StatusCode::NOT_FOUND, None),
        ("/api/v2/db/_table/contact?limit=1", StatusCode::OK, None),
        ("/api/v2/db/_table/nothing", StatusCode::NOT_FOUND, None),
        ("/api/v2/api_docs/db", StatusCode::OK, None),
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.url))
            .header("X-DreamFactory-Session-Token", &admin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(
            response.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
        let cache = response.headers().get("cache-control");
        assert_eq!(cache.map(|v| v.to_str().unwrap()), cache_control, "{path}");
    }
    let reply = app
        .send(Method::GET, "/api/v2/system/environment", None, None)
        .await;
    assert_no_store(&reply, "environment");
}

#[tokio::test]
async fn admin_sessions_and_app_keys_are_never_stored() {
    let app = TestApp::spawn().await;
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/admin/session",
            None,
            Some(json!({"email": sluice_tests::ADMIN_EMAIL,
                        "password": sluice_tests::ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_no_store(&reply, "admin login");
    let token = reply.body["session_token"].as_str().unwrap().to_string();
    let reply = app.get("/api/v2/system/admin/session", &token).await;
    assert!(reply.body["session_token"].is_string());
    assert_no_store(&reply, "admin session");
    let reply = app
        .send(
            Method::PUT,
            "/api/v2/system/admin/session",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_no_store(&reply, "admin refresh");
    let token = reply.body["session_token"].as_str().unwrap().to_string();

    let (id, _) = app.create_app(&token, "portal", None).await;
    for path in [
        format!("/api/v2/system/app/{id}"),
        "/api/v2/system/app?fields=api_key".to_string(),
    ] {
        let reply = app.get(&path, &token).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.body.to_string().contains("api_key"), "{path}");
        assert_no_store(&reply, &path);
    }
    // Failures too: a client must not keep any answer of these endpoints.
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/admin/session",
            None,
            Some(json!({"email": "nobody@example.com", "password": "wrong password here"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_no_store(&reply, "failed login");
}

#[tokio::test]
async fn user_sessions_registration_and_password_changes_are_never_stored() {
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    let role_id = user_role(&app, &admin, "self-registered", None).await;
    let (_, key) = app.create_app(&admin, "portal", None).await;
    let reply = configure_user_service(
        &app,
        &admin,
        json!({"allow_open_registration": true, "open_reg_role_id": role_id}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let reply = app
        .call(
            Method::POST,
            "/api/v2/user/register?login=true",
            Auth::key(&key),
            Some(json!({"email": "jane@example.com", "password": PASSWORD})),
        )
        .await;
    assert!(reply.body["session_token"].is_string(), "{}", reply.body);
    assert_no_store(&reply, "register with login");

    let reply = app
        .call(
            Method::POST,
            SESSION,
            Auth::key(&key),
            Some(json!({"email": "jane@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_no_store(&reply, "user login");

    let token = token_of(&app, "jane@example.com", PASSWORD, Some(&key)).await;
    let reply = app
        .call(Method::GET, SESSION, Auth::both(&token, &key), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_no_store(&reply, "user session");

    let reply = app
        .call(
            Method::PUT,
            "/api/v2/user/password?login=true",
            Auth::both(&token, &key),
            Some(json!({"old_password": PASSWORD,
                        "new_password": "an even longer new password"})),
        )
        .await;
    assert!(reply.body["session_token"].is_string(), "{}", reply.body);
    assert_no_store(&reply, "password change with login");
}

#[tokio::test]
async fn a_405_names_the_allowed_methods() {
    let (app, admin) = TestApp::with_demo_service().await;
    for path in ["/api/v2/db/_table/contact", "/api/v2/db/_table/contact/1"] {
        let reply = app.send(Method::OPTIONS, path, Some(&admin), None).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(
            reply.body,
            df_error(405, "The request method is not supported by this resource.")
        );
        assert_eq!(
            reply.headers["allow"], "GET, POST, PUT, PATCH, DELETE",
            "{path}"
        );
        assert_eq!(reply.headers["x-content-type-options"], "nosniff");
    }
}
