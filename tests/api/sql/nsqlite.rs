//! What only `sluice nsqlite` has: `/health`, `/version`, `/stats`, NSQLite's tokens and
//! unauthenticated mode, its request size limit, and its error format on every status.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::TestApp;
use sluice_tests::nsqlite::{NsqliteApp, NsqliteSetup};

use super::{FIXTURE, Options, Surface, Target, Who, assert_nsqlite_error};

async fn call(
    target: &Target,
    method: Method,
    path: &str,
    token: Option<&str>,
) -> sluice_tests::Reply {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", target.url));
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    TestApp::reply(request.send().await.expect("request")).await
}

#[tokio::test]
async fn health_answers_ok_to_anyone_with_the_x_server_header() {
    let target = Target::new(Surface::Nsqlite, Options::default()).await;
    let reply = call(&target, Method::GET, "/health", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!("OK"));
    assert_eq!(reply.headers["x-server"], "NSQLite");
}

#[tokio::test]
async fn health_is_500_when_the_database_cannot_be_opened() {
    let target = Target::new(Surface::Nsqlite, Options::default()).await;
    std::fs::remove_file(&target.database).expect("remove the database");
    let reply = call(&target, Method::GET, "/health", None).await;
    assert_nsqlite_error(&reply, 500, "Failed to query the database");
}

#[tokio::test]
async fn version_and_stats_are_for_admin_tokens() {
    let target = Target::new(Surface::Nsqlite, Options::default()).await;
    let version = call(&target, Method::GET, "/version", Some("admin-token")).await;
    assert_eq!(version.status, StatusCode::OK);
    assert_eq!(
        version.body,
        json!(format!("v{}", env!("CARGO_PKG_VERSION")))
    );
    for path in ["/version", "/stats"] {
        for token in ["rw-token", "ro-token"] {
            let reply = call(&target, Method::GET, path, Some(token)).await;
            assert_nsqlite_error(&reply, 403, "Forbidden");
        }
        for token in [None, Some("wrong")] {
            let reply = call(&target, Method::GET, path, token).await;
            assert_nsqlite_error(&reply, 401, "Unauthorized");
        }
    }
}

#[tokio::test]
async fn stats_count_the_queries_and_their_time() {
    let target = Target::new(Surface::Nsqlite, Options::default()).await;
    target.one(Who::ReadWrite, "SELECT * FROM people", "").await;
    target
        .results(
            Who::ReadOnly,
            json!([{"query": "SELECT 1"}, {"query": "SELECT 2"}]),
        )
        .await;
    let reply = call(&target, Method::GET, "/stats", Some("admin-token")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let stats = &reply.body;
    assert_eq!(stats["httpRequests"], 2);
    assert_eq!(stats["httpRequestsQueued"], 0);
    assert_eq!(stats["httpRequestsQueuedMax"], 1);
    let total = stats["dbTotalTime"].as_f64().expect("total");
    let max = stats["dbTotalTimeMax"].as_f64().expect("max");
    let average = stats["dbAveTime"].as_f64().expect("average");
    assert!(total > 0.0 && max > 0.0 && max <= total, "{stats}");
    assert!((average - total / 3.0).abs() < 1e-9, "{stats}");
    let mut keys: Vec<_> = stats.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "dbAveTime",
            "dbTotalTime",
            "dbTotalTimeMax",
            "httpRequests",
            "httpRequestsQueued",
            "httpRequestsQueuedMax"
        ]
    );
}

#[tokio::test]
async fn a_query_without_a_valid_token_is_401() {
    let target = Target::new(Surface::Nsqlite, Options::default()).await;
    let reply = target
        .send(None, json!([{"query": "SELECT 1"}]).to_string())
        .await;
    assert_nsqlite_error(&reply, 401, "Unauthorized");
    let request = reqwest::Client::new()
        .post(format!("{}/query", target.url))
        .header("Authorization", "Bearer not-a-token")
        .body("[]");
    let reply = TestApp::reply(request.send().await.expect("request")).await;
    assert_nsqlite_error(&reply, 401, "Unauthorized");
    // The token without the Bearer prefix is accepted, as NSQLite accepts it.
    let request = reqwest::Client::new()
        .post(format!("{}/query", target.url))
        .header("Authorization", "ro-token")
        .body("[]");
    let reply = TestApp::reply(request.send().await.expect("request")).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn a_body_over_nsqlite_max_request_size_is_413() {
    let app = NsqliteApp::spawn(NsqliteSetup {
        env: vec![("NSQLITE_MAX_REQUEST_SIZE_MB".into(), "1".into())],
        fixture: FIXTURE.to_owned(),
        ..NsqliteSetup::default()
    })
    .await;
    let query = format!("SELECT '{}'", "x".repeat(1024 * 1024));
    let body = json!([{"query": query}]).to_string();
    let reply = TestApp::reply(
        app.client
            .post(format!("{}/query", app.url))
            .body(body)
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_nsqlite_error(&reply, 413, "Request Entity Too Large");
}

#[tokio::test]
async fn without_tokens_every_request_is_an_administrators() {
    let app = NsqliteApp::spawn(NsqliteSetup {
        fixture: FIXTURE.to_owned(),
        ..NsqliteSetup::default()
    })
    .await;
    let reply = TestApp::reply(
        app.client
            .post(format!("{}/query", app.url))
            .body(json!([{"query": "DELETE FROM people WHERE id = 2"}]).to_string())
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["results"][0]["rowsAffected"], 1);
    let stats = app
        .client
        .get(format!("{}/stats", app.url))
        .send()
        .await
        .expect("stats");
    assert_eq!(stats.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_in_nsqlite_format() {
    let target = Target::new(Surface::Nsqlite, Options::default()).await;
    let reply = call(&target, Method::GET, "/nowhere", Some("admin-token")).await;
    assert_nsqlite_error(&reply, 404, "Not Found");
    let reply = call(&target, Method::GET, "/query", Some("admin-token")).await;
    assert_nsqlite_error(&reply, 405, "Method Not Allowed");
}
