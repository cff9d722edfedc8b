//! `/user/password` (change and security-question reset) and bcrypt hashes imported from
//! DreamFactory.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_gateway::auth::password::hash_password;
use sluice_tests::{Auth, NewUser, TestApp, df_error, df_error_hint, hints};

use super::{PASSWORD, REVOKED, SESSION, login, token_of};

const PASSWORD_URL: &str = "/api/v2/user/password";
const NEW_PASSWORD: &str = "an even longer new password";
const NO_EMAIL_RESET: &str = "Password reset by email is not available: this server has no \
email service. Answer your security question, or ask an administrator to set a new password.";
/// PHP's `password_hash('rasmuslerdorf', PASSWORD_BCRYPT)` from the PHP manual: a `$2y$` hash
/// as DreamFactory (Laravel) stores them.
const PHP_BCRYPT: &str = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";

#[tokio::test]
async fn a_password_change_succeeds_and_ends_the_old_session() {
    let app = TestApp::spawn().await;
    app.insert_user_directly("ann@example.com", PASSWORD, "Ann Lee")
        .await;
    let token = token_of(&app, "ann@example.com", PASSWORD, None).await;
    let other = token_of(&app, "ann@example.com", PASSWORD, None).await;

    let reply = app
        .call(
            Method::POST,
            PASSWORD_URL,
            Auth::token(&token),
            Some(json!({"old_password": "not the password at all", "new_password": NEW_PASSWORD})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        df_error(400, "The password supplied does not match.")
    );
    let reply = app
        .call(
            Method::POST,
            PASSWORD_URL,
            Auth::token(&token),
            Some(json!({"old_password": PASSWORD, "new_password": "too short"})),
        )
        .await;
    assert_eq!(
        reply.body["error"]["message"],
        "Invalid data supplied. The password must be at least 16 characters."
    );

    let reply = app
        .call(
            Method::POST,
            PASSWORD_URL,
            Auth::token(&token),
            Some(json!({"old_password": PASSWORD, "new_password": NEW_PASSWORD})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"success": true}));
    for old in [&token, &other] {
        let reply = app.call(Method::GET, SESSION, Auth::token(old), None).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(reply.body, df_error_hint(403, REVOKED, hints::REVOKED));
    }
    assert_eq!(
        login(&app, "ann@example.com", PASSWORD, None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // `?login=true` answers with a fresh session.
    let token = token_of(&app, "ann@example.com", NEW_PASSWORD, None).await;
    let reply = app
        .call(
            Method::PUT,
            &format!("{PASSWORD_URL}?login=true"),
            Auth::token(&token),
            Some(json!({"old_password": NEW_PASSWORD, "new_password": PASSWORD})),
        )
        .await;
    let fresh = reply.body["session_token"].as_str().unwrap().to_string();
    assert_eq!(reply.body, json!({"success": true, "session_token": fresh}));
    let reply = app
        .call(Method::GET, SESSION, Auth::token(&fresh), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_the_security_question() {
    let app = TestApp::spawn().await;
    app.insert_user_row(NewUser {
        name: "Ann Lee".into(),
        email: "ann@example.com".into(),
        password_hash: Some(hash_password(PASSWORD.into()).await.unwrap()),
        security_question: Some("First pet?".into()),
        security_answer_hash: Some(hash_password("Rex".into()).await.unwrap()),
        is_active: true,
        ..NewUser::default()
    })
    .await;
    app.insert_user_directly("bob@example.com", PASSWORD, "Bob")
        .await;
    let reset_url = format!("{PASSWORD_URL}?reset=true");
    let reset = |body| app.send(Method::POST, &reset_url, None, Some(body));
    let reply = reset(json!({"email": "ann@example.com"})).await;
    assert_eq!(reply.body, json!({"security_question": "First pet?"}));
    // No question, no account, or no email at all: nothing tells them apart.
    for email in ["bob@example.com", "nobody@example.com"] {
        let reply = reset(json!({ "email": email })).await;
        assert_eq!(reply.body, df_error(400, NO_EMAIL_RESET));
    }
    let reply = reset(json!({})).await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "Missing required email for password reset confirmation."
        )
    );

    let confirm = |answer: &str| {
        app.send(
            Method::POST,
            PASSWORD_URL,
            None,
            Some(
                json!({"email": "ann@example.com", "security_answer": answer,
                        "new_password": NEW_PASSWORD}),
            ),
        )
    };
    let reply = confirm("Felix").await;
    assert_eq!(
        reply.body,
        df_error(400, "The answer supplied does not match.")
    );
    let reply = confirm("Rex").await;
    assert_eq!(reply.body, json!({"success": true}));
    token_of(&app, "ann@example.com", NEW_PASSWORD, None).await;

    let reply = app
        .send(
            Method::POST,
            PASSWORD_URL,
            None,
            Some(json!({"email": "ann@example.com"})),
        )
        .await;
    assert_eq!(
        reply.body,
        df_error(400, "Not enough information provided to change password.")
    );
}

#[tokio::test]
async fn a_dreamfactory_bcrypt_hash_signs_in_and_is_upgraded_to_argon2id() {
    let app = TestApp::spawn().await;
    app.insert_user_row(NewUser {
        name: "Rasmus".into(),
        email: "rasmus@example.com".into(),
        password_hash: Some(PHP_BCRYPT.into()),
        is_active: true,
        ..NewUser::default()
    })
    .await;
    let reply = login(&app, "rasmus@example.com", "not rasmuslerdorf", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.stored_password_hash("rasmus@example.com")
            .await
            .as_deref(),
        Some(PHP_BCRYPT)
    );

    token_of(&app, "rasmus@example.com", "rasmuslerdorf", None).await;
    let stored = app
        .stored_password_hash("rasmus@example.com")
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    token_of(&app, "rasmus@example.com", "rasmuslerdorf", None).await;

    // Administrators imported the same way too.
    app.insert_user_row(NewUser {
        name: "Old Admin".into(),
        email: "old-admin@example.com".into(),
        password_hash: Some(PHP_BCRYPT.into()),
        is_sys_admin: true,
        is_active: true,
        ..NewUser::default()
    })
    .await;
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/admin/session",
            None,
            Some(json!({"email": "old-admin@example.com", "password": "rasmuslerdorf"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let stored = app
        .stored_password_hash("old-admin@example.com")
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
}
