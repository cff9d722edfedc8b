use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{TestApp, df_error};

use super::{bytes, files_dir, raw, without_dates};

#[tokio::test]
async fn a_new_instance_has_the_files_service_over_its_storage_folder() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = app
        .get(
            "/api/v2/system/service?filter=name%3Dfiles&fields=name,label,type,config",
            &token,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource":[{"name":"files","label":"Local File Storage","type":"local_file",
               "config":{"container":"app","public_path":[],"read_only":false}}]})
    );
    assert!(files_dir(&app).is_dir());
    let reply = app.get("/api/v2/files", &token).await;
    assert_eq!(reply.body, json!({"resource": []}));
}

#[tokio::test]
async fn files_are_uploaded_listed_downloaded_and_deleted() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    // A folder from its path, a file from a raw body.
    let reply = app
        .send(Method::POST, "/api/v2/files/docs/", Some(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"name":"docs","path":"docs/","type":"folder"})
    );
    let reply = raw(
        &app,
        Method::POST,
        "/api/v2/files/docs/a.txt",
        &token,
        b"hello".to_vec(),
        Some("text/plain"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"name":"a.txt","path":"docs/a.txt","type":"file"})
    );
    // Listing.
    let reply = app.get("/api/v2/files/", &token).await;
    assert_eq!(
        without_dates(&reply.body),
        json!({"resource":[{"path":"docs/","name":"docs","type":"folder"}]})
    );
    let reply = app.get("/api/v2/files/?full_tree=true", &token).await;
    assert_eq!(
        without_dates(&reply.body),
        json!({"resource":[
        {"path":"docs/","name":"docs","type":"folder"},
        {"path":"docs/a.txt","name":"docs/a.txt","type":"file","content_type":"text/plain",
         "content_length":5}]})
    );
    let reply = app.get("/api/v2/files?as_access_list=true", &token).await;
    assert_eq!(reply.body, json!({"resource":["","*","docs/","docs/*"]}));
    let reply = app
        .get(
            "/api/v2/files/?full_tree=true&search=A.T&as_list=true",
            &token,
        )
        .await;
    assert_eq!(reply.body, json!({"resource":["docs/a.txt"]}));
    let reply = app.get("/api/v2/files/docs/?as_list=true", &token).await;
    assert_eq!(reply.body, json!({"resource":["docs/a.txt"]}));
    let reply = app
        .get("/api/v2/files/?include_files=false&full_tree=true", &token)
        .await;
    assert_eq!(
        without_dates(&reply.body),
        json!({"resource":[{"path":"docs/","name":"docs","type":"folder"}]})
    );
    let reply = app
        .get("/api/v2/files/docs/?include_folders=false", &token)
        .await;
    assert_eq!(
        reply.body["resource"][0]["last_modified"]
            .as_str()
            .map(|d| d.ends_with(" GMT")),
        Some(true)
    );
    // Download: the bytes with their type, or DreamFactory's JSON form.
    let (status, headers, body) = bytes(&app, "/api/v2/files/docs/a.txt", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/plain");
    assert_eq!(body, b"hello");
    let reply = app
        .get(
            "/api/v2/files/docs/a.txt?include_properties=true&content=true",
            &token,
        )
        .await;
    assert_eq!(reply.body["content"], "aGVsbG8=");
    assert_eq!(reply.body["content_length"], 5);
    let reply = app
        .get(
            "/api/v2/files/docs/a.txt?include_properties=true&content=true&is_base64=false",
            &token,
        )
        .await;
    assert_eq!(reply.body["content"], "hello");
    let (_, headers, _) = bytes(&app, "/api/v2/files/docs/a.txt?download=true", Some(&token)).await;
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"a.txt\""
    );
    // Delete: a non-empty folder needs force.
    let reply = app
        .send(Method::DELETE, "/api/v2/files/docs/", Some(&token), None)
        .await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "Folder 'docs/' is not empty: delete it with force=true to delete its contents too."
        )
    );
    let reply = app
        .send(
            Method::DELETE,
            "/api/v2/files/docs/a.txt",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({"name":"a.txt","path":"docs/a.txt"}));
    let reply = app.get("/api/v2/files/docs/a.txt", &token).await;
    assert_eq!(
        reply.body,
        df_error(404, "File 'docs/a.txt' does not exist in storage.")
    );
    raw(
        &app,
        Method::POST,
        "/api/v2/files/docs/b.txt",
        &token,
        b"b".to_vec(),
        None,
    )
    .await;
    let reply = app
        .send(
            Method::DELETE,
            "/api/v2/files/docs/?force=true",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.body, json!({"name":"docs","path":"docs/"}));
    assert!(!files_dir(&app).join("docs").exists());
}

#[tokio::test]
async fn json_records_create_files_and_folders_each_with_its_outcome() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = app
        .send(
            Method::POST,
            "/api/v2/files/",
            Some(&token),
            Some(json!({"resource":[
            {"name":"web","type":"folder"},
            {"name":"note.md","type":"file","content":"# hi"},
            {"name":"bin.dat","type":"file","content":"AAE=","is_base64":true},
            {"name":"web","type":"folder"}]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource":[
        {"name":"web","path":"web/","type":"folder"},
        {"name":"note.md","path":"note.md","type":"file"},
        {"name":"bin.dat","path":"bin.dat","type":"file"},
        {"name":"web","type":"folder",
         "error":{"message":"Folder 'web/' already exists.","code":400}}]})
    );
    assert_eq!(
        std::fs::read(files_dir(&app).join("bin.dat")).unwrap(),
        vec![0u8, 1]
    );
    // Deleting by records, from the root.
    let reply = app
        .send(
            Method::DELETE,
            "/api/v2/files/",
            Some(&token),
            Some(json!({"resource":[
            {"path":"note.md","type":"file"},{"path":"web/","type":"folder"},
            {"path":"gone.txt","type":"file"}]})),
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"resource":[
        {"name":"note.md","path":"note.md","type":"file"},
        {"name":"web","path":"web/","type":"folder"},
        {"name":"gone.txt","type":"file",
         "error":{"message":"File 'gone.txt' does not exist in storage.","code":404}}]})
    );
    let reply = app
        .send(Method::DELETE, "/api/v2/files/", Some(&token), None)
        .await;
    assert_eq!(reply.body, df_error(400, "No resources given for delete."));
}

#[tokio::test]
async fn multipart_uploads_and_headers_write_into_the_folder() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let form = b"--B0\r\nContent-Disposition: form-data; name=\"files\"; filename=\"one.txt\"\r\n\
Content-Type: text/plain\r\n\r\n1\r\n--B0\r\nContent-Disposition: form-data; name=\"files\"; \
filename=\"two.css\"\r\n\r\nb{}\r\n--B0--\r\n";
    let reply = raw(
        &app,
        Method::POST,
        "/api/v2/files/",
        &token,
        form.to_vec(),
        Some("multipart/form-data; boundary=B0"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource":[
        {"name":"one.txt","path":"one.txt","type":"file"},
        {"name":"two.css","path":"two.css","type":"file"}]})
    );
    let reply = app
        .client
        .post(format!("{}/api/v2/files/", app.url))
        .header("X-DreamFactory-Session-Token", &token)
        .header("X-Folder-Name", "made")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::CREATED);
    let reply = app
        .client
        .put(format!("{}/api/v2/files/made/", app.url))
        .header("X-DreamFactory-Session-Token", &token)
        .header("X-File-Name", "x.json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::CREATED);
    assert_eq!(
        std::fs::read_to_string(files_dir(&app).join("made/x.json")).unwrap(),
        "{}"
    );
    // check_exist refuses to replace; without it a write replaces.
    let reply = raw(
        &app,
        Method::POST,
        "/api/v2/files/one.txt?check_exist=true",
        &token,
        b"2".to_vec(),
        None,
    )
    .await;
    assert_eq!(reply.body, df_error(400, "File 'one.txt' already exists."));
    let reply = raw(
        &app,
        Method::POST,
        "/api/v2/files/nope/one.txt",
        &token,
        b"2".to_vec(),
        None,
    )
    .await;
    assert_eq!(reply.body, df_error(404, "Folder 'nope/' does not exist."));
    let reply = app
        .send(Method::PATCH, "/api/v2/files/one.txt", Some(&token), None)
        .await;
    assert_eq!(reply.body, json!({"success": true}));
}

#[tokio::test]
async fn a_folder_downloads_as_a_zip() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let dir = files_dir(&app).join("site/css");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.css"), "body{}").unwrap();
    std::fs::write(files_dir(&app).join("site/index.html"), "<p>").unwrap();
    let (status, headers, body) = bytes(&app, "/api/v2/files/site/?zip=true", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/zip");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"site.zip\""
    );
    assert_eq!(&body[..2], b"PK");
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("css/a.css") && text.contains("index.html"),
        "{text}"
    );
}

#[tokio::test]
async fn roles_grant_file_paths_like_any_component() {
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    std::fs::create_dir_all(files_dir(&app).join("public")).unwrap();
    std::fs::write(files_dir(&app).join("public/a.txt"), "a").unwrap();
    std::fs::write(files_dir(&app).join("private.txt"), "p").unwrap();
    let files_id = super::files_service_id(&app, &admin).await;
    let role = app
        .create_role(
            &admin,
            json!({"name":"readers","is_active":true,
            "role_service_access_by_role_id":[{"service_id":files_id,"component":"public/*",
                                               "verb_mask":1,"requestor_mask":1}]}),
        )
        .await;
    let (_, key) = app.create_app(&admin, "reader", Some(role)).await;
    let (status, _, body) = {
        let response = app
            .client
            .get(format!("{}/api/v2/files/public/a.txt", app.url))
            .header("X-DreamFactory-Api-Key", &key)
            .send()
            .await
            .unwrap();
        (response.status(), (), response.bytes().await.unwrap())
    };
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"a"[..]));
    let reply = app
        .call(
            Method::GET,
            "/api/v2/files/private.txt",
            sluice_tests::Auth::key(&key),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    let reply = app
        .call(
            Method::DELETE,
            "/api/v2/files/public/a.txt",
            sluice_tests::Auth::key(&key),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
}

#[tokio::test]
async fn a_large_file_streams_whole_in_chunks() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(files_dir(&app).join("big.bin"), &content).unwrap();
    let (status, headers, body) = bytes(&app, "/api/v2/files/big.bin", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-length"], "200000");
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert!(body == content, "the streamed bytes differ from the file");
}

#[tokio::test]
async fn event_scripts_run_around_file_service_endpoints() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/event_script/files.get.post_process",
            Some(&token),
            Some(json!({"type":"nodejs","is_active":true,"allow_event_modification":true,
                        "content":"event.response.content = {scripted: event.response.content.resource.length};"})),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    std::fs::write(files_dir(&app).join("a.txt"), "a").unwrap();
    let reply = app.get("/api/v2/files", &token).await;
    assert_eq!(reply.body, json!({"scripted": 1}));
    // A write under a script-bearing service still reaches the folder.
    let reply = raw(
        &app,
        Method::POST,
        "/api/v2/files/b.txt",
        &token,
        b"b".to_vec(),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(std::fs::read(files_dir(&app).join("b.txt")).unwrap(), b"b");
}
