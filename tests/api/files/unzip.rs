//! `extract=true`: a zip unpacked into the folder it was uploaded to, never outside it; and
//! copy and move records (`source_path`), which stay inside the service too.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{TestApp, df_error};

use super::{BAD_PATH, bytes, files_dir, raw};

/// A zip of `a.txt` and `sub/b.txt`, made by the API's own `zip=true`.
async fn site_zip(app: &TestApp, token: &str) -> Vec<u8> {
    let src = files_dir(app).join("src/sub");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(files_dir(app).join("src/a.txt"), "a").unwrap();
    std::fs::write(src.join("b.txt"), "b").unwrap();
    let (status, _, zip) = bytes(app, "/api/v2/files/src/?zip=true", Some(token)).await;
    assert_eq!(status, StatusCode::OK);
    zip
}

#[tokio::test]
async fn an_uploaded_zip_is_unpacked_into_its_folder() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let zip = site_zip(&app, &token).await;
    std::fs::create_dir_all(files_dir(&app).join("dest")).unwrap();
    std::fs::write(files_dir(&app).join("dest/old.txt"), "old").unwrap();
    let reply = raw(
        &app,
        Method::POST,
        "/api/v2/files/dest/site.zip?extract=true&clean=true",
        &token,
        zip,
        Some("application/zip"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"name":"dest","path":"dest/","type":"folder"})
    );
    let dest = files_dir(&app).join("dest");
    assert_eq!(std::fs::read_to_string(dest.join("a.txt")).unwrap(), "a");
    assert_eq!(
        std::fs::read_to_string(dest.join("sub/b.txt")).unwrap(),
        "b"
    );
    assert!(!dest.join("old.txt").exists() && !dest.join("site.zip").exists());
}

#[tokio::test]
async fn a_zip_whose_entries_climb_out_of_the_folder_writes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let zip = site_zip(&app, &token).await;
    // The entry `a.txt` renamed `../zz` (same length, so the archive stays valid).
    let mut evil = zip.clone();
    let mut at = 0;
    while let Some(found) = evil[at..].windows(5).position(|w| w == b"a.txt") {
        evil[at + found..at + found + 5].copy_from_slice(b"../zz");
        at += found + 5;
    }
    std::fs::create_dir_all(files_dir(&app).join("dest")).unwrap();
    let reply = raw(
        &app,
        Method::POST,
        "/api/v2/files/dest/evil.zip?extract=true",
        &token,
        evil,
        None,
    )
    .await;
    assert_eq!(reply.body, df_error(400, BAD_PATH));
    assert!(!files_dir(&app).join("zz").exists());
    assert_eq!(
        std::fs::read_dir(files_dir(&app).join("dest"))
            .unwrap()
            .count(),
        0
    );
    let reply = raw(
        &app,
        Method::POST,
        "/api/v2/files/dest/not.zip?extract=true",
        &token,
        b"plain".to_vec(),
        None,
    )
    .await;
    assert_eq!(
        reply.body,
        df_error(400, "The uploaded file is not a zip archive.")
    );
}

#[tokio::test]
async fn records_with_a_source_path_copy_and_move_inside_the_service() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    site_zip(&app, &token).await;
    std::fs::create_dir_all(files_dir(&app).join("dest")).unwrap();
    let records = json!({"resource":[
        {"type":"file","source_path":"src/a.txt"},
        {"name":"moved","type":"folder","source_path":"src/sub/","delete_source":true},
        {"name":"again","type":"file","source_path":"src/a.txt","delete_source":"true"},
        {"name":"inside","type":"folder","source_path":"dest/"},
        {"name":"x","type":"file","source_path":"../secret"}]});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/files/dest/",
            Some(&token),
            Some(records),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource":[
            {"name":"a.txt","path":"dest/a.txt","type":"file"},
            {"name":"moved","path":"dest/moved/","type":"folder"},
            {"name":"again","path":"dest/again","type":"file"},
            {"name":"inside","type":"folder","error":{"code":400,
             "message":"A folder cannot be copied or moved into itself."}},
            {"name":"x","type":"file","error":{"code":400,"message":super::BAD_PATH}}]})
    );
    let files = files_dir(&app);
    assert_eq!(
        std::fs::read_to_string(files.join("dest/moved/b.txt")).unwrap(),
        "b"
    );
    assert!(!files.join("src/sub").exists() && !files.join("src/a.txt").exists());
    assert_eq!(
        std::fs::read_to_string(files.join("dest/again")).unwrap(),
        "a"
    );
}
