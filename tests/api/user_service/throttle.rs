//! The failed-login throttle: per account and per client address (127.0.0.1 in tests).

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Reply, TestApp, df_error};

use super::{PASSWORD, login, token_of};

/// Asserts a 429 with `Retry-After: N` and DreamFactory's envelope naming the same N.
fn assert_throttled(reply: &Reply) {
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    let seconds: u32 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&seconds), "{seconds}");
    assert_eq!(
        reply.body,
        df_error(
            429,
            &format!("Too many failed login attempts. Try again in {seconds} seconds.")
        )
    );
}

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account_even_for_the_right_one() {
    let app = TestApp::spawn().await;
    app.insert_user_directly("ann@example.com", PASSWORD, "Ann Lee")
        .await;
    app.insert_user_directly("bob@example.com", PASSWORD, "Bob")
        .await;
    for _ in 0..10 {
        let reply = login(&app, "ann@example.com", "not the password at all", None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    assert_throttled(&login(&app, "ann@example.com", PASSWORD, None).await);
    // The email is matched case-insensitively; other accounts are not affected.
    assert_throttled(&login(&app, "ANN@example.com", PASSWORD, None).await);
    token_of(&app, "bob@example.com", PASSWORD, None).await;
}

#[tokio::test]
async fn a_successful_login_resets_the_account_count() {
    let app = TestApp::spawn().await;
    app.insert_user_directly("ann@example.com", PASSWORD, "Ann Lee")
        .await;
    for _ in 0..9 {
        login(&app, "ann@example.com", "not the password at all", None).await;
    }
    token_of(&app, "ann@example.com", PASSWORD, None).await;
    for _ in 0..9 {
        let reply = login(&app, "ann@example.com", "not the password at all", None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    token_of(&app, "ann@example.com", PASSWORD, None).await;
}

#[tokio::test]
async fn administrator_logins_are_throttled_too() {
    let app = TestApp::spawn().await;
    let admin_login = |password: &str| {
        app.send(
            Method::POST,
            "/api/v2/system/admin/session",
            None,
            Some(json!({"email": ADMIN_EMAIL, "password": password})),
        )
    };
    for _ in 0..10 {
        let reply = admin_login("not the password at all").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    assert_throttled(&admin_login(ADMIN_PASSWORD).await);
}

#[tokio::test]
async fn the_address_limit_spans_accounts() {
    let env = vec![(
        "SLUICE__AUTH__LOGIN_FAILURES_PER_IP_PER_MINUTE".to_string(),
        "5".to_string(),
    )];
    let app = TestApp::spawn_with_env(env).await;
    app.insert_user_directly("ann@example.com", PASSWORD, "Ann Lee")
        .await;
    for n in 0..5 {
        let reply = login(&app, &format!("guess{n}@example.com"), PASSWORD, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    assert_throttled(&login(&app, "ann@example.com", PASSWORD, None).await);
}
