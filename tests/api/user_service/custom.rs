//! `/user/custom`: per-user key/values behind a session and the role's grant.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{Auth, TestApp, df_error, df_error_hint, hints};

use super::{NO_SESSION, PASSWORD, token_of, user_role};

const CUSTOM: &str = "/api/v2/user/custom";

#[tokio::test]
async fn custom_values_are_set_read_and_deleted_per_user() {
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    let role = user_role(&app, &admin, "prefs", Some(("custom/*", 31))).await;
    let (_, key) = app.create_app(&admin, "portal", Some(role)).await;
    app.insert_user_directly("ann@example.com", PASSWORD, "Ann Lee")
        .await;
    app.insert_user_directly("bob@example.com", PASSWORD, "Bob")
        .await;
    let ann = token_of(&app, "ann@example.com", PASSWORD, Some(&key)).await;
    let bob = token_of(&app, "bob@example.com", PASSWORD, Some(&key)).await;
    let as_ann = Auth::both(&ann, &key);

    let reply = app
        .call(
            Method::POST,
            CUSTOM,
            as_ann,
            Some(json!({"resource": [{"name": "theme", "value": "dark"},
                                     {"name": "lang", "value": "en"}]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource": [{"name": "theme"}, {"name": "lang"}]})
    );

    let reply = app
        .call(
            Method::GET,
            &format!("{CUSTOM}?fields=name,value"),
            as_ann,
            None,
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"name": "theme", "value": "dark"}, {"name": "lang", "value": "en"}]})
    );
    let reply = app.call(Method::GET, CUSTOM, as_ann, None).await;
    let first = reply.body["resource"][0].as_object().unwrap();
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["created_date", "last_modified_date", "name", "value"]
    );

    let reply = app
        .call(
            Method::PATCH,
            &format!("{CUSTOM}/theme"),
            as_ann,
            Some(json!({"value": "light"})),
        )
        .await;
    assert_eq!(reply.body, json!({"name": "theme"}));
    let reply = app
        .call(
            Method::GET,
            &format!("{CUSTOM}/theme?fields=name,value"),
            as_ann,
            None,
        )
        .await;
    assert_eq!(reply.body, json!({"name": "theme", "value": "light"}));

    // Bob has his own, empty store.
    let reply = app
        .call(Method::GET, CUSTOM, Auth::both(&bob, &key), None)
        .await;
    assert_eq!(reply.body, json!({"resource": []}));

    let reply = app
        .call(Method::DELETE, &format!("{CUSTOM}?ids=lang"), as_ann, None)
        .await;
    assert_eq!(reply.body, json!({"resource": [{"name": "lang"}]}));
    let reply = app
        .call(Method::GET, &format!("{CUSTOM}/lang"), as_ann, None)
        .await;
    assert_eq!(
        reply.body,
        df_error(404, "Record with identifier 'lang' not found.")
    );
    let reply = app
        .call(Method::DELETE, &format!("{CUSTOM}/theme"), as_ann, None)
        .await;
    assert_eq!(reply.body, json!({"name": "theme"}));
    let reply = app
        .call(Method::GET, &format!("{CUSTOM}?as_list=true"), as_ann, None)
        .await;
    assert_eq!(reply.body, json!({"resource": []}));
}

#[tokio::test]
async fn custom_values_need_a_session_and_the_role_grant() {
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    let granted = user_role(&app, &admin, "prefs", Some(("custom/*", 31))).await;
    let (_, key) = app.create_app(&admin, "portal", Some(granted)).await;
    let plain = user_role(&app, &admin, "plain", None).await;
    let (_, plain_key) = app.create_app(&admin, "plain", Some(plain)).await;
    app.insert_user_directly("ann@example.com", PASSWORD, "Ann Lee")
        .await;

    for auth in [Auth::default(), Auth::key(&key)] {
        let reply = app.call(Method::GET, CUSTOM, auth, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.body, df_error(401, NO_SESSION));
    }

    let token = token_of(&app, "ann@example.com", PASSWORD, Some(&plain_key)).await;
    let reply = app
        .call(Method::GET, CUSTOM, Auth::both(&token, &plain_key), None)
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.body,
        df_error_hint(
            403,
            "Access Forbidden. GET access to component 'custom' of service 'user' is not \
             allowed by this user's role.",
            &hints::session_role_denies("GET", "custom", "user")
        )
    );
    let reply = app
        .call(
            Method::POST,
            CUSTOM,
            Auth::both(&token, &key),
            Some(json!({"resource": [{"value": "no name"}]})),
        )
        .await;
    assert_eq!(
        reply.body["error"]["context"],
        json!({"name": ["The name field is required."]})
    );
}
