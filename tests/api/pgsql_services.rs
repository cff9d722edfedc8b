//! `pgsql` services against the machine's PostgreSQL, each test over a throwaway database:
//! creation and validation, the password sealed and never read back, reads and writes with a
//! role and an API key, a database that goes down and comes back, and a SQLite and a
//! PostgreSQL service side by side.

use std::str::FromStr;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::postgres::ThrowawayDatabase;
use sluice_tests::proxy::TcpProxy;
use sluice_tests::{Auth, TestApp, df_error};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use crate::access::{role, service_id};

const SERVICES: &str = "/api/v2/system/service";
const PASSWORD: &str = "pg-password-never-shown";
const CONTACTS: &str = "CREATE TABLE company (id serial PRIMARY KEY, name text NOT NULL); \
    INSERT INTO company (name) VALUES ('Analytical Engines'); \
    CREATE TABLE contact (id serial PRIMARY KEY, name text NOT NULL, email text, \
    company_id integer REFERENCES company (id)); \
    INSERT INTO contact (name, email, company_id) VALUES ('Ada', 'ada@example.com', 1), \
    ('Grace', NULL, NULL);";

/// A throwaway database holding the `contact` and `company` tables, and the connection settings of the
/// server it is on.
pub(crate) async fn contacts_database() -> (ThrowawayDatabase, PgConnectOptions) {
    let database = ThrowawayDatabase::create().await;
    let mut connection = PgConnection::connect(&database.url)
        .await
        .expect("connect to the test database");
    sqlx::raw_sql(CONTACTS)
        .execute(&mut connection)
        .await
        .expect("create the contact table");
    let _ = connection.close().await;
    let options = PgConnectOptions::from_str(&database.url).expect("test database URL");
    (database, options)
}

/// The `pgsql` config of `options`, reached on `host` and `port`.
pub(crate) fn config(options: &PgConnectOptions, host: &str, port: u16) -> Value {
    json!({"host": host, "port": port, "database": options.get_database(),
           "username": options.get_username(), "password": PASSWORD})
}

pub(crate) async fn create(
    app: &TestApp,
    admin: &str,
    name: &str,
    config: Value,
) -> sluice_tests::Reply {
    let body = json!({"resource": [{"name": name, "type": "pgsql", "config": config}]});
    app.send(Method::POST, SERVICES, Some(admin), Some(body))
        .await
}

/// A server with an administrator and the `pgsql` service `pg` of `config`: its admin token
/// and the service's id.
async fn serve(config: Value) -> (TestApp, String, i64) {
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    let reply = create(&app, &admin, "pg", config).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = service_id(&app, &admin, "pg").await;
    (app, admin, id)
}

async fn patch(app: &TestApp, admin: &str, id: i64, body: Value) -> sluice_tests::Reply {
    let path = format!("{SERVICES}/{id}");
    app.send(Method::PATCH, &path, Some(admin), Some(body))
        .await
}

pub(crate) async fn rows(app: &TestApp, admin: &str, service: &str) -> sluice_tests::Reply {
    let path = format!("/api/v2/{service}/_table/contact?fields=id,name&order=id");
    app.get(&path, admin).await
}

pub(crate) fn first_rows() -> Value {
    json!({"resource": [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Grace"}]})
}

/// Asserts that `service` serves the `company` and `contact` tables of [`CONTACTS`] (or
/// another engine's copy of them): records, the table list and related records.
pub(crate) async fn serves_the_contacts(app: &TestApp, admin: &str, service: &str) {
    assert_eq!(rows(app, admin, service).await.body, first_rows());
    let tables = app.get(&format!("/api/v2/{service}/_table"), admin).await;
    assert_eq!(
        tables.body,
        json!({"resource": [{"name": "company"}, {"name": "contact"}]})
    );
    let path =
        format!("/api/v2/{service}/_table/company?fields=name&related=contact_by_company_id");
    let related = app.get(&path, admin).await;
    assert_eq!(
        related.body,
        json!({"resource": [{"id": 1, "name": "Analytical Engines", "contact_by_company_id": [
            {"id": 1, "name": "Ada", "email": "ada@example.com", "company_id": 1}]}]})
    );
}

/// Asserts that a `service_type` service whose host (set by `config_for`) is link-local, or
/// does not resolve, is refused with a 400 before anything is connected to.
pub(crate) async fn refuses_bad_hosts(
    app: &TestApp,
    admin: &str,
    service_type: &str,
    config_for: impl Fn(&str) -> Value,
) {
    for host in ["169.254.169.254", "fe80::1", "no-such-host.invalid"] {
        let service = json!({"name": "refused", "type": service_type, "config": config_for(host)});
        let body = json!({ "resource": [service] });
        let reply = app
            .send(Method::POST, SERVICES, Some(admin), Some(body))
            .await;
        let message = match host {
            "no-such-host.invalid" => {
                "Invalid data supplied. The host 'no-such-host.invalid' cannot be resolved."
            }
            _ => "Destination not allowed.",
        };
        assert_eq!(
            (reply.status, reply.body),
            (StatusCode::BAD_REQUEST, df_error(400, message))
        );
    }
}

#[tokio::test]
async fn an_api_key_with_a_role_reads_and_writes_a_pgsql_service_whose_password_stays_sealed() {
    let (_database, options) = contacts_database().await;
    let (app, admin, id) = serve(config(&options, "127.0.0.1", options.get_port())).await;

    let stored = app.get(&format!("{SERVICES}/{id}"), &admin).await;
    assert_eq!(stored.body["config"]["password"], json!("**********"));
    assert_eq!(stored.body["config"]["schema"], json!("public"));
    let system_db = std::fs::read(app.data_dir.path().join("system.sqlite")).expect("system db");
    let needle = PASSWORD.as_bytes();
    assert!(
        !system_db.windows(needle.len()).any(|w| w == needle),
        "the password is stored in plain text"
    );

    // Saving the config back as read keeps the stored password.
    let update = json!({"config": {"password": "**********", "max_records": 50}});
    let reply = patch(&app, &admin, id, update).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let reader = role("contacts", id, "_table/*", 1 | 2, json!({}));
    let role_id = app.create_role(&admin, reader).await;
    let (_, key) = app.create_app(&admin, "contacts", Some(role_id)).await;
    let path = "/api/v2/pg/_table/contact?fields=id,name&order=id";
    let read = app.call(Method::GET, path, Auth::key(&key), None).await;
    assert_eq!((read.status, read.body), (StatusCode::OK, first_rows()));

    let new = json!({"resource": [{"name": "Linus", "email": "linus@example.com"}]});
    let written = app
        .call(
            Method::POST,
            "/api/v2/pg/_table/contact",
            Auth::key(&key),
            Some(new),
        )
        .await;
    assert_eq!(written.status, StatusCode::OK, "{}", written.body);
    assert_eq!(written.body, json!({"resource": [{"id": 3}]}));
    let read = app
        .call(
            Method::GET,
            "/api/v2/pg/_table/contact/3",
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
            "/api/v2/pg/_table/contact/3",
            Auth::key(&key),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
}

#[tokio::test]
async fn a_refused_destination_a_host_that_does_not_resolve_and_a_refused_login_are_400s() {
    let (_database, options) = contacts_database().await;
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    let port = options.get_port();

    refuses_bad_hosts(&app, &admin, "pgsql", |host| config(&options, host, port)).await;
    let mut wrong_login = config(&options, "127.0.0.1", port);
    wrong_login["username"] = json!("no_such_role_for_sluice");
    let reply = create(&app, &admin, "pg", wrong_login).await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "Invalid data supplied. Cannot connect to the database: the database refused the login."
        )
    );
    let mut unknown = config(&options, "127.0.0.1", port);
    unknown["dsn"] = json!("postgres://elsewhere");
    let reply = create(&app, &admin, "pg", unknown).await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "Invalid data supplied. Unknown config field 'dsn' for service type 'pgsql'."
        )
    );
    let listed = app.get(&format!("{SERVICES}?fields=name"), &admin).await;
    assert_eq!(
        listed.body,
        json!({"resource": [{"name": "user"}, {"name": "files"}]})
    );
}

#[tokio::test]
async fn only_the_listed_destinations_are_allowed_when_a_list_is_set() {
    let (_database, options) = contacts_database().await;
    let env = vec![(
        "SLUICE__OUTBOUND__ALLOWED_DESTINATIONS".to_owned(),
        "10.0.0.0/8,localhost".to_owned(),
    )];
    let app = TestApp::spawn_with_env(env).await;
    let admin = app.login().await;
    let port = options.get_port();
    let reply = create(&app, &admin, "pg", config(&options, "127.0.0.1", port)).await;
    assert_eq!(reply.body, df_error(400, "Destination not allowed."));
    let reply = create(&app, &admin, "pg", config(&options, "localhost", port)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

#[tokio::test]
async fn a_pgsql_service_whose_database_goes_down_answers_503_then_recovers_by_itself() {
    let (_database, options) = contacts_database().await;
    let server = format!("127.0.0.1:{}", options.get_port());
    let proxy = TcpProxy::start(server.parse().expect("server address")).await;
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    let reply = create(
        &app,
        &admin,
        "pg",
        config(&options, "127.0.0.1", proxy.port()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(rows(&app, &admin, "pg").await.body, first_rows());

    proxy.cut();
    let down = rows(&app, &admin, "pg").await;
    assert_eq!(
        (down.status, down.body),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            df_error(503, "The service's database is unavailable.")
        )
    );
    assert_eq!(down.headers["retry-after"], "1");

    proxy.restore();
    let up = rows(&app, &admin, "pg").await;
    assert_eq!((up.status, up.body), (StatusCode::OK, first_rows()));
}

#[tokio::test]
async fn a_sqlite_and_a_pgsql_service_are_served_side_by_side() {
    let (_database, options) = contacts_database().await;
    let (app, admin) = TestApp::with_demo_service().await;
    let reply = create(
        &app,
        &admin,
        "pg",
        config(&options, "127.0.0.1", options.get_port()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    serves_the_contacts(&app, &admin, "pg").await;
    let sqlite = app.get("/api/v2/db/_table", &admin).await;
    assert_eq!(sqlite.status, StatusCode::OK, "{}", sqlite.body);
    let docs = app.get("/api/v2/api_docs?as_list=true", &admin).await;
    assert_eq!(docs.body, json!({"resource": ["db", "pg"]}));
    let schema = app.get("/api/v2/pg/_schema/contact", &admin).await;
    assert_eq!(schema.body["name"], json!("contact"));
    assert_eq!(schema.body["primary_key"], json!(["id"]));
}

#[tokio::test]
async fn the_pgsql_type_lists_dreamfactorys_fields_and_the_pool_settings() {
    let app = TestApp::spawn().await;
    let admin = app.login().await;
    let reply = app.get("/api/v2/system/service_type/pgsql", &admin).await;
    let fields = reply.body["config_schema"].as_array().expect("schema");
    let described: Vec<(&str, &str, bool)> = fields
        .iter()
        .map(|f| {
            let name = f["name"].as_str().unwrap_or_default();
            let kind = f["type"].as_str().unwrap_or_default();
            (name, kind, f["required"] == json!(true))
        })
        .collect();
    assert_eq!(
        described,
        [
            ("host", "string", true),
            ("port", "integer", false),
            ("database", "string", true),
            ("username", "string", true),
            ("password", "password", false),
            ("schema", "string", false),
            ("allow_upsert", "boolean", false),
            ("max_records", "integer", false),
            ("cache_enabled", "boolean", false),
            ("cache_ttl", "integer", false),
            ("pool_size", "integer", false),
            ("acquire_timeout_ms", "integer", false),
        ]
    );
    assert_eq!(fields[5]["default"], json!("public"));
}

#[tokio::test]
async fn a_cached_pgsql_service_answers_from_its_cache_until_the_ttl_or_a_write() {
    let (database, options) = contacts_database().await;
    let mut cached = config(&options, "127.0.0.1", options.get_port());
    cached["cache_enabled"] = json!(true);
    cached["cache_ttl"] = json!(5);
    let (app, admin, _) = serve(cached).await;
    assert_eq!(rows(&app, &admin, "pg").await.body, first_rows());

    // A row written behind Sluice's back is seen once the cached answer expires.
    let mut connection = PgConnection::connect(&database.url)
        .await
        .expect("connect to the test database");
    sqlx::raw_sql("INSERT INTO contact (name) VALUES ('Behind')")
        .execute(&mut connection)
        .await
        .expect("insert behind Sluice's back");
    let _ = connection.close().await;
    assert_eq!(rows(&app, &admin, "pg").await.body, first_rows());
    app.clock.advance(Duration::from_secs(5 * 60));
    let fresh = rows(&app, &admin, "pg").await;
    assert_eq!(
        fresh.body["resource"][2],
        json!({"id": 3, "name": "Behind"})
    );

    // A write through Sluice drops the cached answers at once.
    let new = json!({"resource": [{"name": "Through"}]});
    let written = app
        .send(
            Method::POST,
            "/api/v2/pg/_table/contact",
            Some(&admin),
            Some(new),
        )
        .await;
    assert_eq!(written.body, json!({"resource": [{"id": 4}]}));
    let after = rows(&app, &admin, "pg").await;
    assert_eq!(
        after.body["resource"][3],
        json!({"id": 4, "name": "Through"})
    );
}

#[tokio::test]
async fn an_update_the_database_refuses_is_a_400_and_the_service_keeps_working() {
    let (_database, options) = contacts_database().await;
    let (app, admin, id) = serve(config(&options, "127.0.0.1", options.get_port())).await;

    let update = json!({"config": {"username": "no_such_role_for_sluice"}});
    let reply = patch(&app, &admin, id, update).await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "Invalid data supplied. Cannot connect to the database: the database refused the login."
        )
    );
    let stored = app.get(&format!("{SERVICES}/{id}"), &admin).await;
    assert_eq!(
        stored.body["config"]["username"],
        json!(options.get_username())
    );
    assert_eq!(rows(&app, &admin, "pg").await.body, first_rows());

    let update = json!({"config": {"host": "169.254.169.254"}});
    let reply = patch(&app, &admin, id, update).await;
    assert_eq!(reply.body, df_error(400, "Destination not allowed."));
    assert_eq!(rows(&app, &admin, "pg").await.body, first_rows());
}
