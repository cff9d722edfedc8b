//! The error envelope everywhere: unknown routes, oversized and malformed bodies, request ids.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{TestApp, df_error};

#[tokio::test]
async fn unknown_routes_get_the_dreamfactory_envelope() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(format!("{}/nowhere", app.url))
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("x-request-id"));
    let reply = TestApp::reply(response).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, df_error(404, "Resource not found."));
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(format!("{}/api/v2/system/admin/session", app.url))
        .header("Content-Type", "application/json")
        .body("{\"email\":")
        .send()
        .await
        .unwrap();
    let reply = TestApp::reply(response).await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "Unrecognized payload type: the request body is not valid JSON."
        )
    );
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = TestApp::spawn_with_env(vec![(
        "SLUICE__SERVER__MAX_BODY_BYTES".into(),
        "2048".into(),
    )])
    .await;
    let big = json!({"email": "x".repeat(4096), "password": "y"});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/admin/session",
            None,
            Some(big),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.body["error"]["status_code"], 413);
}

#[tokio::test]
async fn deeply_nested_bodies_are_400() {
    let app = TestApp::spawn().await;
    let deep = "[".repeat(100) + &"]".repeat(100);
    let response = app
        .client
        .post(format!("{}/api/v2/system/admin/session", app.url))
        .header("Content-Type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    let reply = TestApp::reply(response).await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "The request body is nested too deeply: the limit is 64 levels."
        )
    );
}

#[tokio::test]
async fn the_api_root_is_empty_for_anonymous_callers() {
    let app = TestApp::spawn().await;
    let reply = app.send(Method::GET, "/api/v2", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["services"], json!([]));
    assert_eq!(reply.body["service_types"][0]["name"], "sqlite");
}

#[tokio::test]
async fn a_vanished_database_is_503_with_retry_after_then_recovers() {
    let (app, token) = TestApp::with_demo_service().await;
    let path = app.data_dir.path().join("demo.sqlite");
    let saved = app.data_dir.path().join("saved.sqlite");
    let url = "/api/v2/db/_table/contact?limit=1&fields=id";
    assert_eq!(app.get(url, &token).await.status, StatusCode::OK);

    std::fs::rename(&path, &saved).unwrap();
    let flushed = app
        .send(
            Method::DELETE,
            "/api/v2/system/cache/db",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(flushed.status, StatusCode::OK);
    let reply = app.get(url, &token).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert!(reply.headers.contains_key("retry-after"));
    assert_eq!(reply.body["error"]["status_code"], 503);
    let message = reply.body["error"]["message"].as_str().unwrap();
    assert!(
        !message.contains('/') && !message.contains("sqlite"),
        "{message}"
    );

    std::fs::rename(&saved, &path).unwrap();
    let reply = app.get(url, &token).await;
    assert_eq!(reply.body, json!({"resource":[{"id":1}]}));
}

#[tokio::test]
async fn every_response_carries_its_own_request_id() {
    let app = TestApp::spawn().await;
    let request_id = |path: &'static str| {
        let client = app.client.clone();
        let url = format!("{}{path}", app.url);
        async move {
            let response = client.get(url).send().await.unwrap();
            let id = response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_string();
            (response.status(), id)
        }
    };
    let (found_status, first) = request_id("/").await;
    let (missing_status, second) = request_id("/nowhere").await;
    assert_eq!(found_status, StatusCode::OK);
    assert_eq!(missing_status, StatusCode::NOT_FOUND);
    for id in [&first, &second] {
        // A lower-case hyphenated UUID: 8-4-4-4-12 hex digits.
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
        assert!(
            id.chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
    assert_ne!(first, second);
}
