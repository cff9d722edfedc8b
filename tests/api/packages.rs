//! `system/package`: an instance exported with every kind of object (and a file service's
//! files) and imported into an empty one answers the same calls.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, TestApp};

pub const PACKAGE: &str = "/api/v2/system/package";

/// Downloads an export.
pub async fn export(app: &TestApp, token: &str, query: &str) -> Vec<u8> {
    let response = app
        .client
        .get(format!("{}{PACKAGE}{query}", app.url))
        .header("X-DreamFactory-Session-Token", token)
        .send()
        .await
        .expect("export");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    response.bytes().await.expect("zip").to_vec()
}

/// Uploads a package as the raw body.
pub async fn import(app: &TestApp, token: &str, zip: Vec<u8>) -> sluice_tests::Reply {
    let response = app
        .client
        .post(format!("{}{PACKAGE}", app.url))
        .header("X-DreamFactory-Session-Token", token)
        .header("Content-Type", "application/zip")
        .body(zip)
        .send()
        .await
        .expect("import");
    TestApp::reply(response).await
}

/// The status of the item `kind`/`name` in an import's answer.
pub fn item(reply: &Value, kind: &str, name: &str) -> Value {
    reply["resource"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|i| i["kind"] == kind && i["name"] == name)
                .cloned()
        })
        .unwrap_or(Value::Null)
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) {
    let reply = app.send(Method::POST, path, Some(token), Some(body)).await;
    assert!(reply.status.is_success(), "{path}: {}", reply.body);
}

/// A `local_file` service `media` with a file, and a web app hosted from it (type 1).
async fn populate_files(app: &TestApp, token: &str) {
    post(
        app,
        token,
        "/api/v2/system/service",
        json!({"resource":[{"name":"media","type":"local_file",
        "config":{"container":"docs_store","public_path":["pub/"]}}]}),
    )
    .await;
    let folder = app.data_dir.path().join("storage").join("docs_store");
    std::fs::create_dir_all(folder.join("www")).expect("www");
    std::fs::create_dir_all(folder.join("site")).expect("site");
    std::fs::write(folder.join("www/hello.txt"), "hello from media").expect("file");
    std::fs::write(folder.join("site/index.html"), "<p>hosted</p>").expect("index");
    let media = app
        .get(
            "/api/v2/system/service?filter=name%3Dmedia&fields=id",
            token,
        )
        .await;
    let media = media.body["resource"][0]["id"].as_i64().expect("media id");
    post(
        app,
        token,
        "/api/v2/system/app",
        json!({"resource":[{"name":"site","is_active":true,"type":1,
        "storage_service_id":media,"storage_container":"site","path":"index.html"}]}),
    )
    .await;
}

/// An instance with one object of every kind: a SQLite service with a table and rows, a
/// role with a row filter, an app with that role, a user, lookups (one private), a CORS
/// rule, a limit, an event script, an email template, a custom value, and a file service
/// with a hosted app. Returns the app's API key.
async fn populate(app: &TestApp, token: &str) -> String {
    post(
        app,
        token,
        "/api/v2/system/service",
        json!({"resource":[{"name":"notes",
        "type":"sqlite","config":{"database":"notes.sqlite","create":true}}]}),
    )
    .await;
    post(
        app,
        token,
        "/api/v2/notes/_schema",
        json!({"resource":[{"name":"task","field":[
        {"name":"id","type":"id"},{"name":"title","type":"string","length":80},
        {"name":"owner","type":"string","allow_null":true}]}]}),
    )
    .await;
    post(
        app,
        token,
        "/api/v2/notes/_table/task",
        json!({"resource":[
        {"title":"write","owner":"ann"},{"title":"read","owner":"bob"},
        {"title":"rest","owner":"ann"}]}),
    )
    .await;
    let services = app
        .get("/api/v2/system/service?filter=name%3Dnotes", token)
        .await;
    let notes = services.body["resource"][0]["id"]
        .as_i64()
        .expect("notes id");
    let role = app
        .create_role(
            token,
            json!({"name":"reader","is_active":true,
            "role_service_access_by_role_id":[{"service_id":notes,"component":"_table/*",
            "verb_mask":1,"requestor_mask":1,
            "filters":[{"name":"owner","operator":"=","value":"ann"}],"filter_op":"AND"}]}),
        )
        .await;
    let (_, key) = app.create_app(token, "reader-app", Some(role)).await;
    app.create_user(token, "jo@example.com", "a long enough password", "Jo")
        .await;
    post(
        app,
        token,
        "/api/v2/system/lookup",
        json!({"resource":[
        {"name":"greeting","value":"hello"},{"name":"token","value":"s3cret","private":true}]}),
    )
    .await;
    post(
        app,
        token,
        "/api/v2/system/cors",
        json!({"resource":[
        {"path":"api/v2/*","origin":"https://example.com","method":1}]}),
    )
    .await;
    post(
        app,
        token,
        "/api/v2/system/limit",
        json!({"resource":[
        {"type":"instance","rate":1000,"period":"hour","name":"everyone"}]}),
    )
    .await;
    let script = json!({"type":"nodejs","is_active":true,"allow_event_modification":true,
        "content":"event.response.content.scripted = true;"});
    post(
        app,
        token,
        "/api/v2/system/event_script/notes._table.task.get.post_process",
        script,
    )
    .await;
    post(
        app,
        token,
        "/api/v2/system/email_template",
        json!({"resource":[{"name":"welcome","subject":"Hi {first_name}",
        "to":"a@example.com, b@example.com","body_text":"Welcome.","defaults":{"x":1}}]}),
    )
    .await;
    post(
        app,
        token,
        "/api/v2/system/custom",
        json!({"resource":[{"name":"theme","value":{"dark":true}}]}),
    )
    .await;
    populate_files(app, token).await;
    key
}

/// The answers the two instances must give alike.
async fn answers(app: &TestApp, token: &str, key: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    for path in [
        "/api/v2/notes/_table/task?order=id",
        "/api/v2/system/role?fields=name,is_active&related=role_service_access_by_role_id",
        // The default apps each instance seeded keep that instance's keys; the package's
        // apps keep theirs.
        "/api/v2/system/app?fields=name,is_active,type,storage_container,path",
        "/api/v2/system/app?filter=name%3Dreader-app&fields=api_key",
        "/api/v2/system/app?filter=name%3Dsite&fields=api_key",
        "/api/v2/system/user?fields=email,name,is_active",
        "/api/v2/system/lookup?fields=name,value,private",
        "/api/v2/system/cors?fields=path,origin,method,enabled",
        "/api/v2/system/limit?fields=type,name,rate,period",
        "/api/v2/system/event_script?fields=name,type,content,is_active",
        "/api/v2/notes/_schema/task",
        "/api/v2/system/email_template?fields=name,subject,to,body_text,defaults",
        "/api/v2/system/custom/theme",
        "/api/v2/system/service?filter=name%3Dmedia&fields=name,type,config",
    ] {
        let reply = app.get(path, token).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        seen.push(strip_ids(reply.body));
    }
    let read = app
        .call(
            Method::GET,
            "/api/v2/notes/_table/task?order=id",
            Auth::key(key),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    seen.push(read.body);
    // The file through the file API, and the hosted app's page without credentials.
    for (path, credentials) in [
        ("/api/v2/media/www/hello.txt", Some(token)),
        ("/media/site/index.html", None),
    ] {
        let mut request = app.client.get(format!("{}{path}", app.url));
        if let Some(token) = credentials {
            request = request.header("X-DreamFactory-Session-Token", token);
        }
        let response = request.send().await.expect("file");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body = response.text().await.expect("text");
        seen.push(Value::String(body));
    }
    seen
}

/// Ids and audit dates differ between instances; everything else must not.
fn strip_ids(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "id" | "role_id"
                            | "service_id"
                            | "created_date"
                            | "last_modified_date"
                            | "created_by_id"
                            | "last_modified_by_id"
                    )
                })
                .map(|(k, v)| (k, strip_ids(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_ids).collect()),
        other => other,
    }
}

#[tokio::test]
async fn an_exported_instance_imported_into_an_empty_one_answers_the_same_calls() {
    let first = TestApp::spawn().await;
    let token = first.login().await;
    let key = populate(&first, &token).await;
    let zip = export(
        &first,
        &token,
        "?include_data=true&include_secrets=true&include_files=true",
    )
    .await;

    let second = TestApp::spawn().await;
    let token2 = second.login().await;
    let reply = import(&second, &token2, zip).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let body = &reply.body;
    assert_eq!(body["success"], true);
    for (kind, name) in [
        ("role", "reader"),
        ("service", "notes"),
        ("app", "reader-app"),
        ("user", "jo@example.com"),
        ("lookup", "greeting"),
        ("lookup", "token"),
        ("cors", "api/v2/*"),
        ("limit", "everyone"),
        ("event_script", "notes._table.task.get.post_process"),
        ("email_template", "welcome"),
        ("custom", "theme"),
        ("service", "media"),
        ("files", "media"),
        ("app", "site"),
    ] {
        assert_eq!(
            item(body, kind, name)["status"],
            "imported",
            "{kind} {name}: {body}"
        );
    }
    // What a new instance has already (the built-in services, the seeded `files` service and
    // default apps) is kept, not a failure.
    for (kind, name) in [
        ("service", "user"),
        ("service", "files"),
        ("app", "admin"),
        ("app", "api_docs"),
        ("app", "file_manager"),
    ] {
        assert_eq!(
            item(body, kind, name)["status"],
            "skipped",
            "{kind} {name}: {body}"
        );
    }
    assert_eq!(
        item(body, "admin", "admin@example.com")["status"],
        "skipped"
    );

    let before = answers(&first, &token, &key).await;
    let after = answers(&second, &token2, &key).await;
    assert_eq!(before, after);
    // The role's row filter still applies through the app's key, and the script still runs.
    let restricted = &before[before.len() - 3];
    assert_eq!(restricted["resource"].as_array().map(Vec::len), Some(2));
    assert_eq!(restricted["scripted"], true);
    assert_eq!(before[before.len() - 2], json!("hello from media"));
    assert_eq!(before[before.len() - 1], json!("<p>hosted</p>"));
    // The user signs in on the second instance with the password set on the first.
    second
        .user_login("jo@example.com", "a long enough password", Some(&key))
        .await;
}

#[tokio::test]
async fn without_options_an_export_has_schemas_only_and_leaves_secrets_out() {
    let first = TestApp::spawn().await;
    let token = first.login().await;
    populate(&first, &token).await;
    let manifest = first
        .get(
            &format!("{PACKAGE}?manifest_only=true&role=reader&lookup=*&service=notes"),
            &token,
        )
        .await;
    assert_eq!(manifest.status, StatusCode::OK, "{}", manifest.body);
    assert_eq!(
        manifest.body["service"]["system"]["role"],
        json!(["reader"])
    );
    assert_eq!(manifest.body["service"]["system"]["app"], json!([]));
    assert_eq!(
        manifest.body["service"]["notes"],
        json!(["database.sqlite"])
    );
    assert_eq!(manifest.body["omitted"], json!(["lookup:token.value"]));
    let unknown = first.get(&format!("{PACKAGE}?role=nobody"), &token).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.body);

    let zip = export(&first, &token, "?service=notes&lookup=token").await;
    let second = TestApp::spawn().await;
    let token2 = second.login().await;
    let reply = import(&second, &token2, zip).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(item(&reply.body, "lookup", "token")["status"], "imported");
    assert!(item(&reply.body, "lookup", "token")["note"].is_string());
    let rows = second.get("/api/v2/notes/_table/task", &token2).await;
    assert_eq!(rows.body["resource"], json!([]), "{}", rows.body);
    let schema = second.get("/api/v2/notes/_schema/task", &token2).await;
    assert_eq!(schema.status, StatusCode::OK, "{}", schema.body);
}

#[tokio::test]
async fn packages_are_for_administrators_only() {
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    // No credentials at all is DreamFactory's 400; a user's session is not an administrator's.
    let anonymous = app.call(Method::GET, PACKAGE, Auth::default(), None).await;
    assert_eq!(
        anonymous.status,
        StatusCode::BAD_REQUEST,
        "{}",
        anonymous.body
    );
    let role = app
        .create_role(&admin, json!({"name":"r","is_active":true}))
        .await;
    let (_, key) = app.create_app(&admin, "a", Some(role)).await;
    app.create_user(&admin, "u@example.com", "a long enough password", "U")
        .await;
    let user = app
        .user_login("u@example.com", "a long enough password", Some(&key))
        .await;
    for method in [Method::GET, Method::POST] {
        let reply = app
            .call(method, PACKAGE, Auth::both(&user, &key), None)
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    }
}
