//! The import of a service: checked as `POST /system/service` checks it (a `pgsql`/`mysql`
//! service's destination and login, a script's syntax, a `local_file` container inside this
//! node's storage roots), and for a SQLite service its database file placed in the first
//! storage root first, never over a file that exists; a `local_file` service's files follow
//! it (`files.rs`).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use sluice_connector_sqlite::check_packed_database;
use sluice_system_db::NewService;

use super::files::{drop_files, place_files};
use super::import::{Importer, Record, database_entry};
use super::kinds::Kind;
use super::records::{flag, skipped, text};
use super::report::Outcome;
use crate::error::ApiError;
use crate::files::LOCAL_FILE;
use crate::routes::system::{validate_service_config, validate_service_name};
use crate::scripts::NODEJS;
use crate::service_types::remote::Engine;
use crate::service_types::user::USER;
use crate::service_types::{RESERVED_NAMES, SQLITE, parse_sqlite_config, resolve_database};
use crate::system::fields::{invalid_field, required};

pub async fn import_service(im: &mut Importer<'_>, record: &Record) -> Result<Outcome, ApiError> {
    let name = text(record, "name").ok_or_else(|| required("name"))?;
    let service_type = text(record, "type").ok_or_else(|| required("type"))?;
    let existing = im.tx.services().get_by_name(&name).await?;
    if let Some(existing) = &existing {
        im.map(Kind::Service, record, existing.id);
    }
    if RESERVED_NAMES.contains(&name.as_str()) || service_type == USER {
        return Ok(skipped("It is built into Sluice."));
    }
    if existing.is_some() {
        drop_files(im, &name);
        return Ok(skipped(
            "A service with this name exists here already; it was kept as it is.",
        ));
    }
    let supported = service_type == SQLITE
        || service_type == NODEJS
        || service_type == LOCAL_FILE
        || Engine::of_type(&service_type).is_some();
    if !supported {
        return Ok(skipped(format!(
            "Sluice has no service type '{service_type}'."
        )));
    }
    validate_service_name(&name)?;
    let mut config = match record.get("config") {
        Some(Value::Object(config)) => config.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => {
            return Err(invalid_field(
                "config",
                "The service config must be a JSON object.",
            ));
        }
    };
    // DreamFactory's exports carry the config row's back reference.
    config.remove("service_id");
    if service_type == LOCAL_FILE {
        // DreamFactory's file configs carry more (caching, its own back references); the
        // container is checked against this node's storage roots like any new service's.
        config.retain(|key, _| matches!(key.as_str(), "container" | "public_path" | "read_only"));
    }
    if service_type == SQLITE {
        match im.entries.remove(&database_entry(&name)) {
            Some(bytes) => place_database(im, &name, &mut config, bytes).await?,
            None => {
                let found = validate_service_config(im.state, SQLITE, Some(&config), None).await;
                if let Err(error) = found {
                    return Ok(skipped(format!(
                        "Its database is not in the package, nor usable here: {}",
                        error.message
                    )));
                }
            }
        }
    }
    let stored = validate_service_config(im.state, &service_type, Some(&config), None).await?;
    let new = NewService {
        label: Some(text(record, "label").unwrap_or_else(|| name.clone())),
        description: text(record, "description"),
        is_active: flag(record, "is_active", true),
        config: stored,
        ..NewService::new(name, service_type)
    };
    let row = im.tx.services().insert(&new, Some(im.admin_id)).await?;
    im.created(Kind::Service, record, row.id);
    if row.service_type == LOCAL_FILE {
        place_files(im, &row.name, &row.config).await?;
    }
    Ok(Outcome::Imported)
}

/// A relative path that stays where it is put: no `..`, no drive, no URI, no backslash.
fn is_plain_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains(['\\', ':', '\0'])
        && !path.split('/').any(|part| part == ".." || part.is_empty())
}

/// Writes a packaged database where the service's config says (relative to the first
/// storage root; `{service}.sqlite` when the config's path is absolute or unusual), refusing
/// a file that exists, and checks it is a sound SQLite database.
async fn place_database(
    im: &mut Importer<'_>,
    service: &str,
    config: &mut Map<String, Value>,
    bytes: Vec<u8>,
) -> Result<(), ApiError> {
    let requested = config.get("database").and_then(Value::as_str).unwrap_or("");
    let database = if is_plain_relative(requested) {
        requested.to_owned()
    } else {
        format!("{service}.sqlite")
    };
    config.insert("database".into(), json!(database));
    config.remove("create");
    let (parsed, _) = parse_sqlite_config(&Value::Object(config.clone()))?;
    let settings = &im.state.settings;
    let system_db = im.state.system_db_file.as_deref();
    if resolve_database(&parsed, false, settings, system_db).is_ok() {
        return Err(invalid_field(
            "config",
            &format!(
                "The database file '{database}' exists here already: import into an instance \
                 without it, or move it away first."
            ),
        ));
    }
    // Creates the empty file (inside the roots, checked after symlinks) the package's
    // database then replaces.
    let path = resolve_database(&parsed, true, settings, system_db)?;
    im.placed.push(path.clone());
    tokio::task::spawn_blocking(move || write_database(&path, &bytes))
        .await
        .map_err(|_| ApiError::internal("placing a packaged database was interrupted"))?
}

fn write_database(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".import");
    let partial = PathBuf::from(partial);
    let written = std::fs::write(&partial, bytes).and_then(|()| std::fs::rename(&partial, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
        return Err(ApiError::unavailable(
            "The packaged database could not be written to the storage directory.",
        ));
    }
    check_packed_database(path).map_err(|error| invalid_field("config", &error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_kept() {
        assert!(is_plain_relative("notes.sqlite") && is_plain_relative("dbs/a.sqlite"));
        for path in [
            "",
            "/abs.sqlite",
            "../x.sqlite",
            "a//b",
            "file:x",
            "a\\b",
            "a/../b",
        ] {
            assert!(!is_plain_relative(path), "{path}");
        }
    }
}
