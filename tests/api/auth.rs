//! Administrator sessions: login, current session, refresh, logout, expired and revoked tokens.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{
    ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, TestApp, df_error, df_error_hint, hints,
};

const SESSION: &str = "/api/v2/system/admin/session";

#[tokio::test]
async fn login_returns_a_dreamfactory_session_object() {
    let app = TestApp::spawn().await;
    let reply = app
        .send(
            Method::POST,
            SESSION,
            None,
            Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.body.as_object().unwrap();
    let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "email",
            "first_name",
            "host",
            "id",
            "is_root_admin",
            "is_sys_admin",
            "last_login_date",
            "last_name",
            "name",
            "session_id",
            "session_token",
            "token_expiry_date"
        ]
    );
    assert_eq!(body["email"], ADMIN_EMAIL);
    assert_eq!(body["name"], "Test Admin");
    assert_eq!(body["is_sys_admin"], true);
    // The only administrator is the first one, the root administrator.
    assert_eq!(body["is_root_admin"], true);
    assert_eq!(body["session_id"], body["session_token"]);
    assert_eq!(
        body["token_expiry_date"].as_str().unwrap().len(),
        "2026-01-01 00:00:00".len()
    );
    assert!(body["last_login_date"].is_string());
    assert!(reply.headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn login_with_a_wrong_password_or_unknown_email_is_401() {
    let app = TestApp::spawn().await;
    for body in [
        json!({"email": ADMIN_EMAIL, "password": "wrong password wrong password"}),
        json!({"email": "nobody@example.com", "password": ADMIN_PASSWORD}),
    ] {
        let reply = app.send(Method::POST, SESSION, None, Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            reply.body,
            df_error_hint(401, "Invalid credentials supplied.", hints::ADMIN_LOGIN)
        );
    }
}

#[tokio::test]
async fn login_without_email_or_password_is_400() {
    let app = TestApp::spawn().await;
    let reply = app
        .send(Method::POST, SESSION, None, Some(json!({"password": "x"})))
        .await;
    assert_eq!(
        reply.body,
        df_error(400, "Login request is missing required email.")
    );
    let reply = app
        .send(
            Method::POST,
            SESSION,
            None,
            Some(json!({"email": ADMIN_EMAIL})),
        )
        .await;
    assert_eq!(
        reply.body,
        df_error(400, "Login request is missing required password.")
    );
}

#[tokio::test]
async fn get_session_returns_the_current_session() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = app.get(SESSION, &token).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["session_token"], token.as_str());
    assert_eq!(reply.body["email"], ADMIN_EMAIL);

    let reply = app.send(Method::GET, SESSION, None, None).await;
    assert_eq!(reply.body, df_error(404, "No user session found."));
}

#[tokio::test]
async fn the_token_is_accepted_from_bearer_header_and_query() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let bearer = app
        .client
        .get(format!("{}/api/v2/system/service", app.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::OK);
    let query = app
        .client
        .get(format!(
            "{}/api/v2/system/service?session_token={token}",
            app.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(query.status(), StatusCode::OK);
}

#[tokio::test]
async fn refresh_issues_a_new_token_and_revokes_the_old_one() {
    let app = TestApp::spawn().await;
    let old = app.login().await;
    let reply = app.send(Method::PUT, SESSION, Some(&old), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let new = reply.body["session_token"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(
        app.get("/api/v2/system/service", &new).await.status,
        StatusCode::OK
    );
    let reply = app.get("/api/v2/system/service", &old).await;
    assert_eq!(
        reply.body,
        df_error_hint(
            403,
            "The token has been blacklisted: Session terminated. Please re-login.",
            hints::REVOKED
        )
    );
}

#[tokio::test]
async fn logout_revokes_the_token() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = app.send(Method::DELETE, SESSION, Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({"success": true}));
    let reply = app.get("/api/v2/system/service", &token).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // Logging out without a token still succeeds, as DreamFactory.
    let reply = app.send(Method::DELETE, SESSION, None, None).await;
    assert_eq!(reply.body, json!({"success": true}));
}

fn token_with(claims: serde_json::Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn an_expired_token_is_401_and_can_still_be_refreshed() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let session = app.get(SESSION, &token).await.body;
    let now = chrono_now();
    let expired = token_with(json!({
        "sub": md5_hex(ADMIN_EMAIL), "iss": "test", "iat": now - 7200, "nbf": now - 7200,
        "exp": now - 3600, "jti": "expiredexpired01", "user_id": session["id"], "forever": false
    }));
    let reply = app.get("/api/v2/system/service", &expired).await;
    assert_eq!(
        reply.body,
        df_error_hint(
            401,
            "Token has expired: Session expired. Please refresh your token (if still within refresh window) or re-login.",
            hints::EXPIRED
        )
    );
    let reply = app.send(Method::PUT, SESSION, Some(&expired), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn a_token_past_the_refresh_window_cannot_be_refreshed() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let id = app.get(SESSION, &token).await.body["id"].clone();
    let now = chrono_now();
    let ancient = token_with(json!({
        "sub": md5_hex(ADMIN_EMAIL), "iss": "test", "iat": now - 30 * 86400, "nbf": now - 30 * 86400,
        "exp": now - 29 * 86400, "jti": "ancientancient01", "user_id": id, "forever": false
    }));
    let reply = app.send(Method::PUT, SESSION, Some(&ancient), None).await;
    assert_eq!(
        reply.body,
        df_error_hint(
            401,
            "Token refresh failed. The refresh window has expired. Please re-login.",
            hints::REFRESH_CLOSED
        )
    );
}

#[tokio::test]
async fn forged_and_malformed_tokens_are_401() {
    let app = TestApp::spawn().await;
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub":"x","iat":0,"nbf":0,"exp":9999999999i64,"jti":"j","user_id":1,"forever":false,"iss":"i"}),
        &EncodingKey::from_secret(b"not-the-server-secret-not-the-server"),
    )
    .unwrap();
    let reply = app.get("/api/v2/system/service", &forged).await;
    assert_eq!(
        reply.body,
        df_error_hint(
            401,
            "Invalid token: Token Signature could not be verified.",
            hints::INVALID_TOKEN
        )
    );
    let reply = app.get("/api/v2/system/service", "not.a.jwt").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let none_alg = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4IiwidXNlcl9pZCI6MX0.";
    assert_eq!(
        app.get("/api/v2/system/service", none_alg).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_token_for_a_changed_email_fails_user_verification() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let id = app.get(SESSION, &token).await.body["id"].clone();
    let now = chrono_now();
    let other = token_with(json!({
        "sub": md5_hex("someone-else@example.com"), "iss": "t", "iat": now, "nbf": now,
        "exp": now + 600, "jti": "otherotherother1", "user_id": id, "forever": false
    }));
    let reply = app.get("/api/v2/system/service", &other).await;
    assert_eq!(
        reply.body,
        df_error_hint(
            401,
            "Invalid token: User verification failed.",
            hints::USER_CHANGED
        )
    );
}

#[tokio::test]
async fn system_resources_without_credentials_are_400() {
    let app = TestApp::spawn().await;
    let reply = app
        .send(Method::GET, "/api/v2/system/service", None, None)
        .await;
    assert_eq!(
        reply.body,
        df_error_hint(
            400,
            "No session token (JWT) or API Key detected in request. Please send in X-DreamFactory-Session-Token and/or X-DreamFactory-API-Key request header. You can also use URL query parameters session_token and/or api_key.",
            hints::SYSTEM
        )
    );
}

#[tokio::test]
async fn revocations_survive_a_restart() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    app.send(Method::DELETE, SESSION, Some(&token), None).await;
    // A second server over the same data dir loads the revocation from the system database.
    let settings = sluice_tests::settings_for(app.data_dir.path(), Vec::new());
    let second = sluice_gateway::Application::build(settings).await.unwrap();
    let url = format!("http://127.0.0.1:{}/api/v2/system/service", second.port());
    tokio::spawn(second.run_until_stopped());
    let response = app
        .client
        .get(url)
        .header("X-DreamFactory-Session-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn md5_hex(text: &str) -> String {
    sluice_gateway::auth::tokens::email_subject(text)
}
