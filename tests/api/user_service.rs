//! The built-in `user` service (`/api/v2/user`): non-admin sessions, open registration,
//! profile, passwords, custom values, bcrypt imports and the login throttle.

mod custom;
mod passwords;
mod profile;
mod registration;
mod sessions;
mod throttle;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, TestApp};

pub const PASSWORD: &str = "a long enough password";
pub const NO_SESSION: &str = "There is no valid session for the current request.";
pub const REVOKED: &str = "The token has been blacklisted: Session terminated. Please re-login.";
pub const SESSION: &str = "/api/v2/user/session";

/// The id of the built-in `user` service.
pub async fn user_service_id(app: &TestApp, admin: &str) -> i64 {
    let reply = app
        .get("/api/v2/system/service?filter=name%3Duser", admin)
        .await;
    reply.body["resource"][0]["id"]
        .as_i64()
        .expect("user service id")
}

/// Replaces the user service's config through the system API.
pub async fn configure_user_service(
    app: &TestApp,
    admin: &str,
    config: Value,
) -> sluice_tests::Reply {
    let id = user_service_id(app, admin).await;
    app.send(
        Method::PATCH,
        &format!("/api/v2/system/service/{id}"),
        Some(admin),
        Some(json!({ "config": config })),
    )
    .await
}

/// A role granting `verbs` on `component` of the user service (or no grants).
pub async fn user_role(app: &TestApp, admin: &str, name: &str, grant: Option<(&str, u32)>) -> i64 {
    let access = match grant {
        Some((component, verbs)) => {
            let service = user_service_id(app, admin).await;
            json!([{"service_id": service, "component": component, "verb_mask": verbs,
                    "requestor_mask": 1}])
        }
        None => json!([]),
    };
    app.create_role(
        admin,
        json!({"name": name, "is_active": true, "role_service_access_by_role_id": access}),
    )
    .await
}

/// `POST /user/session` with an optional API key; the reply as it is.
pub async fn login(
    app: &TestApp,
    email: &str,
    password: &str,
    key: Option<&str>,
) -> sluice_tests::Reply {
    let auth = Auth {
        token: None,
        api_key: key,
    };
    app.call(
        Method::POST,
        SESSION,
        auth,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

/// The session token of a successful user login.
pub async fn token_of(app: &TestApp, email: &str, password: &str, key: Option<&str>) -> String {
    let reply = login(app, email, password, key).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["session_token"]
        .as_str()
        .expect("session token")
        .to_string()
}

/// `YYYY-MM-DD HH:MM:SS`, DreamFactory's date format.
pub fn is_df_date(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() == 19
            && s.char_indices().all(|(i, c)| match i {
                4 | 7 => c == '-',
                10 => c == ' ',
                13 | 16 => c == ':',
                _ => c.is_ascii_digit(),
            })
    })
}
