//! The change feed on one node with its embedded SQLite system database: another process
//! writing the same file (the `sluice` CLI while a server runs) is picked up by the poll, and
//! a node that cannot read its system database answers from its caches only for
//! `change_feed.max_stale_seconds`. Multi-node behaviour is in tests/cluster.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_system_db::NewService;
use sluice_tests::{Auth, Reply, TestApp, df_error, eventually};

/// A fast poll and a short staleness bound, so the tests need no long deadlines.
fn fast_feed() -> Vec<(String, String)> {
    vec![
        ("SLUICE__CHANGE_FEED__POLL_INTERVAL_MS".into(), "100".into()),
        ("SLUICE__CHANGE_FEED__MAX_STALE_SECONDS".into(), "1".into()),
    ]
}

/// `Ok` when `reply` has `status`, else what it had instead.
fn status_is(status: StatusCode, reply: Reply) -> Result<(), (StatusCode, Value)> {
    match reply.status == status {
        true => Ok(()),
        false => Err((reply.status, reply.body)),
    }
}

#[tokio::test]
async fn a_service_another_process_adds_is_served_after_the_next_poll() {
    let app = TestApp::spawn_with_env(fast_feed()).await;
    let token = app.login().await;
    let db = app.system_db().await;
    db.services()
        .insert(
            &NewService {
                config: json!({"database": "demo.sqlite"}),
                ..NewService::new("added", "sqlite")
            },
            None,
        )
        .await
        .expect("insert service");
    db.close().await;

    eventually(
        "the new service answers",
        Duration::from_secs(2),
        async || {
            status_is(
                StatusCode::OK,
                app.get("/api/v2/added/_table?fields=name&limit=1", &token)
                    .await,
            )
        },
    )
    .await;
}

#[tokio::test]
async fn a_node_without_its_system_database_answers_from_its_caches_then_refuses_until_it_is_back()
{
    let (app, admin) =
        TestApp::with_tables(TestApp::spawn_with_env(fast_feed()).await, json!({}), "").await;
    let db = crate::access::service_id(&app, &admin, "db").await;
    let role = app
        .create_role(
            &admin,
            crate::access::role("reader", db, "_table/*", 1, json!({})),
        )
        .await;
    let (_, key) = app.create_app(&admin, "reader", Some(role)).await;
    let read = "/api/v2/db/_table/contact/1?fields=id";
    let get = async |key: &str| app.call(Method::GET, read, Auth::key(key), None).await;
    assert_eq!(
        get(&key).await.status,
        StatusCode::OK,
        "the caches are warm"
    );

    let file = app.data_dir.path().join("system.sqlite");
    let aside = app.data_dir.path().join("system.sqlite.aside");
    std::fs::rename(&file, &aside).expect("move the system database away");
    // At once: the caches answer reads, and writes are refused.
    assert_eq!(get(&key).await.status, StatusCode::OK);
    let write = app
        .send(
            Method::POST,
            "/api/v2/system/role",
            Some(&admin),
            Some(json!({"resource": [{"name": "new"}]})),
        )
        .await;
    assert_eq!(
        write.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        write.body
    );

    let (_, refused) = eventually("reads are refused", Duration::from_secs(3), async || {
        status_is(StatusCode::SERVICE_UNAVAILABLE, get(&key).await)
    })
    .await;
    assert!(
        refused >= Duration::from_millis(500),
        "{refused:?}: too early for the bound"
    );
    let reply = get(&key).await;
    assert_eq!(
        reply.body,
        df_error(503, "The system database is unavailable.")
    );
    assert_eq!(reply.headers["retry-after"], "1");

    std::fs::rename(&aside, &file).expect("put the system database back");
    eventually(
        "reads are served again",
        Duration::from_secs(2),
        async || status_is(StatusCode::OK, get(&key).await),
    )
    .await;
}
