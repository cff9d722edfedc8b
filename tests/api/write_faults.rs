//! Infrastructure faults on writes fail closed: another process holding the database's write
//! lock past the busy timeout answers 503 with `Retry-After` and writes nothing, then the
//! same write succeeds once the lock is gone; a full disk answers 507 and leaves nothing
//! half-written. (A `kill -9` mid-batch is in `crates/gateway/tests/crash.rs`: it needs
//! the real binary.)

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::database::{Tmpfs, WriteLock, integrity_check, rows};
use sluice_tests::{TODO_FIXTURE, TestApp, df_error};

use crate::write_support::{fixture_todos, tables_with_env, todos, write};

const BUSY: &str = "The database is busy. Retry the request after the time in Retry-After.";
const FULL: &str = "The database is full. No changes were made.";

/// Every kind of write statement, each of which must be refused while the lock is held.
fn every_write() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::POST, "_table/todo", Some(json!([{"name": "new"}]))),
        (
            Method::POST,
            "_table/todo?rollback=true",
            Some(json!([{"name": "new"}])),
        ),
        (Method::PATCH, "_table/todo/1", Some(json!({"priority": 9}))),
        (
            Method::PUT,
            "_table/todo?ids=1,2",
            Some(json!([{"priority": 9}])),
        ),
        (
            Method::PATCH,
            "_table/todo?filter=id%3E0",
            Some(json!([{"priority": 9}])),
        ),
        (Method::DELETE, "_table/todo?ids=1", None),
        (Method::DELETE, "_table/todo?force=true", None),
    ]
}

#[tokio::test]
async fn a_write_lock_held_elsewhere_is_503_with_retry_after_then_the_write_succeeds() {
    let busy_timeout = Duration::from_millis(150);
    let env = [("SLUICE__SQLITE__BUSY_TIMEOUT_MS", "150")];
    let (app, token) = tables_with_env(&env, json!({})).await;
    let lock = WriteLock::hold(&app.demo_path());

    for (method, path, body) in every_write() {
        let started = Instant::now();
        let reply = write(&app, &token, method.clone(), path, body).await;
        assert_eq!(
            reply.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{method} {path}"
        );
        assert_eq!(reply.body, df_error(503, BUSY), "{method} {path}");
        assert_eq!(
            reply
                .headers
                .get("retry-after")
                .map(|v| v.to_str().unwrap()),
            Some("1"),
            "{method} {path}"
        );
        assert!(
            started.elapsed() >= busy_timeout,
            "{method} {path} waited for the busy timeout"
        );
    }
    // Reads go on meanwhile (WAL readers do not wait for writers), and nothing was written.
    assert_eq!(todos(&app, &token).await, fixture_todos());

    lock.release();
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/todo",
        Some(json!([{"name": "new"}])),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"id": 5}]}));
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo/1",
        Some(json!({"priority": 9})),
    )
    .await;
    assert_eq!(reply.body, json!({"id": 1}));
}

#[tokio::test]
async fn concurrent_writes_of_this_process_queue_instead_of_failing() {
    let (app, token) = tables_with_env(&[], json!({})).await;
    let posts = (0..16).map(|i| {
        let body = json!([{"name": format!("concurrent {i}")}]);
        write(
            &app,
            &token,
            Method::POST,
            "_table/todo?rollback=true",
            Some(body),
        )
    });
    let patches = (0..16).map(|i| {
        let body = json!({"priority": i});
        write(&app, &token, Method::PATCH, "_table/todo/1", Some(body))
    });
    let (posts, patches) = tokio::join!(
        futures::future::join_all(posts),
        futures::future::join_all(patches)
    );
    let mut ids: Vec<i64> = posts
        .iter()
        .map(|reply| {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            reply.body["resource"][0]["id"].as_i64().expect("id")
        })
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (5..21).collect::<Vec<i64>>());
    for reply in patches {
        assert_eq!(reply.body, json!({"id": 1}));
    }
}

/// A server whose `db` service is `todo.sqlite` (with `TODO_FIXTURE`) on the tmpfs `disk`,
/// remounted read-only before the server opens it when `read_only` is set (the kernel cannot
/// turn a file system read-only under a file open for writing).
pub(crate) async fn service_on_tmpfs(disk: &Tmpfs, read_only: bool) -> (TestApp, String) {
    let database = disk.join("todo.sqlite");
    rusqlite::Connection::open(&database)
        .and_then(|connection| connection.execute_batch(TODO_FIXTURE))
        .expect("fixture on the tmpfs");
    if read_only {
        disk.remount(true);
    }
    let root = disk.path().to_str().expect("utf-8 path").to_string();
    let app = TestApp::spawn_with_env(vec![("SLUICE__STORAGE__SQLITE_ROOTS".into(), root)]).await;
    let token = app.login().await;
    let service = json!({"name": "db", "type": "sqlite",
                         "config": {"database": database.to_str().expect("utf-8 path")}});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/service",
            Some(&token),
            Some(json!({"resource": [service]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    (app, token)
}

#[tokio::test]
async fn a_full_disk_is_507_and_leaves_nothing_half_written() {
    let disk = Tmpfs::mount(512 * 1024);
    let (app, token) = service_on_tmpfs(&disk, false).await;
    let database = disk.join("todo.sqlite");
    let table = "SELECT * FROM todo ORDER BY id";
    let before = rows(&database, table);

    // 1 MiB of records fails at the commit; 4 MiB fails half-way, when SQLite spills its
    // page cache (2 MiB by default) into the WAL.
    for kib in [1024, 4096] {
        let big: Vec<Value> = (0..kib)
            .map(|i| json!({"name": format!("{i:04} {}", "x".repeat(1024))}))
            .collect();
        for path in [
            "_table/todo",
            "_table/todo?continue=true",
            "_table/todo?rollback=true",
        ] {
            let body = Some(Value::Array(big.clone()));
            let reply = write(&app, &token, Method::POST, path, body).await;
            assert_eq!(
                reply.status,
                StatusCode::INSUFFICIENT_STORAGE,
                "{kib} KiB {path}: {}",
                reply.body
            );
            assert_eq!(reply.body, df_error(507, FULL), "{kib} KiB {path}");
            assert_eq!(
                rows(&database, table),
                before,
                "{kib} KiB {path} wrote nothing"
            );
        }
    }
    let huge_note = json!([{"note": "y".repeat(300 * 1024)}]);
    for path in ["_table/todo?filter=id%3E0", "_table/todo?ids=1,2,3,4"] {
        let reply = write(&app, &token, Method::PATCH, path, Some(huge_note.clone())).await;
        assert_eq!(reply.body, df_error(507, FULL), "{path}");
        assert_eq!(rows(&database, table), before, "{path} changed nothing");
    }
    assert_eq!(integrity_check(&database), "ok");
    assert_eq!(todos(&app, &token).await, fixture_todos());

    // A write that fits still succeeds on the same service.
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/todo",
        Some(json!([{"name": "small"}])),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"id": 5}]}));
    assert_eq!(integrity_check(&database), "ok");
}
