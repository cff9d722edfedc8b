//! A node cut off from the system database (through a proxy the test cuts): it keeps
//! answering from its caches for `change_feed.max_stale_seconds`, refuses system writes at
//! once, refuses everything past the bound and says so in its readiness check, and once the
//! database is back it applies what changed meanwhile.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::postgres::{DEFAULT_POSTGRES_URL, POSTGRES_URL_VAR};
use sluice_tests::proxy::TcpProxy;
use sluice_tests::{Auth, df_error};

use crate::harness::{Cluster, eventually};
use crate::propagation::Notes;

/// Outages take the connection timeout and the reconnect delay, so the deadlines here are
/// longer than the propagation bound.
const OUTAGE_DEADLINE: Duration = Duration::from_secs(6);

/// `host:port` of a PostgreSQL URL (`scheme://[user@]host:port/...`).
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

async fn postgres_address() -> SocketAddr {
    let url = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
    tokio::net::lookup_host(authority(&url))
        .await
        .expect("resolve the PostgreSQL server")
        .next()
        .expect("an address")
}

#[tokio::test]
async fn a_node_cut_off_from_the_system_database_serves_from_its_caches_then_refuses_then_catches_up()
 {
    let proxy = TcpProxy::start(postgres_address().await).await;
    let port = proxy.port();
    let cluster = Cluster::start_with_node_b(|url| {
        let through_proxy = url.replacen(authority(url), &format!("127.0.0.1:{port}"), 1);
        vec![
            ("SLUICE__SYSTEM_DB__URL".into(), through_proxy),
            ("SLUICE__CHANGE_FEED__POLL_INTERVAL_MS".into(), "200".into()),
            ("SLUICE__CHANGE_FEED__MAX_STALE_SECONDS".into(), "1".into()),
        ]
    })
    .await;
    let (a, b) = (cluster.node_a(), cluster.node_b());
    let notes = Notes::on(&cluster, 1).await;
    let (admin, key) = (&notes.admin, &notes.key);
    let read = async || b.call(Method::GET, &notes.path, Auth::key(key), None).await;
    let session = "/api/v2/system/admin/session";
    // Node B knows the key, the role and the administrator before the outage.
    eventually("node B serves the key", OUTAGE_DEADLINE, async || {
        let reply = read().await;
        (reply.status == StatusCode::OK)
            .then_some(())
            .ok_or(reply.status)
    })
    .await;
    assert_eq!(b.get(session, admin).await.status, StatusCode::OK);

    proxy.cut();
    assert_eq!(
        read().await.status,
        StatusCode::OK,
        "answered from the caches"
    );
    let write = b
        .call(
            Method::POST,
            "/api/v2/system/role",
            Auth::token(admin),
            Some(json!({"resource": [{"name": "written during the outage"}]})),
        )
        .await;
    assert_eq!(
        write.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        write.body
    );
    // Meanwhile node A, which still reaches the database, deactivates the app.
    let app = format!("app/{}", notes.app);
    notes
        .change(&cluster, &app, json!({"is_active": false}))
        .await;
    let (refused, _) = eventually(
        "node B refuses once its caches are too old",
        OUTAGE_DEADLINE,
        async || {
            let reply = read().await;
            (reply.status == StatusCode::SERVICE_UNAVAILABLE)
                .then_some(reply.body)
                .ok_or(reply.status)
        },
    )
    .await;
    assert_eq!(
        refused,
        df_error(503, "The system database is unavailable.")
    );
    // The load balancer's check says why.
    let ready = b.get_anonymously("/health/ready").await;
    let mut expected = df_error(
        503,
        "Not ready: the system database is unreachable, the change feed is behind.",
    );
    // Both nodes share Redis (rate-limit counters), which stays up.
    expected["error"]["context"] =
        json!({"system_db": "down", "change_feed": "down", "redis": "ok"});
    assert_eq!(
        (ready.status, ready.body),
        (StatusCode::SERVICE_UNAVAILABLE, expected)
    );
    assert_eq!(
        a.get_anonymously("/health/ready").await.status,
        StatusCode::OK
    );

    proxy.restore();
    eventually(
        "node B applies the change made during the outage",
        OUTAGE_DEADLINE,
        async || {
            let reply = read().await;
            (reply.status == StatusCode::FORBIDDEN)
                .then_some(())
                .ok_or((reply.status, reply.body))
        },
    )
    .await;
}
