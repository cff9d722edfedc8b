//! `kill -9` of the real `sluice` binary in the middle of a large `rollback=true` batch
//! (infrastructure faults fail closed, issue 4): the table is exactly as before,
//! `PRAGMA integrity_check` is `ok`, and a restarted server serves and writes the table again.
//!
//! The test waits until the server has spilled at least 1 MiB of the uncommitted batch into
//! the WAL file (polling its size; SQLite gives no event for it), stops the process
//! (`SIGSTOP`), proves it is frozen inside its transaction (another connection cannot take
//! the write lock), then kills it: the file then holds uncommitted frames that recovery must
//! ignore.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode};
use serde_json::{Value, json};
use tempfile::TempDir;

const SLUICE: &str = env!("CARGO_BIN_EXE_sluice");
const EMAIL: &str = "crash@example.com";
const PASSWORD: &str = "a long enough password";
/// Records in the killed batch: enough that the insert loop runs far longer than it takes
/// the test to see the log line and stop the process.
const RECORDS: usize = 200_000;
/// Uncommitted bytes in the WAL file when the server is killed.
const SPILLED: u64 = 1 << 20;

/// A running `sluice serve`, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data_dir: &Path) -> Server {
    let mut child = Command::new(SLUICE)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["serve", "--port", "0"])
        .env("SLUICE_ADMIN_EMAIL", EMAIL)
        .env("SLUICE_ADMIN_PASSWORD", PASSWORD)
        .env("SLUICE__LOG__LEVEL", "warn")
        .env("SLUICE__LIMITS__BATCH_RECORDS_MAX", RECORDS.to_string())
        .env_remove("SLUICE__SERVER__PORT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sluice");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the listening line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    Server { child, url }
}

/// One HTTP/1.0 request; `None` when the connection ended without a response.
fn http(url: &str, method: &str, path: &str, token: &str, body: &Value) -> Option<(u16, Value)> {
    let address = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect");
    let body = body.to_string();
    let token = if token.is_empty() {
        String::new()
    } else {
        format!("X-DreamFactory-Session-Token: {token}\r\n")
    };
    let head = format!(
        "{method} {path} HTTP/1.0\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n{token}\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body.as_bytes()).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let response = String::from_utf8_lossy(&response);
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let (_, body) = response.split_once("\r\n\r\n")?;
    Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

fn login_and_open_service(server: &Server, create: bool) -> String {
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
