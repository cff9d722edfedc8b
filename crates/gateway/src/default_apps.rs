//! DreamFactory's default apps, `admin`, `api_docs` and `file_manager`, created once in a
//! new system database, as DreamFactory's installer seeds them: active, type 3 (a path on
//! this server), no default role. DreamFactory's admin app sends its built-in API key with
//! every request and the older admin app looks for its `admin` app, so both need them.
//!
//! Keys are random unless `dreamfactory.compat_default_app_keys` is set: then they are the
//! keys DreamFactory publishes in its sources, which its prebuilt admin app carries. Those
//! keys are public, so they are opt-in; either way a key identifies an app and grants only
//! what the app's role grants (none here).

use serde::Deserialize;
use sluice_system_db::{DbError, NewApp, SystemDb};

use crate::routes::system::generate_api_key;

/// The `system_setting` recording that the default apps were created, so an app an
/// administrator deletes is not created again at the next start.
const SEEDED: &str = "default_apps_seeded";

/// `[dreamfactory]`: compatibility choices that trade safety for DreamFactory's behaviour.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DreamFactorySettings {
    /// Seed the default apps with DreamFactory's published API keys instead of random ones.
    pub compat_default_app_keys: bool,
}

/// One default app: its name, DreamFactory's published key, description and launch path.
struct DefaultApp {
    name: &'static str,
    published_key: &'static str,
    description: &'static str,
    path: &'static str,
}

const DEFAULT_APPS: [DefaultApp; 3] = [
    DefaultApp {
        name: "admin",
        published_key: "6498a8ad1beb9d84d63035c5d1120c007fad6de706734db9689f8996707e0f7d",
        description: "An application for administering this instance.",
        path: "dreamfactory/dist/index.html",
    },
    DefaultApp {
        name: "api_docs",
        published_key: "36fda24fe5588fa4285ac6c6c2fdfbdb6b6bc9834699774c9bf777f706d05a88",
        description: "An OpenAPI-based application allowing documentation viewing and testing of the API.",
        path: "df-api-docs-ui/dist/index.html",
    },
    DefaultApp {
        name: "file_manager",
        published_key: "b5cb82af7b5d4130f36149f90aa2746782e59a872ac70454ac188743cb55b0ba",
        description: "An application for managing file services.",
        path: "filemanager/index.html",
    },
];

/// Creates the default apps the first time the system database is used (an app of the same
/// name already there is kept as it is). Safe to run on every start and on several nodes at
/// once: it runs in one transaction that also records that it ran, and a node that loses
/// the race to another (a unique name or key taken meanwhile) leaves the work to it.
///
/// # Errors
///
/// The system database's.
pub async fn ensure_default_apps(
    db: &SystemDb,
    settings: &DreamFactorySettings,
) -> Result<(), DbError> {
    if db.settings().get_setting(SEEDED).await?.is_some() {
        return Ok(());
    }
    match seed(db, settings).await {
        Err(DbError::Conflict { .. }) => Ok(()),
        other => other,
    }
}

async fn seed(db: &SystemDb, settings: &DreamFactorySettings) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    if tx.settings().get_setting(SEEDED).await?.is_some() {
        return tx.rollback().await;
    }
    let existing = tx.apps().list().await?;
    for app in &DEFAULT_APPS {
        if existing
            .iter()
            .any(|e| e.name.eq_ignore_ascii_case(app.name))
        {
            continue;
        }
        let published_free = !existing.iter().any(|e| e.api_key == app.published_key);
        let api_key = if settings.compat_default_app_keys && published_free {
            app.published_key.to_string()
        } else {
            generate_api_key()
        };
        let new = NewApp {
            description: Some(app.description.to_string()),
            app_type: 3,
            path: Some(app.path.to_string()),
            ..NewApp::new(app.name, api_key)
        };
        tx.apps().insert(&new, None).await?;
    }
    tx.settings().set_setting(SEEDED, "1").await?;
    tx.commit().await?;
    tracing::info!("default apps admin, api_docs and file_manager created");
    Ok(())
}
