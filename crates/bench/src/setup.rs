//! What a run measures against: the demo's 100,000-row data (one file read by Sluice and the
//! floor, a copy for the writes), and a role and an app made through Sluice's system API by an
//! administrator, as a user would make them.

use std::path::Path;

use anyhow::{Context, bail};
use reqwest::Method;
use rusqlite::Connection;
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "bench@example.com";
/// Only ever used on a loopback server in the bench's own scratch directory.
pub const ADMIN_PASSWORD: &str = "bench-password-not-a-secret";
pub const READ_DATABASE: &str = "bench.sqlite";
pub const WRITE_DATABASE: &str = "bench-write.sqlite";
pub const READ_SERVICE: &str = "db";
pub const WRITE_SERVICE: &str = "dbw";
/// The read data again, under a rate limit no run reaches.
pub const LIMITED_SERVICE: &str = "dbl";
/// The read data again, with the data cache on.
pub const CACHED_SERVICE: &str = "dbc";
/// The read data again, with a small `pre_process` script on its by-id reads.
pub const SCRIPTED_SERVICE: &str = "dbs";
/// The script: what a validation script typically does (look at the request, pass).
const BY_ID_SCRIPT: &str = "if (event.request.parameters.fields === 'forbidden') { \
    throw new ForbiddenException('Not this field.'); }";
/// The limit on `dbl`: counted on every request, never reached.
const UNREACHED_RATE: i64 = 2_000_000_000;

/// Facts about the generated data the scenarios draw their parameters from.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub employees: i64,
    /// Every distinct `employees.last_name`.
    pub last_names: Vec<String>,
    /// Rows per last name, on average (what a filter read or a PATCH by filter touches).
    pub rows_per_last_name: f64,
    /// A department new rows can reference.
    pub dept_no: String,
}

/// Generates the demo database into `data_dir` and a copy of it for the write scenarios.
pub fn generate(data_dir: &Path) -> anyhow::Result<Dataset> {
    std::fs::create_dir_all(data_dir)?;
    let read = data_dir.join(READ_DATABASE);
    sluice_connector_sqlite::demo::generate_demo_database(&read)
        .context("cannot generate the demo database")?;
    std::fs::copy(&read, data_dir.join(WRITE_DATABASE))?;
    let connection = Connection::open(&read)?;
    let employees: i64 =
        connection.query_row("SELECT COUNT(*) FROM employees", [], |row| row.get(0))?;
    let last_names = connection
        .prepare("SELECT DISTINCT last_name FROM employees ORDER BY last_name")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    let dept_no: String =
        connection.query_row("SELECT MIN(dept_no) FROM departments", [], |row| row.get(0))?;
    if employees == 0 || last_names.is_empty() {
        bail!("the generated database has no employees");
    }
    Ok(Dataset {
        employees,
        rows_per_last_name: employees as f64 / last_names.len() as f64,
        last_names,
        dept_no,
    })
}

/// What [`configure`] made: the app's API key and its role.
pub struct Configured {
    pub api_key: String,
    pub role_id: i64,
    /// The read service's id, for further access rows.
    pub read_service_id: i64,
}

/// Signs in as the administrator, registers the services (plain reads and writes, a rate
/// limited one and a cached one), a role with every verb on their tables, an app carrying
/// that role, the rate limit and two CORS rules.
pub async fn configure(url: &str) -> anyhow::Result<Configured> {
    let admin = Admin::sign_in(url).await?;
    let cached = json!({"cache_enabled": true, "cache_ttl": 60});
    let services = admin
        .post(
            "/api/v2/system/service",
            json!({"resource": [
                service(READ_SERVICE, READ_DATABASE, json!({})),
                service(WRITE_SERVICE, WRITE_DATABASE, json!({})),
                service(LIMITED_SERVICE, READ_DATABASE, json!({})),
                service(CACHED_SERVICE, READ_DATABASE, cached),
                service(SCRIPTED_SERVICE, READ_DATABASE, json!({})),
            ]}),
        )
        .await?;
    let service_ids: Vec<i64> = services["resource"]
        .as_array()
        .map(|items| items.iter().filter_map(|s| s["id"].as_i64()).collect())
        .unwrap_or_default();
    let [read_service_id, _, limited_service_id, _, _] = service_ids[..] else {
        bail!("unexpected answer creating the services: {services}");
    };
    let mut access: Vec<Value> = service_ids
        .iter()
        .map(|id| table_access(*id, "_table/*", 31))
        .collect();
    // `by_pk_sql`: raw SQL needs its own exact grant; GET runs read-only statements.
    access.push(table_access(read_service_id, "_sql", 1));
    let role_id = admin.create_role("bench", access).await?.id;
    admin
        .post(
            "/api/v2/system/limit",
            json!({"resource": [{"type": "instance.service", "service_id": limited_service_id,
                                 "rate": UNREACHED_RATE, "period": "minute",
                                 "name": "bench", "is_active": true}]}),
        )
        .await?;
    // CORS rules as a browser-facing deployment has them: the benchmark's requests carry no
    // `Origin`, so they are configured but never apply, and must cost nothing.
    admin
        .post(
            "/api/v2/system/cors",
            json!({"resource": [
                {"path": "*", "origin": "https://app.example.com", "header": "*",
                 "method": 31, "max_age": 600, "enabled": true},
                {"path": "api/v2/db/*", "origin": "https://admin.example.com", "header": "*",
                 "method": 1, "max_age": 600, "enabled": true},
            ]}),
        )
        .await?;
    let event = format!("{SCRIPTED_SERVICE}._table.employees.{{id}}.get.pre_process");
    admin
        .post(
            &format!("/api/v2/system/event_script/{event}"),
            json!({"type": "nodejs", "content": BY_ID_SCRIPT, "is_active": true}),
        )
        .await?;
    let api_key = admin.create_app("bench", role_id).await?;
    Ok(Configured {
        api_key,
        role_id,
        read_service_id,
    })
}

/// An access row for `role_service_access_by_role_id`: `verb_mask` of GET 1, POST 2, PUT 4,
/// PATCH 8, DELETE 16, for API requests.
pub fn table_access(service_id: i64, component: &str, verb_mask: u32) -> Value {
    json!({"service_id": service_id, "component": component, "verb_mask": verb_mask,
           "requestor_mask": 1, "filters": [], "filter_op": "AND"})
}

/// A SQLite service over `database`, with `extra` config beside the file and `max_records`.
fn service(name: &str, database: &str, extra: Value) -> Value {
    let mut config = json!({"database": database, "max_records": 1000});
    if let (Some(config), Value::Object(extra)) = (config.as_object_mut(), extra) {
        config.extend(extra);
    }
    json!({"name": name, "type": "sqlite", "is_active": true, "config": config})
}

/// A role as created: its id and the ids of its access rows, in the order given.
pub struct CreatedRole {
    pub id: i64,
    pub access_ids: Vec<i64>,
}

/// An administrator's session on one server, for system API calls.
pub struct Admin {
    client: reqwest::Client,
    url: String,
    token: String,
}

impl Admin {
    pub async fn sign_in(url: &str) -> anyhow::Result<Self> {
        let mut admin = Self {
            client: reqwest::Client::new(),
            url: url.to_string(),
            token: String::new(),
        };
        let session = admin
            .call(
                Method::POST,
                "/api/v2/system/admin/session",
                json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
            )
            .await?;
        admin.token = session["session_token"]
            .as_str()
            .context("no session_token in the login answer")?
            .to_string();
        Ok(admin)
    }

    pub async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(Method::POST, path, body).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(Method::PATCH, path, body).await
    }

    pub async fn create_role(&self, name: &str, access: Vec<Value>) -> anyhow::Result<CreatedRole> {
        let role = self
            .post(
                "/api/v2/system/role?related=role_service_access_by_role_id",
                json!({"resource": [{"name": name, "is_active": true,
                                     "role_service_access_by_role_id": access}]}),
            )
            .await?;
        let created = &role["resource"][0];
        let id = created["id"]
            .as_i64()
            .with_context(|| format!("unexpected answer creating the role: {role}"))?;
        let access_ids = created["role_service_access_by_role_id"]
            .as_array()
            .map(|rows| rows.iter().filter_map(|row| row["id"].as_i64()).collect())
            .unwrap_or_default();
        Ok(CreatedRole { id, access_ids })
    }

    /// Creates an active app with `role_id` and returns its API key.
    pub async fn create_app(&self, name: &str, role_id: i64) -> anyhow::Result<String> {
        let app = self
            .post(
                "/api/v2/system/app?fields=id,api_key",
                json!({"resource": [{"name": name, "is_active": true, "role_id": role_id}]}),
            )
            .await?;
        app["resource"][0]["api_key"]
            .as_str()
            .map(str::to_string)
            .with_context(|| format!("unexpected answer creating the app: {app}"))
    }

    async fn call(&self, method: Method, path: &str, body: Value) -> anyhow::Result<Value> {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.url))
            .json(&body);
        if !self.token.is_empty() {
            request = request.header("X-DreamFactory-Session-Token", &self.token);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{method} {path} answered {status}: {answer}");
        }
        Ok(answer)
    }
}
