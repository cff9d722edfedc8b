//! `sluice demo`: the embedded default in one command. Creates once (later runs reuse it) a
//! demo database, the `db` service over it and an administrator, then serves.

use rand::Rng;
use rand::distributions::Alphanumeric;
use serde_json::json;
use sluice_system_db::{NewApp, NewRole, NewRoleAccess, NewService};

use crate::admins::{AdminOutcome, create_or_reset};
use crate::state::AppState;

pub const DEMO_ADMIN_EMAIL: &str = "admin@example.com";
pub const DEMO_DATABASE: &str = "demo.sqlite";
pub const DEMO_SERVICE: &str = "db";

/// What a person needs to start using the demo; the password only on first creation.
pub struct DemoAccess {
    pub admin_password: Option<String>,
    /// The API key of the `demo` app (full CRUD on `db`'s tables through the `demo` role).
    pub api_key: String,
}

pub const DEMO_ROLE: &str = "demo";
pub const DEMO_APP: &str = "demo";

/// Generates the demo database file when it does not exist yet.
pub async fn ensure_database(state_dir: &std::path::Path) -> anyhow::Result<()> {
    let path = state_dir.join(DEMO_DATABASE);
    if path.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(state_dir)?;
    let started = std::time::Instant::now();
    let summary = tokio::task::spawn_blocking(move || {
        sluice_connector_sqlite::demo::generate_demo_database(&path)
    })
    .await??;
    let rows: u64 = summary.tables.iter().map(|(_, n)| n).sum();
    tracing::info!(
        rows,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo database generated"
    );
    Ok(())
}

/// Creates the `db` service and the administrator when they are missing.
pub async fn ensure_service_and_admin(state: &AppState) -> anyhow::Result<DemoAccess> {
    if state
        .db
        .services()
        .get_by_name(DEMO_SERVICE)
        .await?
        .is_none()
    {
        state
            .db
            .services()
            .insert(
                &NewService {
                    label: Some("Demo database".to_string()),
                    description: Some(
                        "DreamFactory's address book and an employees table".to_string(),
                    ),
                    config: json!({"database": DEMO_DATABASE, "max_records": 1000,
                                   "allow_upsert": false, "cache_enabled": false, "cache_ttl": 0}),
                    ..NewService::new(DEMO_SERVICE, crate::service_types::SQLITE)
                },
                None,
            )
            .await?;
    }
    let api_key = ensure_role_and_app(state).await?;
    let admin_password = if state
        .db
        .users()
        .find_by_email(DEMO_ADMIN_EMAIL)
        .await?
        .is_none()
    {
        let password: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(24)
            .map(char::from)
            .collect();
        let outcome = create_or_reset(
            &state.db,
            DEMO_ADMIN_EMAIL,
            &password,
            Some("Demo Admin"),
            state.settings.auth.password_min_length,
        )
        .await?;
        debug_assert!(matches!(outcome, AdminOutcome::Created(_)));
        Some(password)
    } else {
        None
    };
    Ok(DemoAccess {
        admin_password,
        api_key,
    })
}

/// The `demo` role (every verb on `db`'s `_table/*`) and the `demo` app with that default
/// role, as DreamFactory's guides set up; returns the app's API key.
async fn ensure_role_and_app(state: &AppState) -> anyhow::Result<String> {
    let apps = state.db.apps().list().await?;
    if let Some(app) = apps.iter().find(|a| a.name == DEMO_APP) {
        return Ok(app.api_key.clone());
    }
    let service = state
        .db
        .services()
        .get_by_name(DEMO_SERVICE)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo service is missing"))?;
    let mut tx = state.db.begin().await?;
    let role = tx
        .roles()
        .insert(
            &NewRole {
                description: Some("Full access to the demo database's tables".to_string()),
                ..NewRole::new(DEMO_ROLE)
            },
            None,
        )
        .await?;
    tx.roles()
        .insert_access(
            &NewRoleAccess {
                role_id: role.id,
                service_id: Some(service.id),
                component: Some("_table/*".to_string()),
                verb_mask: 31,
                requestor_mask: 1,
                filters: json!([]),
                filter_op: "AND".to_string(),
                hidden_fields: json!([]),
            },
            None,
        )
        .await?;
    let app = tx
        .apps()
        .insert(
            &NewApp {
                description: Some("The demo app: its key carries the demo role".to_string()),
                role_id: Some(role.id),
                ..NewApp::new(DEMO_APP, crate::routes::system::generate_api_key())
            },
            None,
        )
        .await?;
    tx.commit().await?;
    Ok(app.api_key)
}

/// The text printed once the demo serves.
pub fn banner(url: &str, access: &DemoAccess) -> String {
    let password = access.admin_password.clone().unwrap_or_else(|| {
        "(printed when the demo was created; reset it with \
         `sluice admin create --email admin@example.com --password NEW-PASSWORD`)"
            .to_string()
    });
    let shown = access.admin_password.as_deref().unwrap_or("YOUR-PASSWORD");
    let key = &access.api_key;
    format!(
        "Sluice demo is running at {url}\n\
         \n\
         Administrator: {DEMO_ADMIN_EMAIL}\n\
         Password:      {password}\n\
         API key:       {key} (app 'demo', role 'demo': full CRUD on db's tables)\n\
         \n\
         Try it:\n\
         \n\
         # 1. sign in and keep the session token\n\
         TOKEN=$(curl -s -X POST {url}/api/v2/system/admin/session \\\n  \
           -H 'Content-Type: application/json' \\\n  \
           -d '{{\"email\":\"{DEMO_ADMIN_EMAIL}\",\"password\":\"{shown}\"}}' \\\n  \
           | sed -E 's/.*\"session_token\":\"([^\"]+)\".*/\\1/')\n\
         \n\
         # 2. list the tables of the db service with the demo app's API key\n\
         curl -s {url}/api/v2/db/_table -H 'X-DreamFactory-Api-Key: {key}'\n\
         \n\
         # 3. a filtered, ordered query\n\
         curl -s -G {url}/api/v2/db/_table/employees -H 'X-DreamFactory-Api-Key: {key}' \\\n  \
           --data-urlencode \"filter=last_name like 'G%' and gender = 'F'\" \\\n  \
           --data-urlencode 'order=hire_date desc' --data-urlencode 'limit=5'\n"
    )
}
