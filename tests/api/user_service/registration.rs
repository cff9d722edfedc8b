//! Open registration and the `user` service's own configuration through `/system/service`.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{Auth, TestApp, df_error};

use super::{PASSWORD, SESSION, configure_user_service, login, user_role, user_service_id};

const REGISTER: &str = "/api/v2/user/register";

#[tokio::test]
async fn registration_is_refused_until_an_admin_enables_it() {
    let app = TestApp::spawn().await;
    let reply = app
        .send(
            Method::POST,
            REGISTER,
            None,
            Some(json!({"email": "new@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.body,
        df_error(403, "Open Registration is not enabled.")
    );
    let reply = app
        .send(Method::GET, "/api/v2/system/environment", None, None)
        .await;
    assert_eq!(
        reply.body["authentication"]["allow_open_registration"],
        false
    );
}

#[tokio::test]
async fn a_registered_user_gets_the_open_registration_role_and_can_sign_in_at_once() {
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
    let environment = app
        .send(Method::GET, "/api/v2/system/environment", None, None)
        .await;
    assert_eq!(
        environment.body["authentication"]["allow_open_registration"],
        true
    );

    let reply = app
        .call(
            Method::POST,
            &format!("{REGISTER}?login=true"),
            Auth::key(&key),
            Some(json!({"email": "jane.doe@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let token = reply.body["session_token"].as_str().unwrap().to_string();
    assert_eq!(reply.body, json!({"success": true, "session_token": token}));

    let session = app
        .call(Method::GET, SESSION, Auth::both(&token, &key), None)
        .await;
    assert_eq!(session.status, StatusCode::OK, "{}", session.body);
    assert_eq!(session.body["role"], "self-registered");
    assert_eq!(session.body["role_id"], role_id);
    assert_eq!(session.body["name"], "jane doe");
    assert_eq!(session.body["first_name"], "jane");
    assert_eq!(session.body["last_name"], "doe");

    // Without ?login the answer is bare success; the password works for a normal login.
    let reply = app
        .send(
            Method::PUT,
            REGISTER,
            None,
            Some(json!({"email": "sam@example.com", "new_password": PASSWORD,
                        "first_name": "Sam", "last_name": "Poe"})),
        )
        .await;
    assert_eq!(reply.body, json!({"success": true}));
    let reply = login(&app, "sam@example.com", PASSWORD, Some(&key)).await;
    assert_eq!(reply.body["name"], "Sam Poe");
    assert_eq!(reply.body["role"], "self-registered");
}

#[tokio::test]
async fn registration_validation_failures_list_every_field() {
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    let reply =
        configure_user_service(&app, &admin, json!({"allow_open_registration": true})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let register = |body| app.send(Method::POST, REGISTER, None, Some(body));

    let reply = register(json!({"email": "not-an-email", "password": "short"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        json!({"error": {"code": 400, "message": "Validation failed", "status_code": 400,
            "context": {"email": ["The email must be a valid email address."],
                        "password": ["The password must be at least 16 characters."]}}})
    );
    let reply = register(json!({"email": "a@example.com", "password": PASSWORD,
                                "password_confirmation": "something else entirely"}))
    .await;
    assert_eq!(
        reply.body["error"]["context"],
        json!({"password": ["The password confirmation does not match."]})
    );
    let reply = register(json!({"email": "a@example.com", "password": PASSWORD})).await;
    assert_eq!(reply.body, json!({"success": true}));
    let reply = register(json!({"email": "A@example.com", "password": PASSWORD})).await;
    assert_eq!(
        reply.body,
        json!({"error": {"code": 400, "message": "Validation failed", "status_code": 400,
            "context": {"email": ["The email has already been taken."]}}})
    );
}

#[tokio::test]
async fn the_user_service_is_a_validated_undeletable_singleton() {
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    let id = user_service_id(&app, &admin).await;
    let service = app
        .get(&format!("/api/v2/system/service/{id}"), &admin)
        .await;
    assert_eq!(service.body["type"], "user");
    assert_eq!(service.body["label"], "User Management");
    assert_eq!(service.body["deletable"], false);
    assert_eq!(
        service.body["config"],
        json!({"allow_open_registration": false, "open_reg_role_id": null,
               "open_reg_email_service_id": null})
    );

    let email = "The config field 'open_reg_email_service_id' must be null: no email services are available.";
    let reply = configure_user_service(&app, &admin, json!({"open_reg_email_service_id": 3})).await;
    assert_eq!(
        reply.body,
        json!({"error": {"code": 400, "message": format!("Invalid data supplied. {email}"),
            "status_code": 400, "context": {"open_reg_email_service_id": [email]}}})
    );
    let reply = configure_user_service(&app, &admin, json!({"open_reg_role_id": 9999})).await;
    assert_eq!(
        reply.body["error"]["message"],
        "Invalid data supplied. The role id 9999 does not exist."
    );

    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/service",
            Some(&admin),
            Some(json!({"resource": [{"name": "people", "type": "user"}]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body["error"]["context"],
        json!({"type": ["A service of type 'user' already exists: it is built in and there can be only one."]})
    );
    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/service/{id}"),
            Some(&admin),
            Some(json!({"name": "people"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app
        .send(
            Method::DELETE,
            &format!("/api/v2/system/service/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        reply.body,
        df_error(400, "Service 'user' is built in and cannot be deleted.")
    );

    let reply = app.get("/api/v2/system/service_type/user", &admin).await;
    assert_eq!(reply.body["singleton"], true);
    assert_eq!(reply.body["group"], "User");

    // Deactivated, the whole service is off.
    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/service/{id}"),
            Some(&admin),
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = login(&app, "x@example.com", PASSWORD, None).await;
    assert_eq!(reply.body, df_error(403, "Service user is deactivated."));
}
