//! Apps of type 1 ("storage service") and public folders, served at `/{service}/{path}`.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::TestApp;

use super::{bytes, files_dir, files_service_id};

/// Unpacks a small single-page app into `files`' folder `admin/`, as an administrator would
/// unpack DreamFactory's admin `dist/`.
fn unpack_app(app: &TestApp) {
    let dir = files_dir(app).join("admin");
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<script src=\"assets/main.js\"></script>",
    )
    .unwrap();
    std::fs::write(dir.join("assets/main.js"), "console.log(1)").unwrap();
    std::fs::write(dir.join("assets/app.css"), "body{}").unwrap();
    std::fs::write(files_dir(app).join("private.txt"), "p").unwrap();
}

/// The status and `Location` of a GET, redirects not followed.
async fn unfollowed(app: &TestApp, path: &str) -> (StatusCode, Option<String>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .unwrap();
    let location = (response.headers().get("location")).map(|l| l.to_str().unwrap().to_owned());
    (response.status(), location)
}

#[tokio::test]
async fn a_registered_storage_app_is_served_from_sluices_own_port() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    unpack_app(&app);
    // Before it is registered nothing is served.
    let (status, _, _) = bytes(&app, "/files/admin/index.html", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let files_id = files_service_id(&app, &token).await;
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/app?fields=id,launch_url",
            Some(&token),
            Some(
                json!({"resource":[{"name":"admin-ui","is_active":true,"type":1,
                  "storage_service_id":files_id,"storage_container":"admin",
                  "path":"index.html"}]}),
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(
        reply.body["resource"][0]["launch_url"],
        "/files/admin/index.html"
    );
    let id = reply.body["resource"][0]["id"].as_i64().unwrap();
    let reply = app
        .get(
            &format!("/api/v2/system/app/{id}?fields=launch_url"),
            &token,
        )
        .await;
    assert_eq!(reply.body, json!({"launch_url": "/files/admin/index.html"}));
    // No credentials: the app's own files.
    let (status, headers, body) = bytes(&app, "/files/admin/index.html", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/html");
    assert_eq!(body, b"<script src=\"assets/main.js\"></script>");
    let (status, headers, body) = bytes(&app, "/files/admin/", None).await;
    assert_eq!((status, &body[..4]), (StatusCode::OK, &b"<scr"[..]));
    assert_eq!(headers["content-type"], "text/html");
    let (_, headers, body) = bytes(&app, "/files/admin/assets/main.js", None).await;
    assert_eq!(headers["content-type"], "text/javascript");
    assert_eq!(body, b"console.log(1)");
    let (_, headers, _) = bytes(&app, "/files/admin/assets/app.css", None).await;
    assert_eq!(headers["content-type"], "text/css");
    // An unchanged file answers a revalidation with 304.
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let response = app
        .client
        .get(format!("{}/files/admin/assets/app.css", app.url))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    // The folder without its slash is redirected to it, so relative links resolve.
    assert_eq!(
        unfollowed(&app, "/files/admin").await,
        (
            StatusCode::MOVED_PERMANENTLY,
            Some("/files/admin/".to_owned())
        )
    );
    assert_eq!(
        unfollowed(&app, "/files/admin/assets").await,
        (StatusCode::NOT_FOUND, None)
    );
    // Outside the app's folder, nothing is served.
    let (status, _, _) = bytes(&app, "/files/private.txt", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = bytes(&app, "/files/admin/missing.js", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A deactivated app is no longer served.
    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/app/{id}"),
            Some(&token),
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (status, _, _) = bytes(&app, "/files/admin/index.html", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn public_paths_of_a_file_service_are_served_without_credentials() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    std::fs::create_dir_all(files_dir(&app).join("www")).unwrap();
    std::fs::write(files_dir(&app).join("www/index.html"), "hi").unwrap();
    let files_id = files_service_id(&app, &token).await;
    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/service/{files_id}"),
            Some(&token),
            Some(json!({"config":{"public_path":["www"]}})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (status, _, body) = bytes(&app, "/files/www/", None).await;
    assert_eq!((status, body), (StatusCode::OK, b"hi".to_vec()));
    let head = app
        .client
        .head(format!("{}/files/www/index.html", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-length"], "2");
    assert_eq!(
        unfollowed(&app, "/files/www").await,
        (
            StatusCode::MOVED_PERMANENTLY,
            Some("/files/www/".to_owned())
        )
    );
    let (status, _, _) = bytes(&app, "/files/%2e%2e/system.sqlite", None).await;
    assert_ne!(status, StatusCode::OK);
    // Other services, and names of none, are the plain 404.
    let (status, _, _) = bytes(&app, "/user/session", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = bytes(&app, "/nothing/here", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
