//! What operators and load balancers call: `/health`, `/health/ready` (system database and
//! Redis checks) and `/metrics`, on the main listener or a listener of its own. (The access
//! log is tested against the real binary, in crates/gateway/tests/access_log.rs.)

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{TestApp, df_error, env, redis_url};

/// A loopback port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// `GET url` as sent, for answers that are not JSON or that must be read as text.
async fn get_raw(app: &TestApp, url: String) -> reqwest::Response {
    app.client.get(url).send().await.unwrap()
}

#[tokio::test]
async fn health_answers_without_credentials() {
    let app = TestApp::spawn().await;
    let reply = app.send(Method::GET, "/health", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({"status": "ok"}));
}

#[tokio::test]
async fn ready_lists_its_checks_when_the_system_database_answers() {
    let app = TestApp::spawn().await;
    let reply = app.send(Method::GET, "/health/ready", None, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"status": "ok", "checks": {"system_db": "ok", "change_feed": "ok"}})
    );
}

#[tokio::test]
async fn ready_is_503_naming_the_system_database_when_its_file_is_gone() {
    let app = TestApp::spawn().await;
    std::fs::remove_file(app.data_dir.path().join("system.sqlite")).unwrap();
    let reply = app.send(Method::GET, "/health/ready", None, None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let mut expected = df_error(503, "Not ready: the system database is unreachable.");
    expected["error"]["context"] = json!({"system_db": "down", "change_feed": "ok"});
    assert_eq!(reply.body, expected);
}

#[tokio::test]
async fn ready_is_503_naming_redis_when_it_does_not_answer_and_never_shows_its_url() {
    let port = closed_port();
    let url = format!("redis://:a-redis-password@127.0.0.1:{port}/0");
    let app = TestApp::spawn_with_env(env(&[("SLUICE__REDIS__URL", &url)])).await;
    let response = get_raw(&app, format!("{}/health/ready", app.url)).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let text = response.text().await.unwrap();
    for secret in ["a-redis-password", "redis://", &port.to_string()] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let mut expected = df_error(503, "Not ready: redis is unreachable.");
    expected["error"]["context"] = json!({"system_db": "ok", "redis": "down", "change_feed": "ok"});
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        expected
    );
}

#[tokio::test]
async fn ready_checks_a_configured_redis_that_answers() {
    let app = TestApp::spawn_with_env(env(&[("SLUICE__REDIS__URL", &redis_url())])).await;
    let reply = app.send(Method::GET, "/health/ready", None, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"status": "ok", "checks": {"system_db": "ok", "redis": "ok", "change_feed": "ok"}})
    );
}

/// `GET url/metrics`: the text, after checking the content type.
pub async fn scrape(app: &TestApp, url: &str) -> String {
    let response = get_raw(app, format!("{url}/metrics")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    response.text().await.unwrap()
}

/// Each sample of the text format: `name{labels}` -> value.
pub fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .map(|(series, value)| (series.to_string(), value.parse().unwrap()))
        .collect()
}

#[tokio::test]
async fn metrics_count_exactly_the_requests_made_under_bounded_labels() {
    let (app, admin) = TestApp::with_demo_service().await;
    let before = samples(&scrape(&app, &app.url).await);
    for _ in 0..3 {
        let reply = app.get("/api/v2/db/_table/contact?limit=1", &admin).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    assert_eq!(
        app.get("/api/v2/system/service", &admin).await.status,
        StatusCode::OK
    );
    let reply = app.get("/api/v2/nosuch/_table/contact/7", &admin).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app.send(Method::GET, "/nowhere/42", None, None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let text = scrape(&app, &app.url).await;
    let after = samples(&text);

    let grown = |series: &str| {
        after.get(series).copied().unwrap_or(0.0) - before.get(series).copied().unwrap_or(0.0)
    };
    for (series, requests) in [
        (
            r#"sluice_http_requests_total{service="db",method="GET",status="2xx"}"#,
            3.0,
        ),
        (
            r#"sluice_http_requests_total{service="system",method="GET",status="2xx"}"#,
            1.0,
        ),
        (
            r#"sluice_http_requests_total{service="other",method="GET",status="4xx"}"#,
            2.0,
        ),
        // The first scrape.
        (
            r#"sluice_http_requests_total{service="health",method="GET",status="2xx"}"#,
            1.0,
        ),
        (
            r#"sluice_http_request_duration_seconds_count{service="db",method="GET"}"#,
            3.0,
        ),
    ] {
        assert_eq!(grown(series), requests, "{series} in\n{text}");
    }
    assert_eq!(after[r#"sluice_sqlite_queue_depth{service="db"}"#], 0.0);
    // At most the poll interval on a node whose system database answers.
    let lag = after["sluice_change_feed_lag_seconds"];
    assert!((0.0..=30.0).contains(&lag), "{lag}");
    assert!(grown(r#"sluice_cache_requests_total{cache="users",result="hit"}"#) >= 5.0);
    assert!(after.contains_key(r#"sluice_cache_requests_total{cache="apps",result="miss"}"#));
    for series in after.keys() {
        assert!(
            !["contact", "nosuch", "nowhere", "42"]
                .iter()
                .any(|raw| series.contains(raw)),
            "a raw path piece is a label: {series}"
        );
    }
}

/// A server started with `setting`, whose main listener answers `/metrics` with 404.
async fn spawn_without_metrics_on_the_main_listener(setting: (&str, &str)) -> TestApp {
    let app = TestApp::spawn_with_env(env(&[setting])).await;
    let reply = app.send(Method::GET, "/metrics", None, None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, df_error(404, "Resource not found."));
    app
}

#[tokio::test]
async fn metrics_turned_off_are_a_404() {
    let app =
        spawn_without_metrics_on_the_main_listener(("SLUICE__METRICS__ENABLED", "false")).await;
    assert_eq!(app.metrics_url, None);
}

#[tokio::test]
async fn metrics_on_their_own_address_leave_the_main_listener() {
    let bind = ("SLUICE__METRICS__BIND", "127.0.0.1:0");
    let app = spawn_without_metrics_on_the_main_listener(bind).await;
    assert_eq!(
        app.send(Method::GET, "/health", None, None).await.status,
        StatusCode::OK
    );

    let metrics_url = app.metrics_url.clone().expect("a metrics listener");
    let text = scrape(&app, &metrics_url).await;
    // The main listener's requests are counted (its /metrics is no route of it); the
    // metrics listener's own are not.
    let counted = samples(&text);
    assert_eq!(
        counted[r#"sluice_http_requests_total{service="other",method="GET",status="4xx"}"#], 1.0,
        "{text}"
    );
    assert_eq!(
        counted[r#"sluice_http_requests_total{service="health",method="GET",status="2xx"}"#], 1.0,
        "{text}"
    );
    let response = get_raw(&app, format!("{metrics_url}/health")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
