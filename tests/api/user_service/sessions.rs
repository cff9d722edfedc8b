//! `/user/session`: login, current session, refresh and logout for non-admin users.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Auth, TestApp, df_error, df_error_hint, hints};

use super::{NO_SESSION, PASSWORD, REVOKED, SESSION, is_df_date, login, token_of, user_role};

/// The session object DreamFactory returns, built from the parts that vary per call.
fn expected_session(body: &Value, id: i64, role: Option<(&str, i64)>) -> Value {
    let token = body["session_token"].clone();
    let mut expected = json!({
        "session_token": token,
        "session_id": token,
        "id": id,
        "name": "Ann Lee",
        "first_name": null,
        "last_name": null,
        "email": "ann@example.com",
        "is_sys_admin": false,
        "is_root_admin": false,
        "last_login_date": body["last_login_date"],
        "host": body["host"],
        "token_expiry_date": body["token_expiry_date"],
    });
    if let Some((name, role_id)) = role {
        expected["role"] = json!(name);
        expected["role_id"] = json!(role_id);
    }
    expected
}

#[tokio::test]
async fn login_current_refresh_and_logout_answer_dreamfactory_bodies() {
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    let role_id = user_role(&app, &admin, "members", None).await;
    let (_, key) = app.create_app(&admin, "portal", Some(role_id)).await;
    let id = app
        .insert_user_directly("ann@example.com", PASSWORD, "Ann Lee")
        .await;

    // With an API key the app's role is reported.
    let reply = login(&app, "ann@example.com", PASSWORD, Some(&key)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        expected_session(&reply.body, id, Some(("members", role_id)))
    );
    assert!(is_df_date(&reply.body["last_login_date"]));
    assert!(is_df_date(&reply.body["token_expiry_date"]));
    let token = reply.body["session_token"].as_str().unwrap().to_string();

    // A stale or bogus token sent with a login is ignored.
    let reply = app
        .call(
            Method::POST,
            SESSION,
            Auth::both("not.a.jwt", &key),
            Some(json!({"email": "ann@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // Without one, no app and so no role.
    let reply = login(&app, "ann@example.com", PASSWORD, None).await;
    assert_eq!(reply.body, expected_session(&reply.body, id, None));

    let current = app
        .call(Method::GET, SESSION, Auth::both(&token, &key), None)
        .await;
    assert_eq!(current.status, StatusCode::OK);
    assert_eq!(
        current.body,
        expected_session(&current.body, id, Some(("members", role_id)))
    );
    assert_eq!(current.body["session_token"], token.as_str());

    let refreshed = app
        .call(Method::PUT, SESSION, Auth::both(&token, &key), None)
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    let new_token = refreshed.body["session_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_token, token);
    assert_eq!(
        refreshed.body,
        expected_session(&refreshed.body, id, Some(("members", role_id)))
    );
    let reply = app
        .call(Method::GET, SESSION, Auth::token(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, df_error_hint(403, REVOKED, hints::REVOKED));

    let reply = app
        .call(Method::DELETE, SESSION, Auth::token(&new_token), None)
        .await;
    assert_eq!(reply.body, json!({"success": true}));
    let reply = app
        .call(Method::GET, SESSION, Auth::token(&new_token), None)
        .await;
    assert_eq!(reply.body, df_error_hint(403, REVOKED, hints::REVOKED));
    let reply = app
        .call(Method::DELETE, SESSION, Auth::default(), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({"success": true}));
}

#[tokio::test]
async fn without_a_session_get_is_401() {
    let app = TestApp::spawn().await;
    let reply = app.call(Method::GET, SESSION, Auth::default(), None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, df_error(401, NO_SESSION));
    let reply = app.call(Method::PUT, SESSION, Auth::default(), None).await;
    assert_eq!(reply.body, df_error(401, NO_SESSION));
}

#[tokio::test]
async fn administrators_sign_in_only_as_administrators() {
    let app = TestApp::spawn().await;
    app.insert_user_directly("ann@example.com", PASSWORD, "Ann Lee")
        .await;
    let reply = login(&app, ADMIN_EMAIL, ADMIN_PASSWORD, None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.body,
        df_error_hint(401, "Invalid credentials supplied.", hints::USER_LOGIN)
    );
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/admin/session",
            None,
            Some(json!({"email": "ann@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(
        reply.body,
        df_error_hint(401, "Invalid credentials supplied.", hints::ADMIN_LOGIN)
    );
}

#[tokio::test]
async fn bad_logins_get_dreamfactory_messages() {
    let app = TestApp::spawn().await;
    app.insert_user_directly("ann@example.com", PASSWORD, "Ann Lee")
        .await;
    let cases = [
        (
            json!({"password": PASSWORD}),
            400,
            "Login request is missing required email.",
        ),
        (
            json!({"email": "ann@example.com"}),
            400,
            "Login request is missing required password.",
        ),
        (
            json!({"email": "ann@example.com", "password": "not the password at all"}),
            401,
            "Invalid credentials supplied.",
        ),
        (
            json!({"email": "nobody@example.com", "password": PASSWORD}),
            401,
            "Invalid credentials supplied.",
        ),
    ];
    for (body, status, message) in cases {
        let reply = app.send(Method::POST, SESSION, None, Some(body)).await;
        let expected = match status {
            401 => df_error_hint(status, message, hints::USER_LOGIN),
            _ => df_error(status, message),
        };
        assert_eq!(reply.body, expected);
    }
}

#[tokio::test]
async fn an_inactive_role_or_app_refuses_the_login() {
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    let role = app
        .create_role(&admin, json!({"name": "dormant", "is_active": false}))
        .await;
    let (app_id, key) = app.create_app(&admin, "portal", Some(role)).await;
    app.insert_user_directly("ann@example.com", PASSWORD, "Ann Lee")
        .await;
    let reply = login(&app, "ann@example.com", PASSWORD, Some(&key)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, df_error(403, "Role is not active."));

    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/app/{app_id}"),
            Some(&admin),
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = login(&app, "ann@example.com", PASSWORD, Some(&key)).await;
    assert_eq!(
        reply.body,
        df_error_hint(403, "App is not active.", hints::APP_INACTIVE)
    );
    // Without the key the user still signs in, with no role.
    token_of(&app, "ann@example.com", PASSWORD, None).await;
}

#[tokio::test]
async fn unknown_resources_and_verbs_get_dreamfactory_errors() {
    let app = TestApp::spawn().await;
    let reply = app
        .send(Method::GET, "/api/v2/user/nothing", None, None)
        .await;
    assert_eq!(
        reply.body,
        df_error(404, "Resource 'nothing' not found for service 'user'.")
    );
    let reply = app
        .send(Method::GET, "/api/user/register", None, None)
        .await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "GET requests for resource 'register' are not currently supported by the 'user' service."
        )
    );
}
