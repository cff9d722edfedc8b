//! `local_file` services: DreamFactory's file API, its path safety and limits, the seeded
//! `files` and `logs` services, and web apps hosted from a file service.

mod api;
mod hosted;
mod safety;
mod unzip;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use sluice_tests::{Reply, TestApp};

/// The 400 of a path that is not allowed.
pub const BAD_PATH: &str = "Invalid path: a path may not hold empty, '.' or '..' segments, NUL \
characters or encoded slashes, nor be longer than 4096 bytes (255 per name).";

/// The folder of the seeded `files` service in a test's data directory.
pub fn files_dir(app: &TestApp) -> std::path::PathBuf {
    app.data_dir.path().join("storage").join("app")
}

/// The id of the seeded `files` service.
pub async fn files_service_id(app: &TestApp, token: &str) -> i64 {
    let reply = app
        .get(
            "/api/v2/system/service?filter=name%3Dfiles&fields=id",
            token,
        )
        .await;
    reply.body["resource"][0]["id"].as_i64().expect("files id")
}

/// A request with a raw body and optional content type, as an admin.
pub async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Vec<u8>,
    content_type: Option<&str>,
) -> Reply {
    let mut request = app
        .client
        .request(method, format!("{}{}", app.url, path))
        .header("X-DreamFactory-Session-Token", token)
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    TestApp::reply(request.send().await.expect("request")).await
}

/// The body of a GET as bytes, with its status and headers.
pub async fn bytes(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = app.client.get(format!("{}{}", app.url, path));
    if let Some(token) = token {
        request = request.header("X-DreamFactory-Session-Token", token);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.bytes().await.expect("body").to_vec(),
    )
}

/// `resource` entries with their `last_modified` dropped (it is the clock's).
pub fn without_dates(body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(items) = body["resource"].as_array_mut() {
        for item in items {
            if let Some(map) = item.as_object_mut() {
                map.remove("last_modified");
            }
        }
    }
    body
}
