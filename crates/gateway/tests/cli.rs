//! The `sluice` binary itself: the `listening on` line, config layering and validation,
//! `migrate`, `admin create`, `service add`, `nsqlite`, `system-db copy`'s refusals, first-admin
//! bootstrap and what `serve` says about where its data lives.

mod support;

use std::io::BufRead;
use std::process::Command;

use support::{Running, SLUICE, serve_command, start_listening};
use tempfile::TempDir;

fn sluice(data_dir: &TempDir) -> Command {
    let mut command = Command::new(SLUICE);
    command
        .arg("--data-dir")
        .arg(data_dir.path())
        .env("SLUICE__LOG__LEVEL", "warn")
        .env_remove("SLUICE__SERVER__PORT");
    command
}

/// Starts `serve` and waits until it accepts connections.
fn serve(command: Command) -> Running {
    start_listening(command).0
}

fn http_get(url: &str) -> (u16, String) {
    http_get_with(url, "")
}

fn http_get_with_key(url: &str, key: &str) -> (u16, String) {
    http_get_with(url, &format!("X-DreamFactory-Api-Key: {key}\r\n"))
}

/// `headers`: extra header lines, each ending in CRLF.
fn http_get_with(url: &str, headers: &str) -> (u16, String) {
    let address = url.trim_start_matches("http://");
    let (host, path) = address
        .split_once('/')
        .map_or((address, ""), |(h, p)| (h, p));
    support::http(host, "GET", &format!("/{path}"), headers, "").expect("an answer")
}

#[test]
fn serve_on_port_zero_prints_one_listening_line_and_answers() {
    let dir = TempDir::new().unwrap();
    let mut command = sluice(&dir);
    command.args(["serve", "--port", "0"]);
    let running = serve(command);
    assert!(running.url.starts_with("http://127.0.0.1:"));
    assert!(!running.url.ends_with(":0"));
    let (status, body) = http_get(&format!("{}/api/v2", running.url));
    assert_eq!(status, 200);
    assert!(body.contains("\"services\":[]"), "{body}");
}

#[test]
fn flags_beat_environment_which_beats_the_config_file() {
    let dir = TempDir::new().unwrap();
    let config = dir.path().join("sluice.toml");
    std::fs::write(&config, "[server]\nhost = \"localhost\"\nport = 1\n").unwrap();
    let mut command = sluice(&dir);
    command
        .arg("--config")
        .arg(&config)
        .env("SLUICE__SERVER__HOST", "127.0.0.1")
        .args(["serve", "--port", "0"]);
    let running = serve(command);
    // host from the environment (over the file), port from the flag (over the file).
    assert!(
        running.url.starts_with("http://127.0.0.1:"),
        "{}",
        running.url
    );
    assert_ne!(running.url, "http://127.0.0.1:1");
}

#[test]
fn invalid_configuration_fails_at_start_with_a_fix() {
    let dir = TempDir::new().unwrap();
    let output = sluice(&dir)
        .env("SLUICE__AUTH__JWT_SECRET", "short")
        .args(["serve", "--port", "0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("auth.jwt_secret must be at least 32 characters"),
        "{stderr}"
    );

    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[server]\nprot = 8080\n").unwrap();
    let output = sluice(&dir)
        .arg("--config")
        .arg(&config)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("prot"), "{stderr}");

    let output = sluice(&dir)
        .env("SLUICE__LOG__FORMAT", "xml")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!output.status.success());
}

#[test]
fn migrate_creates_the_system_database() {
    let dir = TempDir::new().unwrap();
    let output = sluice(&dir).arg("migrate").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let applied: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        applied.first(),
        Some(&"applied migration 0001 initial"),
        "{stdout}"
    );
    assert!(
        applied
            .iter()
            .all(|line| line.starts_with("applied migration 00")),
        "{stdout}"
    );
    assert!(dir.path().join("system.sqlite").exists());

    let output = sluice(&dir).arg("migrate").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "system database is already up to date\n"
    );
}

/// Starts `serve` and returns it with the lines it printed after `listening on`, up to and
/// including the one starting with `last`.
fn serve_with_notes(command: Command, last: &str) -> (Running, Vec<String>) {
    let (running, mut reader) = start_listening(command);
    let mut notes = Vec::new();
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).expect("read") > 0, "{notes:?}");
        let line = line.trim_end().to_string();
        let done = line.starts_with(last);
        notes.push(line);
        if done {
            return (running, notes);
        }
    }
}

#[test]
fn serve_says_which_data_dir_and_system_database_it_uses_and_how_to_add_an_admin() {
    let dir = TempDir::new().unwrap();
    let data_dir = dir.path().canonicalize().unwrap();
    let mut command = sluice(&dir);
    command.args(["serve", "--port", "0"]);
    let (running, notes) = serve_with_notes(command, "or start serve");
    drop(running);
    assert_eq!(
        notes,
        [
            format!("data directory:  {}", data_dir.display()),
            format!(
                "system database: {}",
                data_dir.join("system.sqlite").display()
            ),
            "no administrator can sign in yet: create one with".to_string(),
            format!(
                "  sluice --data-dir {} admin create --email you@example.com --password \
                 'at least 16 characters'",
                data_dir.display()
            ),
            "or start serve with SLUICE_ADMIN_EMAIL and SLUICE_ADMIN_PASSWORD set".to_string(),
        ]
    );

    // With an administrator, only the first two lines; nothing follows them.
    let mut command = sluice(&dir);
    command
        .env("SLUICE_ADMIN_EMAIL", "boot@example.com")
        .env("SLUICE_ADMIN_PASSWORD", "bootstrap password 123")
        .args(["serve", "--port", "0"]);
    let (mut running, notes) = serve_with_notes(command, "system database:");
    assert_eq!(notes.len(), 2, "{notes:?}");
    let _ = running.child.kill();
    let mut rest = String::new();
    running
        .child
        .stdout
        .take()
        .map(|mut out| std::io::Read::read_to_string(&mut out, &mut rest));
    assert_eq!(rest, "");
}

#[test]
fn a_configured_storage_root_that_does_not_exist_stops_the_start() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("databases");
    for command in [&["serve", "--port", "0"][..], &["demo", "--port", "0"]] {
        let output = sluice(&dir)
            .env("SLUICE__STORAGE__SQLITE_ROOTS", &missing)
            .args(command)
            .output()
            .unwrap();
        assert!(!output.status.success());
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            format!(
                "sluice: invalid configuration: the storage root {} does not exist; create the \
                 directory, or remove it from storage.sqlite_roots (in the config file or \
                 SLUICE__STORAGE__SQLITE_ROOTS)\n",
                missing.display()
            )
        );
    }
    std::fs::create_dir(&missing).unwrap();
    let mut command = sluice(&dir);
    command
        .env("SLUICE__STORAGE__SQLITE_ROOTS", &missing)
        .args(["serve", "--port", "0"]);
    drop(serve(command));
}

fn make_sqlite(path: &std::path::Path) {
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)")
        .unwrap();
}

#[test]
fn service_add_adds_a_file_inside_the_data_dir_and_refuses_one_outside() {
    let dir = TempDir::new().unwrap();
    let elsewhere = TempDir::new().unwrap();
    let outside = elsewhere.path().join("shop.sqlite");
    make_sqlite(&outside);
    let add = |name: &str, path: &std::path::Path| {
        sluice(&dir)
            .args(["service", "add", name])
            .arg(path)
            .output()
            .unwrap()
    };

    let output = add("shop", &outside);
    assert!(!output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "sluice: Invalid data supplied. The database path must be inside one of the \
             configured storage directories. Allowed: the data directory \"{}\" \
             (storage.sqlite_roots is not set). Copy the file into it, or add the file's \
             directory to the storage.sqlite_roots setting.\n",
            dir.path().display()
        )
    );

    let inside = dir.path().join("shop.sqlite");
    std::fs::copy(&outside, &inside).unwrap();
    let output = add("shop", &inside);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let canonical = inside.canonicalize().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!(
            "service 'shop' added (id 2) over {} (config database \"shop.sqlite\")\n\
             its tables: /api/v2/shop/_table; a running `sluice serve` serves it after a \
             restart (POST /api/v2/system/service adds one without)\n",
            canonical.display()
        )
    );
    let system = rusqlite::Connection::open(dir.path().join("system.sqlite")).unwrap();
    let config: String = system
        .query_row(
            "SELECT config FROM service WHERE name = 'shop'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(config.contains(r#""database":"shop.sqlite""#), "{config}");

    let output = add("shop", &inside);
    assert!(!output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "sluice: a service named 'shop' already exists\n"
    );
    let output = add("Bad Name", &inside);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("The name must be 1 to 40 characters"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = add("system", &dir.path().join("system.sqlite"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("reserved"));
    let output = add("sys", &dir.path().join("system.sqlite"));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "sluice: Invalid data supplied. The system database cannot be used as a service database.\n"
    );
}

#[test]
fn admin_create_creates_then_resets_and_checks_the_password_length() {
    let dir = TempDir::new().unwrap();
    let create = |password: &str| {
        sluice(&dir)
            .args([
                "admin",
                "create",
                "--email",
                "ops@example.com",
                "--password",
                password,
            ])
            .output()
            .unwrap()
    };
    let output = create("a long enough password");
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("created"));
    let output = create("another long password");
    assert!(String::from_utf8_lossy(&output.stdout).contains("updated"));
    let output = create("short");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 16 characters"));
}

#[test]
fn the_first_admin_can_come_from_the_environment() {
    let dir = TempDir::new().unwrap();
    let mut command = serve_command(dir.path(), "boot@example.com", "bootstrap password 123");
    command.env("SLUICE__LOG__LEVEL", "warn");
    let running = serve(command);
    drop(running);
    // The account exists: resetting it reports "updated".
    let output = sluice(&dir)
        .args([
            "admin",
            "create",
            "--email",
            "boot@example.com",
            "--password",
            "another long password",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("updated"));
}

#[test]
fn system_db_copy_refuses_a_missing_source_and_a_target_that_is_not_postgresql() {
    let dir = TempDir::new().unwrap();
    let copy = |to: &str| {
        let output = sluice(&dir)
            .args(["system-db", "copy", "--to", to])
            .output();
        let output = output.unwrap();
        assert!(!output.status.success(), "{to}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let missing = dir.path().join("system.sqlite").display().to_string();
    assert_eq!(
        copy("postgres://u:hunter2@127.0.0.1:1/db"),
        format!(
            "sluice: there is no system database at {missing}: pass the --data-dir (and \
             --config) the node runs with\n"
        )
    );
    assert!(
        sluice(&dir)
            .arg("migrate")
            .output()
            .unwrap()
            .status
            .success()
    );
    assert_eq!(
        copy("sqlite://elsewhere.sqlite"),
        "sluice: --to must be a PostgreSQL URL, postgres://user:password@host:port/dbname; \
         sqlite://elsewhere.sqlite is not one\n"
    );
}

#[test]
fn help_is_available_everywhere() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["demo", "--help"],
        &["admin", "create", "--help"],
        &["service", "add", "--help"],
        &["system-db", "copy", "--help"],
    ] {
        let output = Command::new(SLUICE).args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stdout).contains("Usage"));
    }
}

/// Reads stdout lines after the `listening on` line until the one starting with `prefix`.
fn banner_line(reader: &mut impl BufRead, prefix: &str) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            reader.read_line(&mut line).expect("read") > 0,
            "no {prefix} line"
        );
        if let Some(rest) = line.trim().strip_prefix(prefix) {
            return rest.trim().to_string();
        }
    }
}

#[test]
fn demo_prints_an_api_key_whose_role_reads_the_tables() {
    let data_dir = TempDir::new().unwrap();
    let mut command = sluice(&data_dir);
    command.args(["demo", "--port", "0"]);
    let (running, mut reader) = start_listening(command);
    let key = banner_line(&mut reader, "API key:");
    let key = key.split_whitespace().next().unwrap().to_string();
    assert_eq!(key.len(), 64, "{key}");

    let (status, body) = http_get_with_key(
        &format!("{}/api/v2/db/_table/contact?limit=1&fields=id", running.url),
        &key,
    );
    assert_eq!((status, body.as_str()), (200, r#"{"resource":[{"id":1}]}"#));
    let (status, _) = http_get(&format!("{}/api/v2/db/_table/contact", running.url));
    assert_eq!(status, 400, "no key, no access");
}

#[test]
fn nsqlite_creates_its_database_and_serves_nsqlite_with_the_variables_tokens() {
    let dir = TempDir::new().unwrap();
    let database = dir.path().join("nsqlite.sqlite");
    let mut command = sluice(&dir);
    command
        .arg("nsqlite")
        .arg("--database")
        .arg(&database)
        .args(["--host", "127.0.0.1", "--port", "0"])
        .env("NSQLITE_AUTH_TOKEN_RW", "writer");
    let running = serve(command);
    assert!(database.is_file(), "the missing database was created");
    let host = running.url.trim_start_matches("http://");
    assert_eq!(
        support::http(host, "GET", "/health", "", ""),
        Some((200, "OK".to_string()))
    );
    let batch = r#"[{"query": "CREATE TABLE t (x)"}, {"query": "SELECT count(*) AS n FROM t"}]"#;
    let (status, body) = support::http(
        host,
        "POST",
        "/query",
        "Authorization: Bearer writer\r\n",
        batch,
    )
    .expect("an answer");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""rows":[[0]]"#), "{body}");
    let (status, _) = support::http(host, "POST", "/query", "", batch).expect("an answer");
    assert_eq!(status, 401);
}
