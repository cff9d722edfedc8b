//! `mysql` services against the machine's MariaDB (or MySQL), each test over a throwaway
//! database: creation and validation, the password sealed and never read back, a wrong
//! password (400 on create, 503 on use, never naming the password, user or host), reads
//! and writes with a role and an API key, a database that goes down and comes back, and a
//! SQLite, a PostgreSQL and a MySQL service side by side. `_schema` changes are in
//! `mysql_schema`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_docs::check::structural_errors;
use sluice_tests::mysql::ThrowawayMysql;
use sluice_tests::proxy::TcpProxy;
use sluice_tests::{Auth, TestApp, df_error};

use crate::access::{role, service_id};
use crate::pgsql_services::{self, first_rows, refuses_bad_hosts, rows, serves_the_contacts};

const SERVICES: &str = "/api/v2/system/service";
const PASSWORD: &str = "my-password-never-shown";
const CONTACTS: &str = "CREATE TABLE company (id int AUTO_INCREMENT PRIMARY KEY, \
    name varchar(100) NOT NULL);
INSERT INTO company (name) VALUES ('Analytical Engines');
CREATE TABLE contact (id int AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL, \
    email varchar(100), company_id int, FOREIGN KEY (company_id) REFERENCES company (id));
INSERT INTO contact (name, email, company_id) VALUES ('Ada', 'ada@example.com', 1), \
    ('Grace', NULL, NULL)";

/// A throwaway database holding the `contact` and `company` tables.
pub(crate) async fn contacts_database() -> ThrowawayMysql {
    let database = ThrowawayMysql::create().await;
    database.execute(CONTACTS).await;
    database
}

/// The `mysql` config of `database` as its administrator, reached on `host` and `port`.
pub(crate) fn config(database: &ThrowawayMysql, host: &str, port: u16) -> Value {
    let (username, password) = database.admin();
    json!({"host": host, "port": port, "database": database.name,
           "username": username, "password": password})
}

/// The `mysql` config of `database` as `user` with `password`.
fn user_config(database: &ThrowawayMysql, user: &str, password: &str) -> Value {
    json!({"host": database.host(), "port": database.port(), "database": database.name,
           "username": user, "password": password})
}

pub(crate) async fn create(
    app: &TestApp,
    admin: &str,
    name: &str,
    config: Value,
) -> sluice_tests::Reply {
    let body = json!({"resource": [{"name": name, "type": "mysql", "config": config}]});
    app.send(Method::POST, SERVICES, Some(admin), Some(body))
        .await
}

/// A server with an administrator and the `mysql` service `my` of `config`: the server
/// and its admin token.
pub(crate) async fn serve(config: Value) -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    let reply = create(&app, &admin, "my", config).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    (app, admin)
}

/// Whether `reply` names none of the connection's secrets or whereabouts.
fn tells_nothing(reply: &sluice_tests::Reply, database: &ThrowawayMysql, user: &str) -> bool {
    let text = reply.body.to_string();
    let host = database.host();
    ![PASSWORD, user, host.as_str(), "Access denied", "1045"]
        .iter()
        .any(|secret| text.contains(secret))
}

#[tokio::test]
async fn an_api_key_with_a_role_reads_and_writes_a_mysql_service_whose_password_stays_sealed() {
    let mut database = contacts_database().await;
    let user = database.create_user(PASSWORD).await;
    let (app, admin) = serve(user_config(&database, &user, PASSWORD)).await;
    let id = service_id(&app, &admin, "my").await;

    let stored = app.get(&format!("{SERVICES}/{id}"), &admin).await;
    assert_eq!(stored.body["config"]["password"], json!("**********"));
    assert_eq!(stored.body["config"]["charset"], json!("utf8mb4"));
    assert_eq!(stored.body["config"]["port"], json!(database.port()));
    let system_db = std::fs::read(app.data_dir.path().join("system.sqlite")).expect("system db");
    let needle = PASSWORD.as_bytes();
    assert!(
        !system_db.windows(needle.len()).any(|w| w == needle),
        "the password is stored in plain text"
    );

    // Saving the config back as read keeps the stored password.
    let update = json!({"config": {"password": "**********", "max_records": 50}});
    let path = format!("{SERVICES}/{id}");
    let reply = app
        .send(Method::PATCH, &path, Some(&admin), Some(update))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let writer = role("contacts", id, "_table/*", 1 | 2, json!({}));
    let role_id = app.create_role(&admin, writer).await;
    let (_, key) = app.create_app(&admin, "contacts", Some(role_id)).await;
    let path = "/api/v2/my/_table/contact?fields=id,name&order=id";
    let read = app.call(Method::GET, path, Auth::key(&key), None).await;
    assert_eq!((read.status, read.body), (StatusCode::OK, first_rows()));

    let new = json!({"resource": [{"name": "Linus", "email": "linus@example.com"}]});
    let written = app
        .call(
            Method::POST,
            "/api/v2/my/_table/contact",
            Auth::key(&key),
            Some(new),
        )
        .await;
    assert_eq!(
        (written.status, written.body),
        (StatusCode::OK, json!({"resource": [{"id": 3}]}))
    );
    let read = app
        .call(
            Method::GET,
            "/api/v2/my/_table/contact/3",
            Auth::key(&key),
            None,
        )
        .await;
    assert_eq!(
        read.body,
        json!({"id": 3, "name": "Linus", "email": "linus@example.com", "company_id": null})
    );
    let refused = app
        .call(
            Method::DELETE,
            "/api/v2/my/_table/contact/3",
            Auth::key(&key),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
}

#[tokio::test]
async fn a_refused_destination_an_unknown_host_a_wrong_password_and_bad_fields_are_400s() {
    let mut database = contacts_database().await;
    let user = database.create_user(PASSWORD).await;
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    let port = database.port();

    refuses_bad_hosts(&app, &admin, "mysql", |host| config(&database, host, port)).await;
    let reply = create(
        &app,
        &admin,
        "my",
        user_config(&database, &user, "wrong-password"),
    )
    .await;
    assert_eq!(
        (reply.status, &reply.body),
        (
            StatusCode::BAD_REQUEST,
            &df_error(
                400,
                "Invalid data supplied. Cannot connect to the database: the database refused the login."
            )
        )
    );
    assert!(tells_nothing(&reply, &database, &user), "{}", reply.body);
    let mut bad_charset = config(&database, "127.0.0.1", port);
    bad_charset["charset"] = json!("utf8; DROP DATABASE x");
    let reply = create(&app, &admin, "my", bad_charset).await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "Invalid data supplied. The character set is not a valid name."
        )
    );
    let mut unknown = config(&database, "127.0.0.1", port);
    unknown["schema"] = json!("public");
    let reply = create(&app, &admin, "my", unknown).await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "Invalid data supplied. Unknown config field 'schema' for service type 'mysql'."
        )
    );
    let listed = app.get(&format!("{SERVICES}?fields=name"), &admin).await;
    assert_eq!(
        listed.body,
        json!({"resource": [{"name": "user"}, {"name": "files"}]})
    );
}

#[tokio::test]
async fn a_password_changed_behind_sluices_back_is_a_503_until_it_is_changed_back() {
    let mut database = contacts_database().await;
    let user = database.create_user(PASSWORD).await;
    let (app, admin) = serve(user_config(&database, &user, PASSWORD)).await;
    assert_eq!(rows(&app, &admin, "my").await.body, first_rows());

    // The server no longer takes the stored password, and Sluice's sessions are ended.
    database.set_password(&user, "another-password").await;
    let refused = rows(&app, &admin, "my").await;
    assert_eq!(
        (refused.status, &refused.body),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            &df_error(503, "The service's database is unavailable.")
        )
    );
    assert_eq!(refused.headers["retry-after"], "1");
    assert!(
        tells_nothing(&refused, &database, &user),
        "{}",
        refused.body
    );

    database.set_password(&user, PASSWORD).await;
    let back = rows(&app, &admin, "my").await;
    assert_eq!((back.status, back.body), (StatusCode::OK, first_rows()));
}

#[tokio::test]
async fn a_mysql_service_whose_database_goes_down_answers_503_then_recovers_by_itself() {
    let database = contacts_database().await;
    let server = format!("127.0.0.1:{}", database.port());
    let proxy = TcpProxy::start(server.parse().expect("server address")).await;
    let (app, admin) = serve(config(&database, "127.0.0.1", proxy.port())).await;
    assert_eq!(rows(&app, &admin, "my").await.body, first_rows());

    proxy.cut();
    let down = rows(&app, &admin, "my").await;
    assert_eq!(
        (down.status, down.body),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            df_error(503, "The service's database is unavailable.")
        )
    );
    assert_eq!(down.headers["retry-after"], "1");

    proxy.restore();
    let up = rows(&app, &admin, "my").await;
    assert_eq!((up.status, up.body), (StatusCode::OK, first_rows()));
}

#[tokio::test]
async fn a_sqlite_a_pgsql_and_a_mysql_service_are_served_side_by_side() {
    let database = contacts_database().await;
    let (_pg_database, pg) = pgsql_services::contacts_database().await;
    let (app, admin) = TestApp::with_demo_service().await;
    let my_config = config(&database, "127.0.0.1", database.port());
    let reply = create(&app, &admin, "my", my_config).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let pg_config = pgsql_services::config(&pg, "127.0.0.1", pg.get_port());
    let reply = pgsql_services::create(&app, &admin, "pg", pg_config).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    serves_the_contacts(&app, &admin, "my").await;
    serves_the_contacts(&app, &admin, "pg").await;
    let sqlite = app
        .get("/api/v2/db/_table/contact?limit=1&fields=id", &admin)
        .await;
    assert_eq!(sqlite.body, json!({"resource": [{"id": 1}]}));
    let docs = app.get("/api/v2/api_docs?as_list=true", &admin).await;
    assert_eq!(docs.body, json!({"resource": ["db", "my", "pg"]}));
    let document = app.get("/api/v2/api_docs/my", &admin).await;
    assert_eq!(document.status, StatusCode::OK, "{}", document.body);
    let paths = document.body["paths"].as_object().expect("paths");
    assert_eq!(structural_errors(&document.body), Vec::<String>::new());
    for path in [
        "/_table/contact",
        "/_table/contact/{id}",
        "/_schema/{table_name}",
    ] {
        assert!(paths.contains_key(path), "{path} in {:?}", paths.keys());
    }
}

#[tokio::test]
async fn the_mysql_type_lists_dreamfactorys_fields_and_the_pool_settings() {
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    let reply = app.get("/api/v2/system/service_type/mysql", &admin).await;
    assert_eq!(
        (&reply.body["label"], &reply.body["description"]),
        (
            &json!("MySQL"),
            &json!("Database service supporting MySQL connections.")
        )
    );
    let fields = reply.body["config_schema"].as_array().expect("schema");
    let described: Vec<(&str, &str, bool, &Value)> = fields
        .iter()
        .map(|f| {
            let name = f["name"].as_str().unwrap_or_default();
            let kind = f["type"].as_str().unwrap_or_default();
            (name, kind, f["required"] == json!(true), &f["default"])
        })
        .collect();
    assert_eq!(
        described,
        [
            ("host", "string", true, &Value::Null),
            ("port", "integer", false, &json!(3306)),
            ("database", "string", true, &Value::Null),
            ("username", "string", true, &Value::Null),
            ("password", "password", false, &Value::Null),
            ("charset", "string", false, &json!("utf8mb4")),
            ("allow_upsert", "boolean", false, &json!(false)),
            ("max_records", "integer", false, &json!(1000)),
            ("cache_enabled", "boolean", false, &json!(false)),
            ("cache_ttl", "integer", false, &json!(0)),
            ("pool_size", "integer", false, &json!(16)),
            ("acquire_timeout_ms", "integer", false, &json!(5000)),
        ]
    );
}
