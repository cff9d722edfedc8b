//! The access log of the real `sluice` binary, written to `log.file` as JSON lines: exactly
//! one line per request, with the route template and who called, and never a credential, a
//! password or a query value. (A process has one log subscriber, so this cannot be seen from
//! the in-process servers of the API tests.)

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Running, SLUICE, serve_command, start_listening};
use tempfile::TempDir;

const EMAIL: &str = "ops@example.com";
const PASSWORD: &str = "a-password-that-must-never-be-logged";

fn serve_logging_to(data_dir: &Path, log_file: &Path) -> Running {
    let mut command = serve_command(data_dir, EMAIL, PASSWORD);
    command
        .env("SLUICE__LOG__LEVEL", "info")
        .env("SLUICE__LOG__FORMAT", "json")
        .env("SLUICE__LOG__FILE", log_file);
    start_listening(command).0
}

/// Stops the server as an operator or an orchestrator does (SIGTERM), and waits for it.
fn stop(mut server: Running) {
    let stopped = Command::new("kill")
        .arg("-TERM")
        .arg(server.child.id().to_string())
        .status()
        .expect("kill");
    assert!(stopped.success());
    let exit = server.child.wait().expect("the server's exit");
    assert!(exit.success(), "{exit}");
}

fn send(server: &Running, method: &str, path: &str, headers: &str, body: &Value) -> (u16, Value) {
    let headers = format!("Content-Type: application/json\r\n{headers}");
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let (status, answer) =
        support::http(&server.url, method, path, &headers, &body).expect("an answer");
    (status, serde_json::from_str(&answer).unwrap_or(Value::Null))
}

/// The `fields` of every access line in the log file, in order.
fn access_lines(log: &str) -> Vec<Value> {
    log.lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a JSON log line"))
        .filter(|line| line["target"] == "sluice::access")
        .map(|mut line| {
            let fields = &mut line["fields"];
            assert!(fields["duration_ms"].as_f64().is_some(), "{fields}");
            assert_eq!(fields["request_id"].as_str().map(str::len), Some(36));
            fields["duration_ms"] = Value::Null;
            fields["request_id"] = Value::Null;
            fields.take()
        })
        .collect()
}

/// Waits (ten seconds at most) until the log file holds `count` access lines.
fn wait_for_access_lines(log_file: &Path, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(log_file).unwrap_or_default();
        let written = access_lines(&log).len();
        if written >= count || Instant::now() > deadline {
            assert_eq!(written, count, "{log}");
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn access(method: &str, route: &str, status: u16, service: &str) -> Value {
    json!({"message": "request answered", "method": method, "route": route, "status": status,
           "service": service, "duration_ms": null, "request_id": null})
}

#[test]
fn every_request_gets_one_access_line_with_its_route_template_and_no_secrets() {
    let dir = TempDir::new().unwrap();
    let log_file = dir.path().join("sluice.log");
    let server = serve_logging_to(dir.path(), &log_file);
    // A quiet server holds nothing back for long: its lines go out on their own.
    let (status, _) = send(&server, "GET", "/health", "", &Value::Null);
    assert_eq!(status, 200);
    wait_for_access_lines(&log_file, 1);

    let login = json!({"email": EMAIL, "password": PASSWORD});
    let (status, session) = send(&server, "POST", "/api/v2/system/admin/session", "", &login);
    assert_eq!(status, 200, "{session}");
    let token = session["session_token"].as_str().unwrap().to_string();
    let user_id = session["id"].as_i64().unwrap();
    let as_admin = format!("X-DreamFactory-Session-Token: {token}\r\n");
    let app = json!({"resource": [{"name": "ops", "is_active": true}]});
    let (status, apps) = send(
        &server,
        "POST",
        "/api/v2/system/app?fields=id,api_key",
        &as_admin,
        &app,
    );
    assert_eq!(status, 201, "{apps}");
    let app_id = apps["resource"][0]["id"].as_i64().unwrap();
    let key = apps["resource"][0]["api_key"].as_str().unwrap().to_string();
    let with_key = format!("{as_admin}X-DreamFactory-Api-Key: {key}\r\n");
    let (status, _) = send(
        &server,
        "GET",
        "/api/v2/system/service/1?fields=name&filter=name%3D%27a-filter-value%27",
        &with_key,
        &Value::Null,
    );
    assert_eq!(status, 200);
    // One record read answered directly (`routes::db::direct`) and the same read through the
    // routes (a trailing slash takes a request there): the same line.
    let books = json!({"resource": [{"name": "books", "type": "sqlite",
        "config": {"database": "books.sqlite", "create": true}}]});
    let (status, _) = send(&server, "POST", "/api/v2/system/service", &as_admin, &books);
    assert_eq!(status, 201);
    let table = json!({"resource": [{"name": "book", "field": [
        {"name": "id", "type": "id"}, {"name": "title", "type": "string"}]}]});
    let (status, _) = send(&server, "POST", "/api/v2/books/_schema", &as_admin, &table);
    assert_eq!(status, 200);
    let record = json!({"resource": [{"title": "Emma"}]});
    let (status, _) = send(
        &server,
        "POST",
        "/api/v2/books/_table/book",
        &as_admin,
        &record,
    );
    assert_eq!(status, 200);
    for path in [
        "/api/v2/books/_table/book/1",
        "/api/v2/books/_table/book/1/",
    ] {
        let (status, book) = send(&server, "GET", path, &with_key, &Value::Null);
        assert_eq!(
            (status, book),
            (200, json!({"id": 1, "title": "Emma"})),
            "{path}"
        );
    }
    let (status, _) = send(
        &server,
        "GET",
        "/nowhere/42?api_key=a-key-in-the-query",
        "",
        &Value::Null,
    );
    assert_eq!(status, 404);

    // Access lines are gathered (`log.access_buffer_ms`): a server that stops writes out the
    // last of them.
    stop(server);
    let log = std::fs::read_to_string(&log_file).expect("the log file");
    let mut as_user = access("POST", "/api/v2/system/app", 201, "system");
    as_user["user_id"] = json!(user_id);
    let mut as_app_and_user = access("GET", "/api/v2/system/service/{id}", 200, "system");
    as_app_and_user["app_id"] = json!(app_id);
    as_app_and_user["user_id"] = json!(user_id);
    let with_user = |mut line: Value| {
        line["user_id"] = json!(user_id);
        line
    };
    let mut read_book = access("GET", "/api/v2/{service}/_table/{table}/{id}", 200, "books");
    read_book["app_id"] = json!(app_id);
    read_book["user_id"] = json!(user_id);
    assert_eq!(
        access_lines(&log),
        [
            access("GET", "/health", 200, "health"),
            access("POST", "/api/v2/system/admin/session", 200, "system"),
            as_user,
            as_app_and_user.clone(),
            with_user(access("POST", "/api/v2/system/service", 201, "system")),
            with_user(access("POST", "/api/v2/{service}/_schema", 200, "books")),
            with_user(access(
                "POST",
                "/api/v2/{service}/_table/{table}",
                200,
                "books"
            )),
            read_book.clone(),
            read_book,
            // The route of files hosted on file services, which matches any two segments.
            access("GET", "/{service}/{path:.*}", 404, "other"),
        ]
    );
    for secret in [
        PASSWORD,
        &token,
        &key,
        "a-filter-value",
        "a-key-in-the-query",
        "/nowhere/42",
    ] {
        assert!(!log.contains(secret), "{secret} is in the log:\n{log}");
    }
}

#[test]
fn a_log_file_that_cannot_be_opened_stops_the_start() {
    let dir = TempDir::new().unwrap();
    let log_file = dir.path().join("missing-directory").join("sluice.log");
    let output = Command::new(SLUICE)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--port", "0"])
        .env("SLUICE__LOG__FILE", &log_file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "it never listened");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot open the log file {} (log.file)",
            log_file.display()
        )),
        "{stderr}"
    );
}
