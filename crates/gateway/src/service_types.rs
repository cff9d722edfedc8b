//! Service types this build supports, their config schemas, and config validation.
//!
//! Adding a type touches: its record in [`service_types`], a config parser (here or in a
//! submodule like `user`, or an [`remote::Engine`] for a database server), a `registry::Backend` variant built in `open_backend`, the
//! validation in `routes/system/service.rs`, and every `match` on `Backend` (the compiler
//! lists them).

pub mod remote;
pub mod user;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value, json};
use sluice_connector_core::Database;
use sluice_connector_sqlite::{OUTSIDE_STORAGE_ROOTS, SqliteConnector, validate_database_path};

use crate::error::ApiError;
use crate::registry::{Backend, ServiceEntry};
use crate::secrets::SecretBox;
use crate::settings::Settings;
use crate::system::fields::invalid_field;
use sluice_system_db::ServiceRow;

pub const SQLITE: &str = "sqlite";

/// Names that belong to built-in services and routes.
pub const RESERVED_NAMES: &[&str] = &["system", "user", "api_docs"];

/// `GET /system/service_type` records.
pub fn service_types() -> Vec<Value> {
    vec![
        sqlite_service_type(),
        remote::Engine::Pgsql.service_type(),
        remote::Engine::Mysql.service_type(),
        user::user_service_type(),
        crate::scripts::service::script_service_type(),
        crate::files::config::local_file_service_type(),
    ]
}

/// The group of service type `name` (`Database`, `Script`, `User`, ...), as
/// `GET /system/service_type` lists it.
pub fn service_group(name: &str) -> Option<String> {
    service_types()
        .into_iter()
        .find(|t| t["name"] == name)
        .and_then(|t| t["group"].as_str().map(str::to_owned))
}

fn sqlite_service_type() -> Value {
    json!({
        "name": SQLITE,
        "label": "SQLite",
        "description": "Database service supporting SQLite connections.",
        "group": "Database",
        "singleton": false,
        "dependencies_required": null,
        "subscription_required": null,
        "service_definition_editable": false,
        "config_schema": sqlite_config_schema(),
    })
}

fn sqlite_config_schema() -> Value {
    let mut fields = vec![
        schema_field(
            "database",
            "Database",
            "string",
            Value::Null,
            "Path of the SQLite file, relative to the first storage root or absolute inside a storage root.",
            true,
        ),
        schema_field(
            "create",
            "Create",
            "boolean",
            json!(false),
            "Create an empty database when the file does not exist yet.",
            false,
        ),
    ];
    fields.extend(data_option_fields());
    Value::Array(fields)
}

/// One field of a `config_schema`, described as DreamFactory describes it.
fn schema_field(
    name: &str,
    label: &str,
    kind: &str,
    default: Value,
    description: &str,
    required: bool,
) -> Value {
    json!({"name": name, "label": label, "type": kind, "allow_null": !required,
           "default": default, "description": description, "required": required})
}

/// The schema fields of [`DataOptions`], shared by every database type.
fn data_option_fields() -> [Value; 4] {
    [
        schema_field(
            "allow_upsert",
            "Allow Upsert",
            "boolean",
            json!(false),
            "Allow PUT to create records that do not exist.",
            false,
        ),
        schema_field(
            "max_records",
            "Maximum Records",
            "integer",
            json!(1000),
            "Largest number of records one request may return.",
            false,
        ),
        schema_field(
            "cache_enabled",
            "Data Retrieval Caching Enabled",
            "boolean",
            json!(false),
            "Cache the answers of record reads; any write through Sluice drops them at once.",
            false,
        ),
        schema_field(
            "cache_ttl",
            "Cache Time to Live (minutes)",
            "integer",
            json!(0),
            "How long a cached answer may be used, in minutes; 0 caches nothing.",
            false,
        ),
    ]
}

/// What every database service's config says about serving records, whatever its engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataOptions {
    /// Largest number of records one request may return.
    pub max_records: u64,
    pub allow_upsert: bool,
    pub cache_enabled: bool,
    /// Minutes; 0 caches nothing.
    pub cache_ttl: u64,
}

impl DataOptions {
    /// The options of a config object, each at its default when absent or `null`.
    pub fn parse(map: &Map<String, Value>) -> Result<Self, ApiError> {
        Ok(Self {
            max_records: count(map, "max_records", 1000, 1)?,
            allow_upsert: flag(map, "allow_upsert")?,
            cache_enabled: flag(map, "cache_enabled")?,
            cache_ttl: count(map, "cache_ttl", 0, 0)?,
        })
    }
}

fn flag(map: &Map<String, Value>, name: &str) -> Result<bool, ApiError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        _ => Err(invalid(format!(
            "The config field '{name}' must be true or false."
        ))),
    }
}

fn count(map: &Map<String, Value>, name: &str, default: u64, min: u64) -> Result<u64, ApiError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value.as_u64().filter(|n| *n >= min).ok_or_else(|| {
            invalid(format!(
                "The config field '{name}' must be an integer of at least {min}."
            ))
        }),
    }
}

/// A validated `sqlite` service config, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SqliteServiceConfig {
    pub database: String,
    pub data: DataOptions,
}

impl SqliteServiceConfig {
    pub fn to_json(&self) -> Value {
        json!({
            "database": self.database,
            "max_records": self.data.max_records,
            "allow_upsert": self.data.allow_upsert,
            "cache_enabled": self.data.cache_enabled,
            "cache_ttl": self.data.cache_ttl,
        })
    }
}

/// DreamFactory's admin app sends these PDO fields empty; Sluice never runs configured SQL.
fn is_empty_dreamfactory_field(key: &str, value: &Value) -> bool {
    matches!(key, "options" | "attributes" | "statements")
        && (value.is_null()
            || value.as_array().is_some_and(Vec::is_empty)
            || value.as_object().is_some_and(Map::is_empty))
}

fn invalid(message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("Invalid data supplied. {message}"))
}

/// A stored or given config as an object (`null` is empty), or DreamFactory's 400 naming
/// `config`.
pub fn config_fields(config: &Value) -> Result<Map<String, Value>, ApiError> {
    match config {
        Value::Object(map) => Ok(map.clone()),
        Value::Null => Ok(Map::new()),
        _ => Err(invalid_field(
            "config",
            "The service config must be a JSON object.",
        )),
    }
}

/// The config object of a service write: absent and `null` are `None` (nothing given).
pub fn config_object<'a>(
    service_type: &str,
    config: Option<&'a Value>,
) -> Result<Option<&'a Map<String, Value>>, ApiError> {
    const NOT_AN_OBJECT: &str = "The service config must be a JSON object.";
    match config {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) if service_type == user::USER => Err(invalid_field("config", NOT_AN_OBJECT)),
        Some(_) => Err(invalid(NOT_AN_OBJECT)),
    }
}

/// The `stored` config with the keys of `given` set: an update changes only what it names,
/// and a key given as `null` is dropped, so the parser reads it as its default.
pub fn merged_config(stored: &Value, given: &Map<String, Value>) -> Map<String, Value> {
    let mut merged = stored.as_object().cloned().unwrap_or_default();
    for (key, value) in given {
        if value.is_null() {
            merged.remove(key);
        } else {
            merged.insert(key.clone(), value.clone());
        }
    }
    merged
}

/// Parses a `sqlite` config object. Returns the config and whether `create` was asked for
/// (`create` is an instruction, not stored).
pub fn parse_sqlite_config(config: &Value) -> Result<(SqliteServiceConfig, bool), ApiError> {
    let empty = Map::new();
    let map = match config {
        Value::Object(map) => map,
        Value::Null => &empty,
        _ => return Err(invalid("The service config must be a JSON object.")),
    };
    for (key, value) in map {
        let known = matches!(
            key.as_str(),
            "database" | "create" | "max_records" | "allow_upsert" | "cache_enabled" | "cache_ttl"
        );
        if !known && !is_empty_dreamfactory_field(key, value) {
            return Err(invalid(format!(
                "Unknown config field '{key}' for service type 'sqlite'."
            )));
        }
    }
    let database = match map.get("database") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        None | Some(Value::Null) => {
            return Err(ApiError::bad_request(
                "Database connection information must contain at least database name.",
            ));
        }
        _ => {
            return Err(invalid(
                "The config field 'database' must be a non-empty string.",
            ));
        }
    };
    let config = SqliteServiceConfig {
        database,
        data: DataOptions::parse(map)?,
    };
    Ok((config, flag(map, "create")?))
}

/// Resolves the database path inside the storage roots, refusing the system database.
pub fn resolve_database(
    config: &SqliteServiceConfig,
    create: bool,
    settings: &Settings,
    system_db_file: Option<&Path>,
) -> Result<PathBuf, ApiError> {
    validate_database_path(
        &config.database,
        &settings.sqlite_roots(),
        system_db_file,
        create,
    )
    .map_err(|message| match message.as_str() {
        OUTSIDE_STORAGE_ROOTS => invalid(format!("{message} {}", allowed_roots(settings))),
        _ => invalid(message),
    })
}

/// Which directories SQLite services may use and how to change that, as the administrator
/// configured them (never resolved further): only administrators add services, and these
/// are their own settings (docs/COMPATIBILITY.md).
fn allowed_roots(settings: &Settings) -> String {
    let configured = &settings.storage.sqlite_roots;
    if configured.is_empty() {
        return format!(
            "Allowed: the data directory \"{}\" (storage.sqlite_roots is not set). Copy the \
             file into it, or add the file's directory to the storage.sqlite_roots setting.",
            settings.data_dir.display()
        );
    }
    let roots: Vec<String> = configured
        .iter()
        .map(|root| format!("\"{}\"", root.display()))
        .collect();
    format!(
        "Allowed: {} (the storage.sqlite_roots setting). Copy the file into one of them, or \
         add the file's directory to storage.sqlite_roots.",
        roots.join(", ")
    )
}

/// Builds the registry entry for a stored service row: opens its connector, or marks the
/// service unavailable with the reason (logged, never sent to clients).
pub async fn build_entry(
    row: ServiceRow,
    settings: &Settings,
    system_db_file: Option<&Path>,
    secrets: &SecretBox,
) -> ServiceEntry {
    let backend = match open_backend(&row, settings, system_db_file, secrets).await {
        Ok(backend) => backend,
        Err(reason) => {
            tracing::warn!(service.name = %row.name, %reason, "service is unavailable");
            Backend::Unavailable { reason }
        }
    };
    ServiceEntry {
        name: row.name.clone(),
        label: Arc::from(row.name.as_str()),
        row,
        backend,
    }
}

async fn open_backend(
    row: &ServiceRow,
    settings: &Settings,
    system_db_file: Option<&Path>,
    secrets: &SecretBox,
) -> Result<Backend, String> {
    if row.service_type == user::USER {
        let config = user::parse_user_config(&row.config).map_err(|e| e.message.to_string())?;
        return Ok(Backend::User { config });
    }
    if row.service_type == crate::scripts::NODEJS {
        let config = crate::scripts::service::parse_script_config(&row.config)
            .map_err(|e| e.message.to_string())?;
        return Ok(Backend::Script { config });
    }
    if row.service_type == crate::files::LOCAL_FILE {
        return open_files_backend(row, settings).await;
    }
    if let Some(engine) = remote::Engine::of_type(&row.service_type) {
        return remote::open_remote_backend(engine, &row.config, settings, secrets).await;
    }
    if row.service_type != SQLITE {
        return Err(format!("unknown service type {}", row.service_type));
    }
    let (config, _) = parse_sqlite_config(&row.config).map_err(|e| e.message.to_string())?;
    let path = resolve_database(&config, false, settings, system_db_file)
        .map_err(|e| e.message.to_string())?;
    let options = settings.sqlite_options();
    let connector = tokio::task::spawn_blocking(move || SqliteConnector::open(&path, options))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let sql = Arc::new(connector.sql_engine(settings.sql_settings()));
    Ok(Backend::Sqlite {
        database: Arc::new(Database::new(connector)),
        config,
        sql,
    })
}

/// A `local_file` service's folder, resolved (and created when missing) on the blocking
/// pool.
async fn open_files_backend(row: &ServiceRow, settings: &Settings) -> Result<Backend, String> {
    use crate::files::config::{parse_local_file_config, resolve_container};
    let config = parse_local_file_config(&row.config).map_err(|e| e.message.to_string())?;
    let (probe, settings) = (config.clone(), settings.clone());
    let (root, read_only) =
        tokio::task::spawn_blocking(move || resolve_container(&probe, &settings))
            .await
            .map_err(|e| e.to_string())??;
    let store = crate::files::FileStore {
        root: Arc::new(root),
        read_only,
    };
    Ok(Backend::Files { config, store })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_given_config_is_merged_key_by_key_and_null_drops_a_key() {
        let stored = json!({"database": "a.sqlite", "max_records": 5, "allow_upsert": true});
        let given = object(json!({"max_records": null, "allow_upsert": false, "create": true}));
        assert_eq!(
            Value::Object(merged_config(&stored, &given)),
            json!({"database": "a.sqlite", "allow_upsert": false, "create": true})
        );
    }
}
