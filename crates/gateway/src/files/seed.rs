//! The file services DreamFactory's default install has: `files` over the default storage
//! folder and, when `log.file` is set, a read-only `logs` over the log directory. Each is
//! seeded once per system database (a `system_setting` marker), so an administrator who
//! deletes one does not see it come back at the next start.

use serde_json::json;
use sluice_system_db::{DbError, NewService, SystemDb};

use super::config::{LOCAL_FILE, LocalFileConfig, resolve_container};
use crate::settings::Settings;

const FILES_MARKER: &str = "seeded.files_service";
const LOGS_MARKER: &str = "seeded.logs_service";

/// Seeds `files` and `logs` where they were never seeded (`files.seed_services`).
///
/// # Errors
///
/// The system database's.
pub async fn seed_file_services(db: &SystemDb, settings: &Settings) -> Result<(), DbError> {
    if !settings.files.seed_services {
        return Ok(());
    }
    let files = LocalFileConfig {
        container: "app".into(),
        public_path: Vec::new(),
        read_only: false,
    };
    seed(
        db,
        FILES_MARKER,
        "files",
        "Local File Storage",
        "Service for accessing local file storage.",
        &files,
    )
    .await?;
    let Some(log_dir) = settings.log_dir() else {
        return Ok(());
    };
    let log_dir = std::fs::canonicalize(&log_dir).unwrap_or(log_dir);
    let logs = LocalFileConfig {
        container: log_dir.to_string_lossy().into_owned(),
        public_path: Vec::new(),
        read_only: true,
    };
    if let Err(reason) = resolve_container(&logs, settings) {
        tracing::warn!(%reason, "the 'logs' file service is not created over the log directory");
        return Ok(());
    }
    seed(
        db,
        LOGS_MARKER,
        "logs",
        "Local Log Storage",
        "Service for accessing local log storage.",
        &logs,
    )
    .await
}

async fn seed(
    db: &SystemDb,
    marker: &str,
    name: &str,
    label: &str,
    description: &str,
    config: &LocalFileConfig,
) -> Result<(), DbError> {
    if db.settings().get_setting(marker).await?.is_some() {
        return Ok(());
    }
    let taken = db.services().list().await?.iter().any(|s| s.name == name);
    if !taken {
        let new = NewService {
            label: Some(label.into()),
            description: Some(description.into()),
            config: config.to_json(),
            ..NewService::new(name, LOCAL_FILE)
        };
        match db.services().insert(&new, None).await {
            // Another node sharing the system database seeded it first.
            Ok(_) | Err(DbError::Conflict { .. }) => {}
            Err(error) => return Err(error),
        }
    }
    db.settings()
        .set_setting(marker, &json!(true).to_string())
        .await
}
