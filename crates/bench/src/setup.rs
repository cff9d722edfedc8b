//! What a run measures against: the demo's 100,000-row data (one file read by Sluice and the
//! floor, a copy for the writes), and a role and an app made through Sluice's system API by an
//! administrator, as a user would make them.

use std::path::Path;

use anyhow::{Context, bail};
use rusqlite::Connection;
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "bench@example.com";
/// Only ever used on a loopback server in the bench's own scratch directory.
pub const ADMIN_PASSWORD: &str = "bench-password-not-a-secret";
pub const READ_DATABASE: &str = "bench.sqlite";
pub const WRITE_DATABASE: &str = "bench-write.sqlite";
pub const READ_SERVICE: &str = "db";
pub const WRITE_SERVICE: &str = "dbw";

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

/// Signs in as the administrator, registers the two services, a role with every verb on
/// their tables and an app carrying that role; returns the app's API key.
pub async fn configure(url: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::new();
    let session = call(
        &client,
        url,
        None,
        "/api/v2/system/admin/session",
        json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
    )
    .await?;
    let token = session["session_token"]
        .as_str()
        .context("no session_token in the login answer")?
        .to_string();
    let services = call(
        &client,
        url,
        Some(&token),
        "/api/v2/system/service",
        json!({"resource": [service(READ_SERVICE, READ_DATABASE), service(WRITE_SERVICE, WRITE_DATABASE)]}),
    )
    .await?;
    let service_ids: Vec<i64> = services["resource"]
        .as_array()
        .map(|items| items.iter().filter_map(|s| s["id"].as_i64()).collect())
        .unwrap_or_default();
    if service_ids.len() != 2 {
        bail!("unexpected answer creating the services: {services}");
    }
    let access: Vec<Value> = service_ids
        .iter()
        .map(|id| {
            json!({"service_id": id, "component": "_table/*", "verb_mask": 31,
                   "requestor_mask": 1, "filters": [], "filter_op": "AND"})
        })
        .collect();
    let role = call(
        &client,
        url,
        Some(&token),
        "/api/v2/system/role",
        json!({"resource": [{"name": "bench", "is_active": true,
                             "role_service_access_by_role_id": access}]}),
    )
    .await?;
    let role_id = role["resource"][0]["id"]
        .as_i64()
        .with_context(|| format!("unexpected answer creating the role: {role}"))?;
    let app = call(
        &client,
        url,
        Some(&token),
        "/api/v2/system/app?fields=id,api_key",
        json!({"resource": [{"name": "bench", "is_active": true, "role_id": role_id}]}),
    )
    .await?;
    app["resource"][0]["api_key"]
        .as_str()
        .map(str::to_string)
        .with_context(|| format!("unexpected answer creating the app: {app}"))
}

fn service(name: &str, database: &str) -> Value {
    json!({"name": name, "type": "sqlite", "is_active": true,
           "config": {"database": database, "max_records": 1000}})
}

async fn call(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    path: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let mut request = client.post(format!("{url}{path}")).json(&body);
    if let Some(token) = token {
        request = request.header("X-DreamFactory-Session-Token", token);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("POST {path}"))?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("POST {path} answered {status}: {answer}");
    }
    Ok(answer)
}
