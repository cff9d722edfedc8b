//! Rate limits with their counters in Redis (`redis.url`): the same semantics as in
//! process, counters shared by servers that share a key prefix, and Redis being down
//! answered as `rate_limits.on_redis_error` says. Against the machine's Redis
//! (`sluice_tests::redis_url`); each test uses a key prefix of its own.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{TestApp, df_error, env, redis_url, unique_name};

use crate::rate_limits::{Fixture, assert_passed, assert_refused, assert_unlimited, header};

/// A [`Fixture`] on a server started with `env`.
async fn fixture_with(env: Vec<(String, String)>) -> Fixture {
    let app = TestApp::spawn_with_env(env).await;
    let admin = app.login().await;
    let service = json!({"resource": [{"name": "db", "type": "sqlite",
                                       "config": {"database": "demo.sqlite"}}]});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/service",
            Some(&admin),
            Some(service),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    Fixture::with((app, admin)).await
}

async fn redis_fixture(url: &str, prefix: &str) -> Fixture {
    fixture_with(env(&[
        ("SLUICE__REDIS__URL", url),
        ("SLUICE__RATE_LIMITS__REDIS_KEY_PREFIX", prefix),
    ]))
    .await
}

#[tokio::test]
async fn counters_in_redis_follow_the_same_semantics() {
    let url = redis_url();
    let f = redis_fixture(&url, &format!("{}:", unique_name("limits"))).await;
    let id = f.limit(json!({"type": "instance", "rate": 3})).await;
    let each = f
        .limit(json!({"type": "instance.each_user", "rate": 1}))
        .await;

    assert_passed(&f.read(None).await, 3, 2);
    assert_passed(&f.read(Some(0)).await, 1, 0);
    // Refused by the each-user limit, so not counted by the instance one.
    assert_refused(&f.read(Some(0)).await, &[each], 1, 60);
    assert_passed(&f.read(None).await, 3, 0);
    assert_refused(&f.read(None).await, &[id], 3, 60);
    f.app.clock.advance(Duration::from_secs(59));
    assert_refused(&f.read(None).await, &[id], 3, 1);
    f.app.clock.advance(Duration::from_secs(1));
    assert_passed(&f.read(None).await, 3, 2);

    let reply = f
        .app
        .get(&format!("/api/v2/system/limit_cache?ids={id}"), &f.admin)
        .await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"id": id, "key": "instance.minute", "max": 3, "attempts": 1,
                             "remaining": 2}]})
    );
    let reply = f
        .app
        .send(
            Method::DELETE,
            "/api/v2/system/limit_cache?force=true",
            Some(&f.admin),
            None,
        )
        .await;
    assert_eq!(reply.body, json!({"success": true}));
    assert_passed(&f.read(Some(0)).await, 1, 0);
}

#[tokio::test]
async fn servers_sharing_a_redis_prefix_share_their_counters() {
    let url = redis_url();
    let prefix = format!("{}:", unique_name("limits_shared"));
    let one = redis_fixture(&url, &prefix).await;
    let two = redis_fixture(&url, &prefix).await;
    // Each server has its own system database; the same limit has the same key in both.
    let id_one = one.limit(json!({"type": "instance", "rate": 2})).await;
    two.limit(json!({"type": "instance", "rate": 2})).await;

    assert_passed(&one.read(None).await, 2, 1);
    assert_passed(&two.read(None).await, 2, 0);
    assert_refused(&one.read(None).await, &[id_one], 2, 60);

    let elsewhere = redis_fixture(&url, &format!("{}:", unique_name("limits_other"))).await;
    elsewhere
        .limit(json!({"type": "instance", "rate": 2}))
        .await;
    assert_passed(&elsewhere.read(None).await, 2, 1);
}

/// Far from its rate, a limit's requests are granted to a server a few at a time (leases),
/// yet the servers together never pass more than the rate: alternating between two of them,
/// exactly `rate` requests pass, then both refuse.
#[tokio::test]
async fn leases_never_let_more_than_the_rate_pass_across_servers() {
    const RATE: i64 = 300;
    let url = redis_url();
    let prefix = format!("{}:", unique_name("limits_leased"));
    let one = redis_fixture(&url, &prefix).await;
    let two = redis_fixture(&url, &prefix).await;
    one.limit(json!({"type": "instance", "rate": RATE})).await;
    two.limit(json!({"type": "instance", "rate": RATE})).await;

    let mut passed = 0;
    for _ in 0..RATE + 100 {
        for server in [&one, &two] {
            if server.read(None).await.status == StatusCode::OK {
                passed += 1;
            }
        }
    }
    assert_eq!(passed, RATE);
    for server in [&one, &two] {
        assert_eq!(
            server.read(None).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
}

/// A loopback port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[tokio::test]
async fn without_redis_limited_requests_pass_uncounted_by_default_and_are_counted_as_errors() {
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let f = fixture_with(env(&[("SLUICE__REDIS__URL", &url)])).await;
    f.limit(json!({"type": "instance", "rate": 1})).await;
    assert_unlimited(&f.read(None).await);
    assert_unlimited(&f.read(None).await);

    let metrics = f
        .app
        .client
        .get(format!("{}/metrics", f.app.url))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics
            .lines()
            .any(|line| line == "sluice_rate_limit_store_errors_total 2"),
        "{metrics}"
    );
}

#[tokio::test]
async fn without_redis_limited_requests_are_refused_when_so_configured() {
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let f = fixture_with(env(&[
        ("SLUICE__REDIS__URL", &url),
        ("SLUICE__RATE_LIMITS__ON_REDIS_ERROR", "refuse"),
    ]))
    .await;
    f.limit(json!({"type": "instance", "rate": 1})).await;
    let reply = f.read(None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        reply.body,
        df_error(
            503,
            "Rate limits cannot be checked right now. Retry the request after the time in \
             Retry-After."
        )
    );
    assert_eq!(header(&reply, "retry-after"), Some("1".into()));
    // Requests no limit applies to are not refused.
    let admin = f
        .app
        .get("/api/v2/db/_table/contact?limit=1", &f.admin)
        .await;
    assert_unlimited(&admin);
}
