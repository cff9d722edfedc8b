//! Failure mapping (no SQLite text or paths reach the client; infrastructure faults fail
//! closed) seen through the public API: opening bad files, a locked
//! database, a file corrupted under a running service.

use std::time::Duration;

use sluice_connector_core::{ConnectorError, ReadRequest};
use sluice_connector_sqlite::{SqliteConnector, SqliteOptions};

use crate::helpers::*;

fn assert_no_path(error: &ConnectorError, path: &std::path::Path) {
    let text = format!("{error} {error:?}");
    let dir = path
        .parent()
        .expect("parent")
        .to_string_lossy()
        .into_owned();
    assert!(!text.contains(&dir), "{text}");
}

#[test]
fn opening_a_missing_or_non_sqlite_file_is_unavailable_without_the_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.sqlite");
    let error = SqliteConnector::open(&missing, SqliteOptions::default()).expect_err("missing");
    assert!(matches!(error, ConnectorError::Unavailable(_)), "{error:?}");
    assert_no_path(&error, &missing);
    assert!(!missing.exists(), "opening never creates the file");

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, vec![b'x'; 4096]).expect("write");
    let error = SqliteConnector::open(&text, SqliteOptions::default()).expect_err("not sqlite");
    assert!(matches!(error, ConnectorError::Unavailable(_)), "{error:?}");
    assert_no_path(&error, &text);
}

#[tokio::test]
async fn a_database_locked_by_another_process_is_busy() {
    let fixture = fixture_with(SqliteOptions {
        busy_timeout: Duration::from_millis(50),
        ..SqliteOptions::default()
    });
    // Exclusive locking mode makes the writer's lock block WAL readers, too.
    let locker = writer(&fixture);
    locker
        .execute_batch(
            "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE counters SET n = n + 1;",
        )
        .expect("locked");
    let result = get(
        &fixture,
        "employees",
        ReadRequest {
            refresh: true,
            ..request()
        },
    )
    .await;
    assert!(matches!(result, Err(ConnectorError::Busy)), "{result:?}");
    locker
        .execute_batch("COMMIT; PRAGMA locking_mode = NORMAL;")
        .expect("unlocked");
    drop(locker);
    assert!(
        get(&fixture, "employees", request()).await.is_ok(),
        "recovers once the lock is gone"
    );
}

#[tokio::test]
async fn a_file_corrupted_under_a_running_service_is_unavailable() {
    let fixture = fixture();
    assert!(get(&fixture, "employees", request()).await.is_ok());
    // Overwrite every page in place. Open connections may still answer from their page
    // cache; `invalidate` (the admin's "refresh") retires them, and fresh ones see the
    // damage.
    let size = std::fs::metadata(&fixture.path).expect("metadata").len();
    let size = usize::try_from(size).expect("small file");
    std::fs::write(&fixture.path, vec![0x5a; size]).expect("overwritten");
    fixture.database.invalidate();
    let result = get(&fixture, "employees", request()).await;
    match result {
        Err(error @ ConnectorError::Unavailable(_)) => assert_no_path(&error, &fixture.path),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}
