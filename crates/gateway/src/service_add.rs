//! `sluice service add NAME PATH`: a SQLite service over an existing file, from the command
//! line, with the checks of `POST /api/v2/system/service` (name rules, storage roots, never
//! the system database, a real SQLite file).

use std::path::{Path, PathBuf};

use serde_json::json;
use sluice_system_db::{DbError, NewService};

use crate::error::ApiError;
use crate::routes::system::validate_service_name;
use crate::service_types::user::ensure_user_service;
use crate::service_types::{SQLITE, SqliteServiceConfig, parse_sqlite_config, resolve_database};
use crate::settings::Settings;
use crate::state::open_system_db;

/// What `service add` did, for the line it prints.
pub struct AddedService {
    pub id: i64,
    pub name: String,
    /// The database file, resolved after symlinks.
    pub file: PathBuf,
    /// The `database` stored in the service's config.
    pub database: String,
}

/// Adds a SQLite service named `name` over the file at `path` (relative to the current
/// directory, as any path typed in a shell). The stored `database` is relative to the first
/// storage root when the file lies inside it, so moving the data directory keeps it working.
///
/// # Errors
///
/// The API's validation message (bad name, file outside the storage roots, not SQLite...),
/// a taken name, or a system database that cannot be opened.
pub async fn add_sqlite_service(
    settings: &Settings,
    name: &str,
    path: &Path,
    label: Option<&str>,
) -> anyhow::Result<AddedService> {
    let refused = |error: ApiError| anyhow::anyhow!("{}", error.message);
    validate_service_name(name).map_err(refused)?;
    let requested = std::path::absolute(path)?;
    let (requested, _) = parse_sqlite_config(&json!({ "database": requested })).map_err(refused)?;
    std::fs::create_dir_all(&settings.data_dir)?;
    let db = open_system_db(settings).await?;
    // As at every start, so ids come out as they would through the API.
    ensure_user_service(&db).await?;
    let file = resolve_database(&requested, false, settings, db.is_sqlite_file().as_deref())
        .map_err(refused)?;
    let config = SqliteServiceConfig {
        database: stored_database(settings, &file),
        ..requested
    };
    let new = NewService {
        label: Some(label.unwrap_or(name).to_string()),
        config: config.to_json(),
        ..NewService::new(name, SQLITE)
    };
    let row = match db.services().insert(&new, None).await {
        Ok(row) => row,
        Err(DbError::Conflict { .. }) => {
            anyhow::bail!("a service named '{name}' already exists")
        }
        Err(other) => return Err(other.into()),
    };
    Ok(AddedService {
        id: row.id,
        name: row.name,
        file,
        database: config.database,
    })
}

/// The file relative to the first storage root (where relative `database` values are
/// resolved) when it lies inside it; else its absolute path.
fn stored_database(settings: &Settings, file: &Path) -> String {
    let first_root = settings
        .sqlite_roots()
        .first()
        .and_then(|root| root.canonicalize().ok());
    first_root
        .and_then(|root| file.strip_prefix(root).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| file.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

impl AddedService {
    /// The lines printed after a successful `service add`.
    pub fn report(&self) -> String {
        format!(
            "service '{name}' added (id {id}) over {file} (config database \"{database}\")\n\
             its tables: /api/v2/{name}/_table; a running `sluice serve` serves it after a \
             restart (POST /api/v2/system/service adds one without)",
            name = self.name,
            id = self.id,
            file = self.file.display(),
            database = self.database,
        )
    }
}
