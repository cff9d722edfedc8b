//! `/api/v2/system/service` CRUD and validation, `service_type`, `environment`, `cache`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{TestApp, df_error};

const SERVICES: &str = "/api/v2/system/service";

async fn create(app: &TestApp, token: &str, record: Value) -> sluice_tests::Reply {
    app.send(
        Method::POST,
        SERVICES,
        Some(token),
        Some(json!({ "resource": [record] })),
    )
    .await
}

#[tokio::test]
async fn a_created_service_is_listed_read_and_usable_at_once() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = create(
        &app,
        &token,
        json!({"name":"db","type":"sqlite","label":"Demo",
        "config":{"database":"demo.sqlite","max_records":50}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let id = reply.body["resource"][0]["id"].as_i64().unwrap();
    assert_eq!(reply.body, json!({"resource":[{"id": id}]}));

    let one = app.get(&format!("{SERVICES}/{id}"), &token).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["name"], "db");
    assert_eq!(one.body["label"], "Demo");
    assert_eq!(one.body["type"], "sqlite");
    assert_eq!(one.body["is_active"], true);
    assert_eq!(
        one.body["config"],
        json!({"database":"demo.sqlite","max_records":50,
        "allow_upsert":false,"cache_enabled":false,"cache_ttl":0})
    );

    // The built-in `user` service is always there, and `files` is seeded at the first start.
    let list = app.get(&format!("{SERVICES}?fields=id,name"), &token).await;
    assert_eq!(
        list.body,
        json!({"resource":[{"id": 1, "name": "user"}, {"id": 2, "name": "files"},
                           {"id": id, "name": "db"}]})
    );

    let tables = app.get("/api/v2/db/_table?as_list=true", &token).await;
    assert_eq!(tables.status, StatusCode::OK, "{}", tables.body);
    assert!(
        tables.body["resource"]
            .as_array()
            .unwrap()
            .contains(&json!("employees"))
    );

    let root = app.get("/api/v2", &token).await;
    assert_eq!(root.body["services"][0]["name"], "user");
    assert_eq!(root.body["services"][1]["name"], "files");
    assert_eq!(root.body["services"][2]["name"], "db");
}

#[tokio::test]
async fn system_lists_accept_filter_order_limit_offset_and_counts() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    for name in ["alpha", "beta", "gamma"] {
        let reply = create(
            &app,
            &token,
            json!({"name": name, "type":"sqlite",
            "config":{"database":"demo.sqlite"}}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let reply = app
        .get(
            &format!("{SERVICES}?filter=name%3Dbeta&fields=name"),
            &token,
        )
        .await;
    assert_eq!(reply.body, json!({"resource":[{"name":"beta"}]}));
    // Five with the built-in `user` service and the seeded `files`.
    let reply = app
        .get(
            &format!(
                "{SERVICES}?order=name%20desc&limit=2&offset=3&fields=name&include_count=true"
            ),
            &token,
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"resource":[{"name":"beta"},{"name":"alpha"}],"meta":{"count":5}})
    );
    let reply = app
        .get(&format!("{SERVICES}?count_only=true"), &token)
        .await;
    assert_eq!(reply.body, json!(5));
    let reply = app
        .get(&format!("{SERVICES}?filter=nope%3D1"), &token)
        .await;
    assert_eq!(
        reply.body,
        df_error(400, "Invalid or unparsable field in filter request: 'nope'")
    );
}

#[tokio::test]
async fn service_validation_errors_are_400_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let outside = tempfile::NamedTempFile::new().unwrap();
    let cases = [
        (
            json!({"name":"Bad Name","type":"sqlite","config":{"database":"demo.sqlite"}}),
            "name",
        ),
        (
            json!({"name":"system","type":"sqlite","config":{"database":"demo.sqlite"}}),
            "name",
        ),
        (
            json!({"name":"x","type":"oracle","config":{"database":"demo.sqlite"}}),
            "type",
        ),
        (json!({"name":"x","type":"sqlite","config":{}}), "database"),
        (
            json!({"name":"x","type":"sqlite","config":{"database": outside.path()}}),
            "path",
        ),
        (
            json!({"name":"x","type":"sqlite","config":{"database":"../../etc/passwd"}}),
            "path",
        ),
        (
            json!({"name":"x","type":"sqlite","config":{"database":"system.sqlite"}}),
            "system",
        ),
        (
            json!({"name":"x","type":"sqlite","config":{"database":"missing.sqlite"}}),
            "missing",
        ),
        (
            json!({"name":"x","type":"sqlite","config":{"database":"jwt_secret"}}),
            "not sqlite",
        ),
        (
            json!({"name":"x","type":"sqlite","config":{"database":"demo.sqlite","max_records":0}}),
            "max",
        ),
        (
            json!({"name":"x","type":"sqlite","config":{"database":"demo.sqlite","statements":["ATTACH 'x' AS y"]}}),
            "unknown",
        ),
    ];
    for (record, why) in cases {
        let reply = create(&app, &token, record.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{why}: {}",
            reply.body
        );
        // The only path an administrator is told is the storage root they configured.
        let message = reply.body["error"]["message"].as_str().unwrap();
        let data_dir = app.data_dir.path().display().to_string();
        let message = message.replace(&data_dir, "");
        assert!(!message.contains('/'), "{why}: a path leaked: {message}");
    }
    // Only the built-in `user` service and the seeded `files`.
    let reply = app
        .get(&format!("{SERVICES}?count_only=true"), &token)
        .await;
    assert_eq!(reply.body, json!(2));
}

/// A SQLite file in a fresh directory outside every storage root.
fn sqlite_file_elsewhere() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("shop.sqlite");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE item (id INTEGER PRIMARY KEY)")
        .unwrap();
    (dir, path)
}

#[tokio::test]
async fn a_database_outside_the_data_directory_is_refused_naming_it_and_the_setting() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let (_elsewhere, path) = sqlite_file_elsewhere();
    let reply = create(
        &app,
        &token,
        json!({"name":"shop","type":"sqlite","config":{"database": path}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let expected = format!(
        "Invalid data supplied. The database path must be inside one of the configured storage \
         directories. Allowed: the data directory \"{}\" (storage.sqlite_roots is not set). \
         Copy the file into it, or add the file's directory to the storage.sqlite_roots setting.",
        app.data_dir.path().display()
    );
    assert_eq!(reply.body, df_error(400, &expected));
}

#[tokio::test]
async fn a_database_outside_the_configured_roots_is_refused_naming_them() {
    let roots = [
        tempfile::TempDir::new().unwrap(),
        tempfile::TempDir::new().unwrap(),
    ];
    let list = format!(
        "{},{}",
        roots[0].path().display(),
        roots[1].path().display()
    );
    let app = TestApp::spawn_with_env(vec![("SLUICE__STORAGE__SQLITE_ROOTS".into(), list)]).await;
    let token = app.login().await;
    let (_elsewhere, path) = sqlite_file_elsewhere();
    let reply = create(
        &app,
        &token,
        json!({"name":"shop","type":"sqlite","config":{"database": path}}),
    )
    .await;
    let expected = format!(
        "Invalid data supplied. The database path must be inside one of the configured storage \
         directories. Allowed: \"{}\", \"{}\" (the storage.sqlite_roots setting). Copy the file \
         into one of them, or add the file's directory to storage.sqlite_roots.",
        roots[0].path().display(),
        roots[1].path().display()
    );
    assert_eq!(reply.body, df_error(400, &expected));
    // Once the file is in a root, the same service is created.
    std::fs::copy(&path, roots[1].path().join("shop.sqlite")).unwrap();
    let database = roots[1].path().join("shop.sqlite");
    let reply = create(
        &app,
        &token,
        json!({"name":"shop","type":"sqlite","config":{"database": database}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

#[tokio::test]
async fn a_missing_database_can_be_created_on_request() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = create(
        &app,
        &token,
        json!({"name":"fresh","type":"sqlite",
        "config":{"database":"fresh.sqlite","create":true}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert!(app.data_dir.path().join("fresh.sqlite").exists());
    let tables = app.get("/api/v2/fresh/_table", &token).await;
    assert_eq!(tables.body, json!({"resource": []}));
}

#[tokio::test]
async fn duplicate_names_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let record = json!({"name":"db","type":"sqlite","config":{"database":"demo.sqlite"}});
    assert_eq!(
        create(&app, &token, record.clone()).await.status,
        StatusCode::CREATED
    );
    let reply = create(&app, &token, record).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body["error"]["context"],
        json!({"name":["The name has already been taken."]})
    );
}

#[tokio::test]
async fn update_and_delete_take_effect_without_restart() {
    let (app, token) = TestApp::with_demo_service().await;
    let id = app
        .get(&format!("{SERVICES}?fields=id&filter=name%3Ddb"), &token)
        .await
        .body["resource"][0]["id"]
        .clone();
    let reply = app
        .send(
            Method::PATCH,
            &format!("{SERVICES}/{id}"),
            Some(&token),
            Some(json!({"name":"renamed","description":"d"})),
        )
        .await;
    assert_eq!(reply.body, json!({"id": id}));
    assert_eq!(
        app.get("/api/v2/db/_table", &token).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v2/renamed/_table", &token).await.status,
        StatusCode::OK
    );

    let reply = app
        .send(
            Method::PATCH,
            &format!("{SERVICES}/{id}"),
            Some(&token),
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = app.get("/api/v2/renamed/_table", &token).await;
    assert_eq!(reply.body, df_error(403, "Service renamed is deactivated."));

    let reply = app
        .send(
            Method::DELETE,
            &format!("{SERVICES}/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.body, json!({"id": id}));
    let reply = app.get("/api/v2/renamed/_table", &token).await;
    assert_eq!(
        reply.body,
        df_error(404, "Could not find a service for renamed")
    );
    let reply = app.get(&format!("{SERVICES}/{id}"), &token).await;
    assert_eq!(
        reply.body,
        df_error(404, &format!("Record with identifier '{id}' not found."))
    );
}

#[tokio::test]
async fn delete_by_ids_removes_each_service() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let mut ids = Vec::new();
    for name in ["one", "two"] {
        let reply = create(
            &app,
            &token,
            json!({"name": name, "type":"sqlite","config":{"database":"demo.sqlite"}}),
        )
        .await;
        ids.push(reply.body["resource"][0]["id"].as_i64().unwrap());
    }
    let reply = app
        .send(
            Method::DELETE,
            &format!("{SERVICES}?ids={},{}", ids[0], ids[1]),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"resource":[{"id": ids[0]},{"id": ids[1]}]})
    );
    assert_eq!(
        app.get(
            &format!("{SERVICES}?count_only=true&filter=type%3Dsqlite"),
            &token
        )
        .await
        .body,
        json!(0)
    );
}

#[tokio::test]
async fn service_types_list_sqlite_pgsql_mysql_user_and_nodejs_with_their_config_schemas() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = app
        .get(
            "/api/v2/system/service_type?fields=name,label,group",
            &token,
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"resource":[{"name":"sqlite","label":"SQLite","group":"Database"},
                           {"name":"pgsql","label":"PostgreSQL","group":"Database"},
                           {"name":"mysql","label":"MySQL","group":"Database"},
                           {"name":"user","label":"User service","group":"User"},
                           {"name":"nodejs","label":"Node.js","group":"Script"},
                           {"name":"local_file","label":"Local File Storage","group":"File"}]})
    );
    let reply = app.get("/api/v2/system/service_type/sqlite", &token).await;
    let names: Vec<&str> = reply.body["config_schema"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "database",
            "create",
            "allow_upsert",
            "max_records",
            "cache_enabled",
            "cache_ttl"
        ]
    );
    let reply = app.get("/api/v2/system/service_type/oracle", &token).await;
    assert_eq!(
        reply.body,
        df_error(404, "Service type 'oracle' not found.")
    );
}

#[tokio::test]
async fn environment_tells_true_facts() {
    let app = TestApp::spawn().await;
    let anonymous = app
        .send(Method::GET, "/api/v2/system/environment", None, None)
        .await;
    assert_eq!(anonymous.status, StatusCode::OK);
    assert_eq!(
        anonymous.body["authentication"]["admin"]["path"],
        "system/admin/session"
    );
    assert_eq!(anonymous.body["authentication"]["adldap"], json!([]));
    // Only whether an administrator exists, for the admin app's first-run page.
    assert_eq!(
        anonymous.body["platform"],
        json!({"root_admin_exists": true})
    );
    let token = app.login().await;
    let reply = app.get("/api/v2/system/environment", &token).await;
    assert_eq!(reply.body["platform"]["license"], "OPEN SOURCE");
    assert_eq!(reply.body["platform"]["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn cache_flush_answers_success() {
    let (app, token) = TestApp::with_demo_service().await;
    let reply = app
        .send(Method::DELETE, "/api/v2/system/cache", Some(&token), None)
        .await;
    assert_eq!(reply.body, json!({"success": true}));
    let reply = app
        .send(
            Method::DELETE,
            "/api/v2/system/cache/db",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.body, json!({"success": true}));
    let reply = app
        .send(
            Method::DELETE,
            "/api/v2/system/cache/nope",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        reply.body,
        df_error(404, "Could not find a service for nope")
    );
}

#[tokio::test]
async fn the_system_root_lists_resources() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = app.get("/api/v2/system", &token).await;
    assert!(
        reply.body["resource"]
            .as_array()
            .unwrap()
            .contains(&json!({"name":"service"}))
    );
    let reply = app.get("/api/v2/system/nothing", &token).await;
    assert_eq!(
        reply.body,
        df_error(404, "Resource 'nothing' not found for service 'system'.")
    );
}
