//! One writer per database: our own writes queue instead of failing, another process
//! holding the write lock past the busy timeout is `Busy` (503 + Retry-After in the
//! gateway), and reads keep working across writes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use sluice_connector_core::WriteKind::Create;
use sluice_connector_core::{ConnectorError, ReadOutput, ReadRequest, TableAccess, WriteBounds};
use sluice_connector_sqlite::SqliteOptions;

use crate::helpers::*;

#[tokio::test]
async fn another_process_holding_the_lock_makes_writes_busy_until_it_lets_go() {
    let fixture = fixture_with(SqliteOptions {
        busy_timeout: Duration::from_millis(200),
        ..SqliteOptions::default()
    });
    let other = direct(&fixture);
    other.execute_batch("BEGIN EXCLUSIVE").expect("lock taken");
    let started = Instant::now();
    let result = write(&fixture, "log", with_body(Create, json!([{"msg": "a"}]))).await;
    assert!(matches!(result, Err(ConnectorError::Busy)), "{result:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "waited for the busy timeout"
    );
    other.execute_batch("COMMIT").expect("lock released");
    let body = write(&fixture, "log", with_body(Create, json!([{"msg": "b"}])))
        .await
        .expect("written once the lock is free");
    assert_eq!(body, json!({"resource": [{}]}));
    assert_eq!(column(&fixture, "SELECT msg FROM log"), vec![json!("b")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_of_this_process_queue_instead_of_failing() {
    let fixture = Arc::new(fixture_with(SqliteOptions {
        busy_timeout: Duration::from_millis(10),
        ..SqliteOptions::default()
    }));
    let tasks: Vec<_> = (0..16)
        .map(|task| {
            let fixture = Arc::clone(&fixture);
            tokio::spawn(async move {
                let records: Vec<_> = (0..50)
                    .map(|n| json!({"msg": format!("{task}-{n}")}))
                    .collect();
                write(&fixture, "log", with_body(Create, json!(records))).await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("joined").expect("no write was busy");
    }
    assert_eq!(
        column(&fixture, "SELECT COUNT(*) FROM log"),
        vec![json!(800)]
    );
}

#[tokio::test]
async fn reads_see_writes_and_keep_their_cached_statements() {
    let fixture = fixture();
    let read = || async {
        let output = fixture
            .table(
                "departments",
                TableAccess::unrestricted(),
                WriteBounds::default(),
            )
            .read_records(&ReadRequest::default())
            .await
            .expect("read");
        match output {
            ReadOutput::Json(bytes) => {
                serde_json::from_slice::<serde_json::Value>(&bytes).expect("JSON")
            }
            ReadOutput::Count(_) => unreachable!("not a count"),
        }
    };
    assert_eq!(read().await["resource"].as_array().map(Vec::len), Some(2));
    write(
        &fixture,
        "departments",
        with_body(Create, json!([{"name": "Ops"}])),
    )
    .await
    .expect("written");
    assert_eq!(read().await["resource"][2], json!({"id": 3, "name": "Ops"}));
}

#[tokio::test]
async fn a_write_after_invalidate_uses_a_fresh_writer() {
    let fixture = fixture();
    write(&fixture, "log", with_body(Create, json!([{"msg": "a"}])))
        .await
        .expect("written");
    direct(&fixture)
        .execute_batch("ALTER TABLE log ADD COLUMN level TEXT")
        .expect("schema changed behind the connector's back");
    fixture.database.invalidate();
    write(
        &fixture,
        "log",
        with_body(Create, json!([{"msg": "b", "level": "warn"}])),
    )
    .await
    .expect("written with the new column");
    assert_eq!(
        column(
            &fixture,
            "SELECT coalesce(level, '-') FROM log ORDER BY rowid"
        ),
        vec![json!("-"), json!("warn")]
    );
}
