//! `system/admin/profile`, `system/admin/password`, `system/email_template` and
//! `system/custom`, in DreamFactory's shapes.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, df_error};

const TEMPLATES: &str = "/api/v2/system/email_template";
const CUSTOM: &str = "/api/v2/system/custom";

#[tokio::test]
async fn an_administrator_reads_and_changes_their_own_profile() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = app.get("/api/v2/system/admin/profile", &token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"username": null, "first_name": null, "last_name": null, "name": "Test Admin",
               "email": ADMIN_EMAIL, "phone": null, "security_question": null,
               "default_app_id": null, "oauth_provider": "", "adldap": ""})
    );
    let change = json!({"first_name": "Ada", "phone": "555"});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/admin/profile",
            Some(&token),
            Some(change),
        )
        .await;
    assert_eq!(reply.body, json!({"success": true}));
    let reply = app.get("/api/v2/system/admin/profile", &token).await;
    assert_eq!(reply.body["first_name"], "Ada");
    assert_eq!(reply.body["phone"], "555");
    // Without credentials: the system API's denial, as for any admin resource.
    let reply = app
        .send(Method::GET, "/api/v2/system/admin/profile", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
}

#[tokio::test]
async fn an_administrator_changes_their_password_with_the_old_one() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let new = "another long enough password";
    let wrong = json!({"old_password": "not the password at all", "new_password": new});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/admin/password",
            Some(&token),
            Some(wrong),
        )
        .await;
    assert_eq!(
        reply.body,
        df_error(400, "The password supplied does not match.")
    );
    let change = json!({"old_password": ADMIN_PASSWORD, "new_password": new});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/admin/password?login=true",
            Some(&token),
            Some(change),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["success"], true);
    assert!(reply.body["session_token"].is_string());
    // The old session ended; the new password signs in.
    let reply = app.get("/api/v2/system/admin/profile", &token).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let login = json!({"email": ADMIN_EMAIL, "password": new});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/admin/session",
            None,
            Some(login),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // A user's password route does not change an administrator's.
    let token = reply.body["session_token"].as_str().unwrap().to_string();
    let change = json!({"old_password": new, "new_password": ADMIN_PASSWORD});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/user/password",
            Some(&token),
            Some(change),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
}

#[tokio::test]
async fn email_templates_are_created_read_changed_and_deleted() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let template = json!({"name": "Welcome", "description": "New users",
        "to": "a@example.com, b@example.com", "cc": "c@example.com", "bcc": ["d@example.com"],
        "subject": "Hello {first_name}", "body_text": "Hi", "body_html": "<p>Hi</p>",
        "from_name": "Ops", "from_email": "ops@example.com", "defaults": {"first_name": "you"}});
    let reply = app
        .send(
            Method::POST,
            TEMPLATES,
            Some(&token),
            Some(json!({"resource": [template]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.body["resource"][0]["id"].as_i64().unwrap();
    assert_eq!(reply.body, json!({"resource": [{"id": id}]}));

    let one = app.get(&format!("{TEMPLATES}/{id}"), &token).await;
    let dates = (
        one.body["created_date"].clone(),
        one.body["last_modified_date"].clone(),
    );
    assert_eq!(
        one.body,
        json!({"id": id, "name": "Welcome", "description": "New users",
            "to": ["a@example.com", "b@example.com"], "cc": "c@example.com",
            "bcc": ["d@example.com"], "subject": "Hello {first_name}", "attachment": null,
            "body_text": "Hi", "body_html": "<p>Hi</p>", "from_name": "Ops",
            "from_email": "ops@example.com", "reply_to_name": null, "reply_to_email": null,
            "defaults": {"first_name": "you"}, "created_date": dates.0,
            "last_modified_date": dates.1, "created_by_id": 1, "last_modified_by_id": 1})
    );

    let change = json!({"subject": "Welcome!", "cc": null});
    let reply = app
        .send(
            Method::PATCH,
            &format!("{TEMPLATES}/{id}?fields=subject,cc,to"),
            Some(&token),
            Some(change),
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"subject": "Welcome!", "cc": null, "to": ["a@example.com", "b@example.com"]})
    );
    let list = app
        .get(
            &format!("{TEMPLATES}?fields=name&include_count=true"),
            &token,
        )
        .await;
    assert_eq!(
        list.body,
        json!({"resource": [{"name": "Welcome"}], "meta": {"count": 1}})
    );

    let same = json!({"resource": [{"name": "welcome"}]});
    let reply = app
        .send(Method::POST, TEMPLATES, Some(&token), Some(same))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let nameless = json!({"resource": [{"subject": "x"}]});
    let reply = app
        .send(Method::POST, TEMPLATES, Some(&token), Some(nameless))
        .await;
    assert_eq!(
        reply.body["error"]["message"],
        "Invalid data supplied. The Template Name field is required"
    );

    let reply = app
        .send(
            Method::DELETE,
            &format!("{TEMPLATES}/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.body, json!({"id": id}));
    let reply = app.get(&format!("{TEMPLATES}/{id}"), &token).await;
    assert_eq!(
        reply.body,
        df_error(404, &format!("Record with identifier '{id}' not found."))
    );
}

#[tokio::test]
async fn custom_values_hold_any_json_and_read_back_bare() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let values = json!({"resource": [{"name": "theme", "value": {"dark": true}},
                                     {"name": "page_size", "value": 25}]});
    let reply = app
        .send(Method::POST, CUSTOM, Some(&token), Some(values))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource": [{"name": "theme"}, {"name": "page_size"}]})
    );

    let reply = app.get(&format!("{CUSTOM}/theme"), &token).await;
    assert_eq!(reply.body, json!({"dark": true}));
    let list = app
        .get(
            &format!("{CUSTOM}?fields=name,value&include_count=true"),
            &token,
        )
        .await;
    assert_eq!(
        list.body,
        json!({"resource": [{"name": "page_size", "value": 25},
                            {"name": "theme", "value": {"dark": true}}], "meta": {"count": 2}})
    );

    let reply = app
        .send(
            Method::PATCH,
            &format!("{CUSTOM}/theme"),
            Some(&token),
            Some(json!({"value": "light"})),
        )
        .await;
    assert_eq!(reply.body, json!({"name": "theme"}));
    assert_eq!(
        app.get(&format!("{CUSTOM}/theme"), &token).await.body,
        json!("light")
    );

    let reply = app
        .send(
            Method::DELETE,
            &format!("{CUSTOM}?ids=theme,page_size"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"name": "theme"}, {"name": "page_size"}]})
    );
    let reply = app.get(&format!("{CUSTOM}/theme"), &token).await;
    assert_eq!(
        reply.body,
        df_error(404, "Record with identifier 'theme' not found.")
    );
}
