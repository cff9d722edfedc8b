//! Shared helpers for the black-box HTTP tests: a Sluice server spawned in-process on port 0
//! over a fresh temporary data directory, and a client with DreamFactory-shaped helpers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_gateway::clock::Clock;
use sluice_gateway::{Application, Overrides, Settings};
use tempfile::TempDir;

pub mod database;
mod environment;
mod eventually;
pub mod mysql;
pub mod nsqlite;
pub mod postgres;
pub mod proxy;
mod system_db;

pub use environment::{env, on_own_runtime, redis_url, unique_name};
pub use eventually::eventually;
pub use sluice_system_db::NewUser;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret!";

pub struct TestApp {
    pub url: String,
    /// The listener of its own for `/metrics`, when `SLUICE__METRICS__BIND` set one.
    pub metrics_url: Option<String>,
    pub client: reqwest::Client,
    pub data_dir: TempDir,
    /// The server's clock for rate limits and the data cache: `advance` it instead of
    /// sleeping.
    pub clock: Arc<Clock>,
}

/// A response with its status, headers and JSON body (`Value::Null` if the body is empty).
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

/// The demo database, generated once per test binary and copied into each test's data dir
/// (each test gets its own file; nothing is shared between tests).
fn demo_template() -> &'static Path {
    static TEMPLATE: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = TEMPLATE.get_or_init(|| {
        let dir = TempDir::new().expect("temp dir");
        let path = dir.path().join("demo.sqlite");
        sluice_connector_sqlite::demo::generate_demo_database(&path).expect("demo database");
        // Fold the WAL into the main file so one copy holds everything.
        let conn = rusqlite::Connection::open(&path).expect("open demo");
        conn.pragma_update(None, "journal_mode", "DELETE")
            .expect("journal mode");
        drop(conn);
        (dir, path)
    });
    path
}

pub fn settings_for(data_dir: &Path, env: Vec<(String, String)>) -> Settings {
    let mut env = env;
    env.push(("SLUICE__AUTH__JWT_SECRET".into(), JWT_SECRET.into()));
    env.push((
        "SLUICE__LOG__LEVEL".into(),
        std::env::var("TEST_LOG").unwrap_or_else(|_| "off".into()),
    ));
    let overrides = Overrides {
        host: Some("127.0.0.1".into()),
        port: Some(0),
        workers: Some(1),
    };
    Settings::load(None, data_dir, env, &overrides).expect("test settings")
}

/// Migrates the system database `settings` name and creates the administrator
/// `ADMIN_EMAIL` with `ADMIN_PASSWORD` in it.
pub async fn create_admin(settings: &Settings) {
    let db = sluice_gateway::state::open_system_db(settings)
        .await
        .expect("system db");
    sluice_gateway::admins::create_or_reset(
        &db,
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        Some("Test Admin"),
        16,
    )
    .await
    .expect("admin");
    db.close().await;
}

/// Builds a server from `settings` and runs it in the background; returns its base URL.
pub async fn start(settings: Settings) -> String {
    start_server(settings).await.url
}

/// A server running in the background.
pub struct Started {
    pub url: String,
    /// The URL of the listener of its own for `/metrics`, when `metrics.bind` set one.
    pub metrics_url: Option<String>,
    pub clock: Arc<Clock>,
}

/// [`start`], with everything a test may need of the server.
pub async fn start_server(settings: Settings) -> Started {
    let app = Application::build(settings).await.expect("application");
    let url = format!("http://127.0.0.1:{}", app.port());
    let metrics_url = (app.metrics_port()).map(|port| format!("http://127.0.0.1:{port}"));
    let clock = app.clock();
    tokio::spawn(app.run_until_stopped());
    Started {
        url,
        metrics_url,
        clock,
    }
}

/// One request with any combination of session token and API key headers, to a full URL.
pub async fn request(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    auth: Auth<'_>,
    body: Option<Value>,
) -> Reply {
    let mut request = client.request(method, url);
    if let Some(token) = auth.token {
        request = request.header("X-DreamFactory-Session-Token", token);
    }
    if let Some(key) = auth.api_key {
        request = request.header("X-DreamFactory-Api-Key", key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    TestApp::reply(request.send().await.expect("request")).await
}

impl TestApp {
    /// A server with an administrator and the demo database file `demo.sqlite` in its data
    /// dir (no service yet: `with_demo_service` adds `db`).
    pub async fn spawn() -> Self {
        Self::spawn_with_env(Vec::new()).await
    }

    pub async fn spawn_with_env(env: Vec<(String, String)>) -> Self {
        let data_dir = TempDir::new().expect("temp dir");
        std::fs::copy(demo_template(), data_dir.path().join("demo.sqlite")).expect("copy demo");
        let settings = settings_for(data_dir.path(), env);
        // The first server's subscriber serves the whole test process; its thread writes
        // gathered access lines out, so nothing needs to be kept here.
        drop(sluice_gateway::telemetry::init(&settings.log).expect("telemetry"));
        create_admin(&settings).await;
        let Started {
            url,
            metrics_url,
            clock,
        } = start_server(settings).await;
        Self {
            url,
            metrics_url,
            client: reqwest::Client::new(),
            data_dir,
            clock,
        }
    }

    /// `spawn` plus the service `db` over `demo.sqlite`, and an admin session token.
    pub async fn with_demo_service() -> (Self, String) {
        let app = Self::spawn().await;
        let token = app.login().await;
        let reply = app
            .send(Method::POST, "/api/v2/system/service", Some(&token),
                Some(json!({"resource":[{"name":"db","type":"sqlite","config":{"database":"demo.sqlite"}}]})))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        (app, token)
    }

    pub async fn login(&self) -> String {
        let reply = self
            .send(
                Method::POST,
                "/api/v2/system/admin/session",
                None,
                Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body["session_token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let auth = Auth {
            token,
            api_key: None,
        };
        self.call(method, path, auth, body).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }
}

/// DreamFactory's error envelope.
pub fn df_error(status: u16, message: &str) -> Value {
    json!({"error": {"code": status, "context": null, "message": message, "status_code": status}})
}

/// A credential error: DreamFactory's envelope and message, with Sluice's hint in `context`.
pub fn df_error_hint(status: u16, message: &str, hint: &str) -> Value {
    let mut error = df_error(status, message);
    error["error"]["context"] = json!({ "hint": hint });
    error
}

/// The hints of credential errors (`context.hint`), as the README's troubleshooting table
/// lists them.
pub mod hints {
    pub const NO_CREDENTIALS: &str = "Send an API key (X-DreamFactory-API-Key header) or a \
session token (X-DreamFactory-Session-Token header).";
    pub const SYSTEM: &str = "The system API is for administrators: sign in with POST \
/api/v2/system/admin/session and send its session_token as X-DreamFactory-Session-Token.";
    pub const UNKNOWN_KEY: &str = "The API key is not the api_key of any app: check the \
X-DreamFactory-API-Key value (an administrator can list the apps' keys).";
    pub const APP_WITHOUT_ROLE: &str = "The app of this API key has no default role: give the \
app a role (role_id), or sign in as a user with a role for this app.";
    pub const SESSION_WITHOUT_KEY: &str = "Users get their role through an app: send the app's \
API key (X-DreamFactory-API-Key) along with the session token.";
    pub const NO_ROLE: &str = "Neither the signed-in user nor the app of this API key has a \
role: give the user a role for this app, or the app a default role.";
    pub const ROLE_INACTIVE: &str = "The role that applies to this request is inactive: an \
administrator can activate it (is_active) or assign another role.";
    pub const APP_INACTIVE: &str = "The app of this API key is deactivated: an administrator \
can activate it (is_active), or use the key of another app.";
    pub const EXPIRED: &str = "The session expired: refresh it (PUT on the session resource \
you signed in at) while the refresh window is open, or sign in again.";
    pub const REVOKED: &str = "This token was ended by a sign-out, a refresh (which returns a \
new token: use that one) or a password change: sign in again.";
    pub const INVALID_TOKEN: &str = "The token is not one this gateway issued, or was cut \
short: send the whole session_token from the sign-in answer, or sign in again.";
    pub const USER_CHANGED: &str = "The token's user was deactivated, deleted or changed email \
since signing in: sign in again.";
    pub const REFRESH_CLOSED: &str = "A token can be refreshed only for \
auth.refresh_ttl_minutes after it was first issued: sign in again.";
    pub const ADMIN_LOGIN: &str = "Check the email and password. Only administrators sign in \
here; other users sign in at /api/v2/user/session.";
    pub const USER_LOGIN: &str = "Check the email and password. Administrators sign in at \
/api/v2/system/admin/session, not here.";

    /// The 401 of an API key whose role does not grant the verb (no session sent).
    pub fn key_role_denies(verb: &str, component: &str, service: &str) -> String {
        format!(
            "The role of this API key does not allow {verb} on '{component}' of service \
             '{service}': grant the verb to the role, or also send the session token of a user \
             whose role allows it."
        )
    }

    /// The 403 of a session whose role does not grant the verb.
    pub fn session_role_denies(verb: &str, component: &str, service: &str) -> String {
        format!(
            "The role that applies to this session does not allow {verb} on '{component}' of \
             service '{service}': an administrator can add the verb to the role's access for it \
             (verb_mask)."
        )
    }
}

/// A small table with known rows and every kind of column, plus a view over it.
pub const TODO_FIXTURE: &str = "
CREATE TABLE todo (id INTEGER PRIMARY KEY, name TEXT NOT NULL, complete BOOLEAN,
                   priority INT, score REAL, note, data BLOB, due DATE);
INSERT INTO todo VALUES (1, 'Buy milk', 0, 2, 1.5, NULL, NULL, '2024-01-05');
INSERT INTO todo VALUES (2, 'O''Brien''s 50% off', 1, 1, 2.0, 'text', X'00FF', '2024-02-01');
INSERT INTO todo VALUES (3, 'Walk_dog', 0, 3, NULL, 42, NULL, NULL);
INSERT INTO todo VALUES (4, 'Read', 1, NULL, 3.25, 1.5, NULL, '2024-03-10');
CREATE VIEW done AS SELECT id, name FROM todo WHERE complete = 1;
";

/// Tables for write tests, beside `TODO_FIXTURE`: a unique column (`team.name`), a foreign
/// key without cascade (`player.team_id`), a NOT NULL column with a default
/// (`player.level`), a composite primary key (`enrolment`), a table without required
/// columns (`tag`), a deferred foreign key (`badge.team_id`), and triggers refusing the
/// team names `Bad` (`RAISE(ABORT)`) and `Worse` (`RAISE(ROLLBACK)`).
pub const WRITE_FIXTURE: &str = "
CREATE TABLE team (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
INSERT INTO team VALUES (1, 'Red'), (2, 'Blue');
CREATE TABLE player (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE,
                     team_id INTEGER REFERENCES team (id), level INTEGER NOT NULL DEFAULT 1);
INSERT INTO player VALUES (1, 'ann@example.com', 1, 3), (2, 'bob@example.com', 2, 1);
CREATE TABLE enrolment (student TEXT NOT NULL, course TEXT NOT NULL, grade INTEGER,
                        PRIMARY KEY (student, course));
INSERT INTO enrolment VALUES ('ann', 'math', 4), ('ann', 'art', 5), ('bob', 'math', 3);
CREATE TABLE tag (id INTEGER PRIMARY KEY, label TEXT);
CREATE TABLE badge (id INTEGER PRIMARY KEY,
                    team_id INTEGER REFERENCES team (id) DEFERRABLE INITIALLY DEFERRED);
CREATE TRIGGER team_bad BEFORE INSERT ON team WHEN NEW.name = 'Bad'
    BEGIN SELECT RAISE(ABORT, 'trigger text the client must not see'); END;
CREATE TRIGGER team_worse BEFORE INSERT ON team WHEN NEW.name = 'Worse'
    BEGIN SELECT RAISE(ROLLBACK, 'trigger text the client must not see'); END;
";

impl TestApp {
    /// Runs SQL on this test's own copy of the demo database (before the service reads it).
    pub fn exec_on_demo(&self, sql: &str) {
        let conn =
            rusqlite::Connection::open(self.data_dir.path().join("demo.sqlite")).expect("open");
        conn.execute_batch(sql).expect("fixture sql");
    }

    /// A server whose `db` service has the demo schema plus `TODO_FIXTURE`, with the given
    /// extra service config (e.g. a small `max_records`).
    pub async fn with_todo_service(config: Value) -> (Self, String) {
        Self::with_tables(Self::spawn().await, config, TODO_FIXTURE).await
    }

    /// The `db` service over this test's demo database after running `fixture` on it, with
    /// the given extra service config; returns the app and an admin session token.
    pub async fn with_tables(app: Self, config: Value, fixture: &str) -> (Self, String) {
        app.exec_on_demo(fixture);
        let token = app.login().await;
        let mut config = config;
        config["database"] = json!("demo.sqlite");
        let reply = app
            .send(
                Method::POST,
                "/api/v2/system/service",
                Some(&token),
                Some(json!({"resource":[{"name":"db","type":"sqlite","config":config}]})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        (app, token)
    }

    /// This test's demo database file (the `db` service's).
    pub fn demo_path(&self) -> PathBuf {
        self.data_dir.path().join("demo.sqlite")
    }
}

/// Credentials for one request: a session token, an API key, both or neither.
#[derive(Debug, Clone, Copy, Default)]
pub struct Auth<'a> {
    pub token: Option<&'a str>,
    pub api_key: Option<&'a str>,
}

impl<'a> Auth<'a> {
    pub fn key(api_key: &'a str) -> Self {
        Auth {
            token: None,
            api_key: Some(api_key),
        }
    }

    pub fn token(token: &'a str) -> Self {
        Auth {
            token: Some(token),
            api_key: None,
        }
    }

    pub fn both(token: &'a str, api_key: &'a str) -> Self {
        Auth {
            token: Some(token),
            api_key: Some(api_key),
        }
    }
}

impl TestApp {
    /// A request with any combination of session token and API key headers.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<Value>,
    ) -> Reply {
        request(
            &self.client,
            method,
            &format!("{}{}", self.url, path),
            auth,
            body,
        )
        .await
    }

    /// Creates a role through the system API and returns its id.
    pub async fn create_role(&self, admin: &str, role: Value) -> i64 {
        let reply = self
            .send(
                Method::POST,
                "/api/v2/system/role",
                Some(admin),
                Some(json!({"resource":[role]})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["resource"][0]["id"].as_i64().expect("role id")
    }

    /// Creates an active app with a default role and returns `(id, api_key)`.
    pub async fn create_app(&self, admin: &str, name: &str, role_id: Option<i64>) -> (i64, String) {
        let reply = self
            .send(
                Method::POST,
                "/api/v2/system/app?fields=id,api_key",
                Some(admin),
                Some(json!({"resource":[{"name": name, "is_active": true, "role_id": role_id}]})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let app = &reply.body["resource"][0];
        (
            app["id"].as_i64().expect("app id"),
            app["api_key"].as_str().expect("api key").to_string(),
        )
    }

    /// Creates an active non-admin user and returns its id.
    pub async fn create_user(&self, admin: &str, email: &str, password: &str, name: &str) -> i64 {
        let reply = self
            .send(
                Method::POST,
                "/api/v2/system/user",
                Some(admin),
                Some(
                    json!({"resource":[{"email": email, "password": password, "name": name,
                                         "is_active": true}]}),
                ),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["resource"][0]["id"].as_i64().expect("user id")
    }

    /// Signs a non-admin user in through `POST /api/v2/user/session` with an API key.
    pub async fn user_login(&self, email: &str, password: &str, api_key: Option<&str>) -> String {
        let auth = Auth {
            token: None,
            api_key,
        };
        let reply = self
            .call(
                Method::POST,
                "/api/v2/user/session",
                auth,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body["session_token"]
            .as_str()
            .expect("token")
            .to_string()
    }
}
