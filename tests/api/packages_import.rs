//! `system/package` imports: a hand-built DreamFactory-style package with a per-item report,
//! all-or-nothing imports, and packages made to attack an unpacker.

use std::io::Write;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, TestApp};
use zip::write::SimpleFileOptions;

use crate::packages::{PACKAGE, import, item};

/// A zip of `entries`, deflated.
fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).expect("entry");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

fn json_entry(name: &str, value: Value) -> (&str, Vec<u8>) {
    (name, value.to_string().into_bytes())
}

/// A hash PHP's `password_hash("rasmuslerdorf", PASSWORD_BCRYPT)` wrote, as DreamFactory
/// stores passwords.
const PHP_BCRYPT: &str = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";
/// Not the key of a default app (a new instance has those), so the package's app gets it.
const DF_KEY: &str = "5f1c0e0d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d";

/// What DreamFactory's exporter writes, in its shape (ids of the instance it came from,
/// audit columns, back references), with things Sluice has no counterpart for.
fn dreamfactory_package() -> Vec<u8> {
    zip_of(&[
        json_entry(
            "package.json",
            json!({"version": "0.1", "df_version": "4.9.0",
            "secured": false, "description": "", "created_date": "2024-01-02 03:04:05",
            "service": {"system": {"role": ["addressbook"], "service": ["db", "files"],
                "app": ["addressbook", "hosted"], "user": ["jo@example.com"]},
                "db": {"_schema": ["contact"]}}}),
        ),
        json_entry(
            "system/role.json",
            json!([{"id": 7, "name": "addressbook",
            "description": "Address book users", "is_active": true,
            "created_date": "2024-01-01 00:00:00", "created_by_id": 1,
            "role_service_access_by_role_id": [
                {"id": 3, "role_id": 7, "service_id": 12, "component": "_table/*",
                 "verb_mask": 31, "requestor_mask": 1, "filters": [], "filter_op": "AND"},
                {"id": 4, "role_id": 7, "service_id": 13, "component": "*",
                 "verb_mask": 1, "requestor_mask": 1, "filters": [], "filter_op": "AND"}]}]),
        ),
        json_entry(
            "system/service.json",
            json!([
            {"id": 1, "name": "system", "label": "System Management", "type": "system",
             "is_active": true, "config": null},
            {"id": 12, "name": "db", "label": "Address book", "type": "sqlite",
             "is_active": true, "mutable": true, "deletable": true,
             "config": {"service_id": 12, "database": "demo.sqlite", "options": null,
                        "attributes": null, "statements": null, "allow_upsert": false,
                        "max_records": 1000, "cache_enabled": false}},
            {"id": 13, "name": "files", "label": "Local file service", "type": "local_file",
             "is_active": true, "config": {"service_id": 13, "container": "app"}}]),
        ),
        json_entry(
            "system/app.json",
            json!([
            {"id": 5, "name": "addressbook", "api_key": DF_KEY, "is_active": true,
             "type": 0, "role_id": 7, "toggle_location": "top"},
            {"id": 6, "name": "hosted", "api_key": "b".repeat(64), "is_active": true,
             "type": 1, "storage_service_id": 13, "storage_container": "applications",
             "role_id": 7}]),
        ),
        json_entry(
            "system/user.json",
            json!([{"id": 9, "name": "Jo Doe",
            "first_name": "Jo", "last_name": "Doe", "email": "jo@example.com",
            "is_active": true, "password": PHP_BCRYPT,
            "user_to_app_to_role_by_user_id": [{"id": 1, "user_id": 9, "app_id": 5,
                                                "role_id": 7}]}]),
        ),
        json_entry(
            "system/event_script.json",
            json!([{"name":
            "db._table.contact.get.pre_process", "type": "php", "content": "<?php return;",
            "is_active": true}]),
        ),
        json_entry(
            "system/email_template.json",
            json!([{"id": 1, "name": "invite"}]),
        ),
        json_entry(
            "db/_schema.json",
            json!({"resource": [{"name": "contact"}]}),
        ),
    ])
}

#[tokio::test]
async fn a_dreamfactory_package_imports_what_sluice_has_and_reports_the_rest() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = import(&app, &token, dreamfactory_package()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let body = &reply.body;
    for (kind, name, status) in [
        ("role", "addressbook", "imported"),
        ("service", "db", "imported"),
        ("service", "system", "skipped"),
        ("service", "files", "skipped"),
        ("app", "addressbook", "imported"),
        // Its storage service is the `files` service this instance has (by name).
        ("app", "hosted", "imported"),
        ("user", "jo@example.com", "imported"),
        (
            "event_script",
            "db._table.contact.get.pre_process",
            "skipped",
        ),
        ("email_template", "invite", "imported"),
        ("entry", "db/_schema.json", "skipped"),
    ] {
        assert_eq!(
            item(body, kind, name)["status"],
            status,
            "{kind} {name}: {body}"
        );
    }
    assert_eq!(
        item(body, "service", "files")["reason"],
        "A service with this name exists here already; it was kept as it is."
    );
    assert_eq!(body["imported"], 6);
    assert!(
        body["log"]["warning"]
            .as_array()
            .is_some_and(|w| !w.is_empty())
    );

    // The app's key reads the address book through the imported role.
    let contacts = app
        .call(
            Method::GET,
            "/api/v2/db/_table/contact?limit=1",
            Auth::key(DF_KEY),
            None,
        )
        .await;
    assert_eq!(contacts.status, StatusCode::OK, "{}", contacts.body);
    // The DreamFactory user signs in with their password (bcrypt, re-hashed on login).
    app.user_login("jo@example.com", "rasmuslerdorf", Some(DF_KEY))
        .await;

    // Importing again changes nothing: everything exists already.
    let again = import(&app, &token, dreamfactory_package()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.body["imported"], 0);
}

/// A small SQLite database, as a package carries one.
fn sqlite_bytes() -> Vec<u8> {
    let dir = tempfile::TempDir::new().expect("dir");
    let path = dir.path().join("x.sqlite");
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);")
        .expect("fill");
    drop(conn);
    std::fs::read(&path).expect("read")
}

#[tokio::test]
async fn a_failing_item_rolls_the_whole_import_back() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let services_before = app.get("/api/v2/system/service?fields=name", &token).await;
    let zip = zip_of(&[
        json_entry(
            "package.json",
            json!({"version": "0.1", "df_version": "sluice"}),
        ),
        json_entry(
            "system/role.json",
            json!([{"id": 1, "name": "kept-out", "is_active": true}]),
        ),
        json_entry(
            "system/service.json",
            json!([{"id": 4, "name": "placed", "type": "sqlite",
            "config": {"database": "placed.sqlite"}}]),
        ),
        ("placed/database.sqlite", sqlite_bytes()),
        json_entry(
            "system/cors.json",
            json!([{"path": "*", "origin": "not an origin"}]),
        ),
    ]);
    let reply = import(&app, &token, zip).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let message = reply.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("The package's cors '*' cannot be imported, so nothing was imported."),
        "{message}"
    );
    let roles = app.get("/api/v2/system/role", &token).await;
    assert_eq!(roles.body["resource"], json!([]));
    let services = app.get("/api/v2/system/service?fields=name", &token).await;
    assert_eq!(services.body, services_before.body);
    assert!(!app.data_dir.path().join("placed.sqlite").exists());
}

#[tokio::test]
async fn a_file_service_outside_the_storage_roots_is_refused_like_a_new_service() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let outside = tempfile::TempDir::new().expect("dir");
    let container = outside.path().to_string_lossy().into_owned();
    let zip = zip_of(&[
        json_entry(
            "package.json",
            json!({"version": "0.1", "df_version": "sluice"}),
        ),
        json_entry(
            "system/service.json",
            json!([{"id": 3, "name": "elsewhere", "type": "local_file",
            "config": {"container": container}}]),
        ),
        ("elsewhere/files/a.txt", b"a".to_vec()),
    ]);
    let reply = import(&app, &token, zip).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let message = reply.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("The package's service 'elsewhere' cannot be imported")
            && message.contains("storage directories"),
        "{message}"
    );
    assert!(!outside.path().join("a.txt").exists());
    let services = app
        .get("/api/v2/system/service?filter=name%3Delsewhere", &token)
        .await;
    assert_eq!(services.body["resource"], json!([]), "{}", services.body);
}

#[tokio::test]
async fn traversal_entries_zip_bombs_and_oversized_uploads_are_refused() {
    let app = TestApp::spawn_with_env(vec![
        (
            "SLUICE__LIMITS__PACKAGE_MAX_UNPACKED_BYTES".into(),
            "100000".into(),
        ),
        ("SLUICE__LIMITS__PACKAGE_MAX_BYTES".into(), "50000".into()),
    ])
    .await;
    let token = app.login().await;
    let manifest = json_entry("package.json", json!({"version": "0.1", "df_version": "x"}));

    let traversal = zip_of(&[
        manifest.clone(),
        ("../../etc/cron.d/x", b"* * * * *".to_vec()),
    ]);
    let reply = import(&app, &token, traversal).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body["error"]["message"],
        "Invalid package supplied. An entry's name is absolute or leads out of the package."
    );

    // A megabyte of zeros deflates to about a kilobyte; it is counted as it unpacks.
    let bomb = zip_of(&[
        manifest.clone(),
        ("system/role.json", vec![b' '; 1_000_000]),
    ]);
    assert!(bomb.len() < 50_000);
    let reply = import(&app, &token, bomb).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let message = reply.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("unpacks to more than 100000 bytes"),
        "{message}"
    );

    let reply = import(&app, &token, vec![7u8; 60_000]).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    let reply = import(&app, &token, b"not a zip".to_vec()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let url = app
        .send(
            Method::POST,
            &format!("{PACKAGE}?import_url=http://x/p.zip"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(url.status, StatusCode::BAD_REQUEST);
}
