//! `kill -9` of the real `sluice` binary in the middle of a large `rollback=true` batch
//! (infrastructure faults fail closed, issue 4): the table is exactly as before,
//! `PRAGMA integrity_check` is `ok`, and a restarted server serves and writes the table again.
//!
//! The test waits until the server has spilled at least 1 MiB of the uncommitted batch into
//! the WAL file (polling its size; SQLite gives no event for it), stops the process
//! (`SIGSTOP`), proves it is frozen inside its transaction (another connection cannot take
//! the write lock), then kills it: the file then holds uncommitted frames that recovery must
//! ignore.

mod support;

use std::path::Path;
use std::process::{Child, Command};
use std::thread;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode};
use serde_json::{Value, json};
use support::{Running, serve_command, start_listening};
use tempfile::TempDir;

const EMAIL: &str = "crash@example.com";
const PASSWORD: &str = "a long enough password";
/// Records in the killed batch: enough that the insert loop runs far longer than it takes
/// the test to see the log line and stop the process.
const RECORDS: usize = 200_000;
/// Uncommitted bytes in the WAL file when the server is killed.
const SPILLED: u64 = 1 << 20;

fn serve(data_dir: &Path) -> Running {
    let mut command = serve_command(data_dir, EMAIL, PASSWORD);
    command
        .env("SLUICE__LOG__LEVEL", "warn")
        .env("SLUICE__LIMITS__BATCH_RECORDS_MAX", RECORDS.to_string());
    start_listening(command).0
}

/// One JSON request; `None` when the connection ended without a response.
fn http(url: &str, method: &str, path: &str, token: &str, body: &Value) -> Option<(u16, Value)> {
    let mut headers = String::from("Content-Type: application/json\r\n");
    if !token.is_empty() {
        headers.push_str(&format!("X-DreamFactory-Session-Token: {token}\r\n"));
    }
    let (status, body) = support::http(url, method, path, &headers, &body.to_string())?;
    Some((status, serde_json::from_str(&body).unwrap_or(Value::Null)))
}

fn login_and_open_service(server: &Running, create: bool) -> String {
    let login = json!({"email": EMAIL, "password": PASSWORD});
    let (status, body) = http(
        &server.url,
        "POST",
        "/api/v2/system/admin/session",
        "",
        &login,
    )
    .expect("login answered");
    assert_eq!(status, 200, "{body}");
    let token = body["session_token"].as_str().expect("token").to_string();
    if create {
        let service = json!({"resource": [{"name": "db", "type": "sqlite",
                                           "config": {"database": "big.sqlite"}}]});
        let (status, body) = http(
            &server.url,
            "POST",
            "/api/v2/system/service",
            &token,
            &service,
        )
        .expect("service created");
        assert_eq!(status, 201, "{body}");
    }
    token
}

fn items(path: &Path) -> Vec<(i64, String)> {
    let connection = Connection::open(path).expect("open");
    let mut statement = connection
        .prepare("SELECT id, name FROM item ORDER BY id")
        .expect("prepare");
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Whether another connection is kept from the write lock right now.
fn write_lock_is_taken(path: &Path) -> bool {
    let connection = Connection::open(path).expect("open");
    match connection.execute_batch("BEGIN IMMEDIATE; ROLLBACK;") {
        Ok(()) => false,
        Err(error) if error.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) => true,
        Err(error) => panic!("unexpected error probing the lock: {error}"),
    }
}

/// `kill -s SIGNAL pid` through `sh`, whose built-in `kill` every Debian has.
fn signal(child: &Child, signal: &str) {
    let status = Command::new("sh")
        .args(["-c", &format!("kill -s {signal} {}", child.id())])
        .status()
        .expect("run sh");
    assert!(status.success(), "kill -s {signal} failed");
}

#[test]
fn kill_9_during_a_rollback_batch_leaves_the_table_as_it_was() {
    let data_dir = TempDir::new().expect("temp dir");
    let database = data_dir.path().join("big.sqlite");
    Connection::open(&database)
        .and_then(|connection| {
            connection.execute_batch(
                "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT);
                 INSERT INTO item (name) VALUES ('one'), ('two'), ('three');",
            )
        })
        .expect("fixture");
    let before = items(&database);

    let mut server = serve(data_dir.path());
    let token = login_and_open_service(&server, true);
    let records: Vec<Value> = (0..RECORDS)
        .map(|i| json!({"name": format!("item {i}"), "body": "x".repeat(16)}))
        .collect();
    let batch = json!({ "resource": records });
    let url = server.url.clone();
    let request = thread::spawn(move || {
        http(
            &url,
            "POST",
            "/api/v2/db/_table/item?rollback=true",
            &token,
            &batch,
        )
    });

    let wal = data_dir.path().join("big.sqlite-wal");
    let wal_size = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    while wal_size() < SPILLED {
        assert!(
            !request.is_finished(),
            "the batch ended before it spilled 1 MiB into the WAL: make RECORDS larger"
        );
        thread::sleep(Duration::from_millis(1));
    }
    signal(&server.child, "STOP");
    assert!(
        write_lock_is_taken(&database),
        "the server was stopped after its transaction ended: make RECORDS larger"
    );
    signal(&server.child, "KILL");
    server.child.wait().expect("reaped");
    let answer = request.join().expect("request thread");
    assert_eq!(answer, None, "the killed server answered the batch");

    assert_eq!(items(&database), before, "nothing of the batch is left");
    let check: String = Connection::open(&database)
        .and_then(|c| c.query_row("PRAGMA integrity_check", [], |row| row.get(0)))
        .expect("integrity check");
    assert_eq!(check, "ok");

    // A new server on the same data directory serves the table and writes to it.
    drop(server);
    let server = serve(data_dir.path());
    let token = login_and_open_service(&server, false);
    let small = json!([{"name": "four"}]);
    let answer = http(
        &server.url,
        "POST",
        "/api/v2/db/_table/item",
        &token,
        &small,
    );
    assert_eq!(answer, Some((200, json!({"resource": [{"id": 4}]}))));
    assert_eq!(items(&database).len(), 4);
}
