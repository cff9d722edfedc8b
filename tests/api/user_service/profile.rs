//! `/user/profile`: the signed-in user's own profile.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{Auth, TestApp, df_error, df_error_hint, hints};

use super::{NO_SESSION, PASSWORD, REVOKED, SESSION, login, token_of};

const PROFILE: &str = "/api/v2/user/profile";

#[tokio::test]
async fn the_profile_is_read_and_updated_by_its_user() {
    let app = TestApp::spawn().await;
    app.insert_user_directly("ann@example.com", PASSWORD, "Ann Lee")
        .await;
    let token = token_of(&app, "ann@example.com", PASSWORD, None).await;
    let reply = app
        .call(Method::GET, PROFILE, Auth::token(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({"username": null, "first_name": null, "last_name": null, "name": "Ann Lee",
               "email": "ann@example.com", "phone": null, "security_question": null,
               "default_app_id": null, "oauth_provider": "", "adldap": ""})
    );

    let reply = app
        .call(
            Method::POST,
            PROFILE,
            Auth::token(&token),
            Some(
                json!({"first_name": "Ann", "last_name": "Lee", "phone": "555-0100",
                        "security_question": "First pet?", "security_answer": "Rex",
                        "name": null, "is_sys_admin": true}),
            ),
        )
        .await;
    assert_eq!(reply.body, json!({"success": true}));
    let reply = app
        .call(Method::GET, PROFILE, Auth::token(&token), None)
        .await;
    assert_eq!(
        reply.body,
        json!({"username": null, "first_name": "Ann", "last_name": "Lee", "name": "Ann Lee",
               "email": "ann@example.com", "phone": "555-0100",
               "security_question": "First pet?", "default_app_id": null,
               "oauth_provider": "", "adldap": ""})
    );
    // `is_sys_admin` is not a profile field: still a user.
    let session = app
        .call(Method::GET, SESSION, Auth::token(&token), None)
        .await;
    assert_eq!(session.body["is_sys_admin"], false);

    let reply = app
        .call(
            Method::PATCH,
            PROFILE,
            Auth::token(&token),
            Some(json!({"name": "  "})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app
        .call(Method::PUT, PROFILE, Auth::token(&token), Some(json!({})))
        .await;
    assert_eq!(reply.body, df_error(400, "No data supplied for operation."));
}

#[tokio::test]
async fn without_a_session_the_profile_is_refused() {
    let app = TestApp::spawn().await;
    let reply = app.call(Method::GET, PROFILE, Auth::default(), None).await;
    assert_eq!(reply.body, df_error(401, NO_SESSION));
    let reply = app
        .call(
            Method::POST,
            PROFILE,
            Auth::default(),
            Some(json!({"phone": "1"})),
        )
        .await;
    assert_eq!(reply.body, df_error(404, "No user session found."));
}

#[tokio::test]
async fn changing_the_email_needs_the_password_and_ends_other_sessions() {
    let app = TestApp::spawn().await;
    app.insert_user_directly("ann@example.com", PASSWORD, "Ann Lee")
        .await;
    let token = token_of(&app, "ann@example.com", PASSWORD, None).await;
    let change = |body| app.call(Method::POST, PROFILE, Auth::token(&token), Some(body));
    let reply = change(json!({"email": "ann.lee@example.com"})).await;
    assert_eq!(
        reply.body["error"]["context"],
        json!({"current_password": ["The current_password field is required to change the email."]})
    );
    let reply = change(json!({"email": "ann.lee@example.com",
                              "current_password": "not the password at all"}))
    .await;
    assert_eq!(
        reply.body,
        df_error(400, "The password supplied does not match.")
    );
    let reply = change(json!({"email": "ann.lee@example.com", "current_password": PASSWORD})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let new_token = reply.body["session_token"].as_str().unwrap().to_string();

    let old = app
        .call(Method::GET, SESSION, Auth::token(&token), None)
        .await;
    assert_eq!(old.body, df_error_hint(403, REVOKED, hints::REVOKED));
    let current = app
        .call(Method::GET, SESSION, Auth::token(&new_token), None)
        .await;
    assert_eq!(current.body["email"], "ann.lee@example.com");
    let reply = login(&app, "ann@example.com", PASSWORD, None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    token_of(&app, "ann.lee@example.com", PASSWORD, None).await;
}
