//! Path traversal through every spelling, symlinks out of the folder, containers outside the
//! roots, read-only services and the size limits.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Reply, TestApp, df_error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{BAD_PATH, files_dir, raw};

/// Sends `target` exactly as written (HTTP clients resolve `..` before sending); returns the
/// status and the JSON body.
async fn raw_target(app: &TestApp, method: &str, target: &str, token: &str) -> (u16, Value) {
    let address = app.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {address}\r\nX-DreamFactory-Session-Token: \
         {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response);
    let status = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (
        status,
        serde_json::from_str(body).unwrap_or(Value::String(body.into())),
    )
}

#[tokio::test]
async fn dot_segments_in_any_spelling_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    std::fs::write(app.data_dir.path().join("storage/secret.txt"), "s").unwrap();
    for target in [
        "/api/v2/files/../secret.txt",
        "/api/v2/files/../../system.sqlite",
        "/api/v2/files/%2e%2e/secret.txt",
        "/api/v2/files/%2E%2E/%2e%2e/jwt_secret",
        "/api/v2/files/..%2fsecret.txt",
        "/api/v2/files/a/..%2F..%2Fsecret.txt",
        "/api/v2/files/./secret.txt",
    ] {
        let (status, body) = raw_target(&app, "GET", target, &token).await;
        assert_eq!((status, body), (400, df_error(400, BAD_PATH)), "{target}");
    }
    let (status, _) = raw_target(&app, "DELETE", "/api/v2/files/../secret.txt", &token).await;
    assert_eq!(status, 400);
    let (status, _) = raw_target(&app, "POST", "/api/v2/files/%2e%2e/x.txt", &token).await;
    assert_eq!(status, 400);
    assert!(app.data_dir.path().join("storage/secret.txt").exists());
    assert!(!app.data_dir.path().join("storage/x.txt").exists());
    // Names in a body are checked the same way.
    let reply = app
        .send(
            Method::POST,
            "/api/v2/files/",
            Some(&token),
            Some(json!({"resource":[{"name":"../evil.txt","type":"file","content":"x"}]})),
        )
        .await;
    assert_eq!(reply.body["resource"][0]["error"]["message"], BAD_PATH);
    assert!(!app.data_dir.path().join("storage/evil.txt").exists());
}

#[tokio::test]
async fn symlinks_out_of_the_folder_lead_nowhere() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let outside = app.data_dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(&outside, files_dir(&app).join("out")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), files_dir(&app).join("s.txt")).unwrap();
    let reply = app.get("/api/v2/files/out/secret.txt", &token).await;
    assert_eq!(
        reply.body,
        df_error(404, "File 'out/secret.txt' does not exist in storage.")
    );
    let reply = app.get("/api/v2/files/s.txt", &token).await;
    assert_eq!(
        reply.body,
        df_error(404, "File 's.txt' does not exist in storage.")
    );
    let reply = app.get("/api/v2/files/", &token).await;
    assert_eq!(reply.body, json!({"resource": []}));
    let reply = raw(
        &app,
        Method::POST,
        "/api/v2/files/out/new.txt",
        &token,
        b"x".to_vec(),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    assert!(!outside.join("new.txt").exists());
    let reply = app
        .send(
            Method::DELETE,
            "/api/v2/files/out/secret.txt",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    // Deleting the link removes the link, never what it points at.
    let reply = app
        .send(
            Method::DELETE,
            "/api/v2/files/out/?force=true",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(outside.join("secret.txt").exists());
}

/// `POST /system/service` of a `local_file` service named `name` with `config`.
async fn create_file_service(app: &TestApp, token: &str, name: &str, config: Value) -> Reply {
    let service = json!({"resource":[{"name": name, "type": "local_file", "config": config}]});
    app.send(
        Method::POST,
        "/api/v2/system/service",
        Some(token),
        Some(service),
    )
    .await
}

#[tokio::test]
async fn a_container_must_lie_inside_the_file_roots() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    for container in ["/etc", "../..", "../"] {
        let reply = create_file_service(&app, &token, "etc", json!({"container":container})).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{container}: {}",
            reply.body
        );
    }
    let root = app.data_dir.path().join("storage");
    let reply = create_file_service(
        &app,
        &token,
        "site",
        json!({"container": root.join("site")}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert!(root.join("site").is_dir());
    let reply =
        create_file_service(&app, &token, "bad", json!({"container":"x","colour":"red"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn uploads_past_the_body_limit_are_413_and_write_nothing() {
    let app = TestApp::spawn_with_env(vec![(
        "SLUICE__SERVER__MAX_BODY_BYTES".into(),
        "2048".into(),
    )])
    .await;
    let token = app.login().await;
    let reply = raw(
        &app,
        Method::POST,
        "/api/v2/files/big.bin",
        &token,
        vec![7; 4096],
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.body["error"]["status_code"], 413);
    assert!(!files_dir(&app).join("big.bin").exists());
}

#[tokio::test]
async fn listings_and_zips_past_their_bounds_are_400() {
    let app = TestApp::spawn_with_env(vec![
        ("SLUICE__FILES__MAX_ENTRIES".into(), "3".into()),
        ("SLUICE__FILES__MAX_ZIP_BYTES".into(), "10".into()),
    ])
    .await;
    let token = app.login().await;
    for name in ["a", "b", "c", "d"] {
        std::fs::write(files_dir(&app).join(name), "12345").unwrap();
    }
    let reply = app.get("/api/v2/files/?full_tree=true", &token).await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "The folder holds more than 3 entries \
(files.max_entries): list its subfolders one by one, without full_tree."
        )
    );
    std::fs::remove_file(files_dir(&app).join("d")).unwrap();
    let reply = app.get("/api/v2/files/?zip=true", &token).await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "The folder holds more than 10 bytes \
(files.max_zip_bytes): zip its subfolders one by one."
        )
    );
}

#[tokio::test]
async fn the_logs_service_reads_the_log_directory_and_writes_nothing() {
    let logs = tempfile::TempDir::new().unwrap();
    let log_file = logs.path().join("sluice.log");
    let app = TestApp::spawn_with_env(vec![(
        "SLUICE__LOG__FILE".into(),
        log_file.to_string_lossy().into_owned(),
    )])
    .await;
    let token = app.login().await;
    std::fs::write(logs.path().join("old.log"), "line\n").unwrap();
    let reply = app.get("/api/v2/logs/?as_list=true", &token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply.body["resource"]
            .as_array()
            .unwrap()
            .contains(&json!("old.log"))
    );
    let reply = raw(
        &app,
        Method::POST,
        "/api/v2/logs/x.log",
        &token,
        b"x".to_vec(),
        None,
    )
    .await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "POST requests are not supported by the 'logs' service: it is read-only."
        )
    );
    let reply = app
        .send(Method::DELETE, "/api/v2/logs/old.log", Some(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(logs.path().join("old.log").exists());
}

#[tokio::test]
async fn a_file_service_whose_folder_is_gone_answers_503() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let root = app.data_dir.path().join("storage");
    let reply = create_file_service(&app, &token, "gone", json!({"container": "gone"})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    // Replaced by a file behind Sluice's back, then the service reloaded (a config change).
    std::fs::remove_dir(root.join("gone")).unwrap();
    std::fs::write(root.join("gone"), "not a folder").unwrap();
    let id = reply.body["resource"][0]["id"].as_i64().unwrap();
    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/service/{id}"),
            Some(&token),
            Some(json!({"description": "changed"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = app.get("/api/v2/gone/", &token).await;
    assert_eq!(
        reply.body,
        df_error(
            503,
            "Service gone is unavailable: its folder cannot be opened."
        )
    );
}
