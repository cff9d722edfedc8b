//! Requests whose meaning would be a guess get a 400 or 415 instead: a single-valued option
//! given twice, a flag that is not a boolean, a body that is not JSON, and options
//! DreamFactory honours that Sluice does not build yet (docs/COMPATIBILITY.md).

use reqwest::StatusCode;
use serde_json::json;
use sluice_tests::{TestApp, df_error};

const CONTACTS: &str = "/api/v2/db/_table/contact";

#[tokio::test]
async fn a_single_valued_option_given_twice_is_400() {
    let (app, admin) = TestApp::with_demo_service().await;
    for (query, message) in [
        (
            "filter=id%3D1&filter=id%3D2",
            "The parameter 'filter' is given more than once; it takes one value.",
        ),
        (
            "limit=1&limit=2",
            "The parameter 'limit' is given more than once; it takes one value.",
        ),
        (
            "fields=id&select=first_name",
            "The parameters 'fields' and 'select' are the same option; give only one.",
        ),
        (
            "include_count=true&include_count=true",
            "The parameter 'include_count' is given more than once; it takes one value.",
        ),
    ] {
        let reply = app.get(&format!("{CONTACTS}?{query}"), &admin).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(reply.body, df_error(400, message), "{query}");
        assert_eq!(reply.headers["content-type"], "application/json");
    }
    // Related options are one name per relationship, and unknown names are not ours to judge.
    let query = "related=contact_info_by_contact_id&contact_info_by_contact_id_fields=id\
        &contact_info_by_contact_id_limit=1&limit=1&_=1&_=2";
    let reply = app.get(&format!("{CONTACTS}?{query}"), &admin).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn a_flag_that_is_not_a_boolean_is_400() {
    let (app, admin) = TestApp::with_demo_service().await;
    let reply = app
        .get(&format!("{CONTACTS}?include_count=maybe"), &admin)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        df_error(
            400,
            "Invalid value for include_count: it is a boolean, use true or false \
             (also 1/0, yes/no, on/off)."
        )
    );
    let reply = app
        .get(&format!("{CONTACTS}?include_count=YES&limit=1"), &admin)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body["meta"]["count"].is_number(), "{}", reply.body);
}

#[tokio::test]
async fn unbuilt_output_options_are_400() {
    let (app, admin) = TestApp::with_demo_service().await;
    let reply = app
        .get(&format!("{CONTACTS}?file=contacts.csv"), &admin)
        .await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "The file parameter (download the response as a file) is not supported: \
             leave it out to receive JSON."
        )
    );
    for accept in [
        "text/csv",
        "application/xml",
        "text/xml;q=0.9, application/json;q=0.5",
    ] {
        let response = app
            .client
            .get(format!("{}{CONTACTS}", app.url))
            .header("X-DreamFactory-Session-Token", &admin)
            .header("Accept", accept)
            .send()
            .await
            .unwrap();
        let reply = TestApp::reply(response).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{accept}");
        let format = accept.split(';').next().unwrap();
        let message = format!(
            "The response format {format} is not supported: Sluice answers in JSON \
             (Accept: application/json)."
        );
        assert_eq!(reply.body, df_error(400, &message));
        assert_eq!(reply.headers["x-content-type-options"], "nosniff");
    }
    for accept in [
        "application/json",
        "*/*",
        "application/json, text/csv;q=0.5",
    ] {
        let response = app
            .client
            .get(format!("{}{CONTACTS}?limit=1", app.url))
            .header("X-DreamFactory-Session-Token", &admin)
            .header("Accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{accept}");
    }
}

#[tokio::test]
async fn a_write_body_that_is_not_json_is_415() {
    let (app, admin) = TestApp::with_demo_service().await;
    let record = json!({"resource": [{"first_name": "Ada", "last_name": "Lovelace"}]});
    let post = |content_type: Option<&'static str>| {
        let mut request = app
            .client
            .post(format!("{}{CONTACTS}", app.url))
            .header("X-DreamFactory-Session-Token", &admin)
            .body(record.to_string());
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        async move { TestApp::reply(request.send().await.unwrap()).await }
    };
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let reply = post(Some(content_type)).await;
        assert_eq!(
            reply.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
        let message = format!(
            "Unsupported Content-Type '{content_type}': send the request body as JSON \
             (Content-Type: application/json)."
        );
        assert_eq!(reply.body, df_error(415, &message));
    }
    let before = app
        .get(&format!("{CONTACTS}?include_count=true&limit=1"), &admin)
        .await;
    let count = before.body["meta"]["count"].as_i64().unwrap();
    for content_type in [
        None,
        Some("application/json; charset=utf-8"),
        Some("application/vnd.api+json"),
    ] {
        let reply = post(content_type).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{content_type:?}: {}",
            reply.body
        );
    }
    let after = app
        .get(&format!("{CONTACTS}?include_count=true&limit=1"), &admin)
        .await;
    assert_eq!(after.body["meta"]["count"].as_i64().unwrap(), count + 3);
}
