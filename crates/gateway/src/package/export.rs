//! `GET /system/package`: the chosen objects as records in DreamFactory's field names, one
//! `system/{kind}.json` per kind, each SQLite service's database as `{service}/database.sqlite`,
//! and the manifest `package.json` (docs/PACKAGES.md).
//!
//! Secrets stay sealed unless asked for: a `pgsql`/`mysql` service's password and a private
//! lookup's value are left out (the manifest's `omitted` says which) unless the export sets
//! `include_secrets=true`, which writes them in plain text. Password hashes of users travel
//! as they are stored (argon2id, or bcrypt from DreamFactory): they are hashes, and the
//! imported users sign in with the same passwords.

use std::path::PathBuf;

use serde_json::{Map, Value, json};
use sluice_connector_sqlite::pack_database;

use super::archive::{Bounds, Writer};
use super::files::{Budget, FILES_FOLDER, read_files};
use super::kinds::{Kind, Selection};
use crate::error::ApiError;
use crate::files::LOCAL_FILE;
use crate::routes::system::{ASSIGNMENTS, custom_record, email_template_record};
use crate::service_types::remote::Engine;
use crate::service_types::{SQLITE, parse_sqlite_config, resolve_database};
use crate::state::AppState;
use crate::system::fields::to_record;

/// The entry of a SQLite service's database in the zip, under the service's name.
pub const DATABASE_ENTRY: &str = "database.sqlite";
const ACCESS: &str = "role_service_access_by_role_id";

/// What an export takes.
#[derive(Debug)]
pub struct ExportOptions {
    pub selection: Selection,
    /// SQLite databases with their rows (otherwise their schema only).
    pub with_rows: bool,
    /// Service passwords and private lookup values in plain text (otherwise left out).
    pub with_secrets: bool,
    /// `local_file` services' files, within `bounds` (otherwise their config only).
    pub with_files: bool,
    /// The bounds an import reads a package within, which the files must fit.
    pub bounds: Bounds,
}

/// The records of an export, before they are zipped.
pub struct Collected {
    records: Vec<(Kind, Vec<Map<String, Value>>)>,
    /// SQLite services whose database file goes into the zip.
    databases: Vec<(String, PathBuf)>,
    /// `kind:name.field` of each secret left out.
    omitted: Vec<String>,
    /// `local_file` services whose files go into the zip, and those files' entries.
    file_services: Vec<String>,
    files: Vec<(String, Vec<u8>)>,
}

/// Reads every chosen object.
///
/// # Errors
/// 400 for a name asked for that no object has; the system database's errors.
pub async fn collect(state: &AppState, options: &ExportOptions) -> Result<Collected, ApiError> {
    let mut collected = Collected {
        records: Vec::new(),
        databases: Vec::new(),
        omitted: Vec::new(),
        file_services: Vec::new(),
        files: Vec::new(),
    };
    for kind in Kind::ALL {
        let all = records_of(state, kind).await?;
        let keys: Vec<String> = all.iter().map(|r| kind.key_of(r)).collect();
        let unknown = options.selection.unmatched(kind, &keys);
        if !unknown.is_empty() {
            return Err(ApiError::bad_request(format!(
                "No {} named {} exists.",
                kind.name(),
                unknown.join(", ")
            )));
        }
        let mut chosen = Vec::new();
        for mut record in all {
            if !options.selection.takes(kind, &kind.key_of(&record)) {
                continue;
            }
            seal_secrets(state, kind, &mut record, options, &mut collected)?;
            chosen.push(record);
        }
        collected.records.push((kind, chosen));
    }
    if options.with_files {
        collect_files(state, options, &mut collected).await?;
    }
    Ok(collected)
}

/// The files of each chosen `local_file` service, within what the package has room for.
async fn collect_files(
    state: &AppState,
    options: &ExportOptions,
    collected: &mut Collected,
) -> Result<(), ApiError> {
    let mut budget = Budget::from(options.bounds);
    // The manifest, the kinds' lists and the databases are entries too.
    let others = Kind::ALL.len() + 1 + collected.databases.len();
    budget.entries = budget.entries.saturating_sub(others);
    let services = (collected.records.iter())
        .filter(|(kind, _)| *kind == Kind::Service)
        .flat_map(|(_, records)| records.iter())
        .filter(|record| record.get("type").and_then(Value::as_str) == Some(LOCAL_FILE));
    let mut found = Vec::new();
    for record in services {
        let name = Kind::Service.key_of(record);
        let config = record.get("config").cloned().unwrap_or(Value::Null);
        let files = read_files(&state.settings, &name, &config, &mut budget).await?;
        found.push((name, files));
    }
    for (name, files) in found {
        collected.file_services.push(name);
        collected.files.extend(files);
    }
    Ok(())
}

/// All records of `kind`, with what an import needs beyond the resource's own fields.
async fn records_of(state: &AppState, kind: Kind) -> Result<Vec<Map<String, Value>>, ApiError> {
    let db = &state.db;
    Ok(match kind {
        Kind::Role => {
            let access = db.roles().list_access().await?;
            let mut records = Vec::new();
            for role in db.roles().list().await? {
                let mut record = to_record(&role);
                let rows = access.iter().filter(|a| a.role_id == role.id);
                let rows: Vec<Value> = rows.map(|a| Value::Object(to_record(a))).collect();
                record.insert(ACCESS.into(), Value::Array(rows));
                records.push(record);
            }
            records
        }
        Kind::Service => db.services().list().await?.iter().map(to_record).collect(),
        Kind::App => db.apps().list().await?.iter().map(to_record).collect(),
        Kind::User | Kind::Admin => {
            let admins = kind == Kind::Admin;
            let assignments = db.user_app_roles().list().await?;
            let mut records = Vec::new();
            for user in db.users().list().await? {
                if user.is_sys_admin != admins {
                    continue;
                }
                let mut record = to_record(&user);
                record.insert("password_hash".into(), json!(user.password_hash));
                record.insert(
                    "security_answer_hash".into(),
                    json!(user.security_answer_hash),
                );
                let mine: Vec<Value> = assignments
                    .iter()
                    .filter(|a| a.user_id == user.id)
                    .map(|a| json!({"app_id": a.app_id, "role_id": a.role_id}))
                    .collect();
                record.insert(ASSIGNMENTS.into(), Value::Array(mine));
                records.push(record);
            }
            records
        }
        Kind::Lookup => db.lookups().list().await?.iter().map(to_record).collect(),
        Kind::Cors => db.cors().list().await?.iter().map(to_record).collect(),
        Kind::Limit => db.limits().list().await?.iter().map(to_record).collect(),
        Kind::EventScript => db
            .event_scripts()
            .list()
            .await?
            .iter()
            .map(to_record)
            .collect(),
        Kind::EmailTemplate => (db.email_templates().list().await?.iter())
            .map(email_template_record)
            .collect(),
        Kind::Custom => (db.system_custom().list().await?.iter())
            .map(custom_record)
            .collect(),
    })
}

/// Leaves a record's secret out, or opens it when the export asked for secrets; notes the
/// database file of a SQLite service.
fn seal_secrets(
    state: &AppState,
    kind: Kind,
    record: &mut Map<String, Value>,
    options: &ExportOptions,
    collected: &mut Collected,
) -> Result<(), ApiError> {
    let name = kind.key_of(record);
    match kind {
        Kind::Service => {
            let service_type = record
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let config = record.get("config").cloned().unwrap_or(Value::Null);
            if service_type == SQLITE {
                let (parsed, _) = parse_sqlite_config(&config)?;
                let path = resolve_database(
                    &parsed,
                    false,
                    &state.settings,
                    state.system_db_file.as_deref(),
                )?;
                collected.databases.push((name, path));
            } else if Engine::of_type(&service_type).is_some()
                && let Some(Value::Object(config)) = record.get_mut("config")
                && let Some(Value::String(sealed)) = config.remove("password")
            {
                if options.with_secrets {
                    let plain = state.secrets.open(&sealed).map_err(|_| {
                        ApiError::bad_request(format!(
                            "The password of service '{name}' cannot be decrypted with this \
                             node's secrets key."
                        ))
                    })?;
                    let plain = secrecy::ExposeSecret::expose_secret(&plain).to_owned();
                    config.insert("password".into(), Value::String(plain));
                } else {
                    collected
                        .omitted
                        .push(format!("service:{name}.config.password"));
                }
            }
        }
        Kind::Lookup
            if record.get("private") == Some(&Value::Bool(true)) && !options.with_secrets =>
        {
            record.insert("value".into(), Value::Null);
            collected.omitted.push(format!("lookup:{name}.value"));
        }
        _ => {}
    }
    Ok(())
}

/// The manifest: DreamFactory's header and item list, with Sluice's options.
pub fn manifest(collected: &Collected, options: &ExportOptions) -> Value {
    let mut system = Map::new();
    for (kind, records) in &collected.records {
        let names: Vec<Value> = records.iter().map(|r| json!(kind.key_of(r))).collect();
        system.insert(kind.name().into(), Value::Array(names));
    }
    let mut service = Map::new();
    service.insert("system".into(), Value::Object(system));
    for (name, _) in &collected.databases {
        service.insert(name.clone(), json!([DATABASE_ENTRY]));
    }
    for name in &collected.file_services {
        service.insert(name.clone(), json!([FILES_FOLDER]));
    }
    json!({
        "version": "0.1",
        "df_version": format!("sluice {}", env!("CARGO_PKG_VERSION")),
        "sluice_package": 1,
        "secured": false,
        "description": "",
        "created_date": crate::clock::format_unix_df(crate::clock::now_unix()),
        "include_data": options.with_rows,
        "include_secrets": options.with_secrets,
        "include_files": options.with_files,
        "omitted": collected.omitted,
        "service": service,
    })
}

/// The zip of an export.
///
/// # Errors
/// A SQLite database cannot be read; writing the zip failed.
pub async fn zip(collected: Collected, options: &ExportOptions) -> Result<Vec<u8>, ApiError> {
    let mut writer = Writer::new();
    let manifest = manifest(&collected, options);
    writer.add("package.json", &to_bytes(&manifest))?;
    for (kind, records) in &collected.records {
        if !records.is_empty() {
            let list = Value::Array(records.iter().cloned().map(Value::Object).collect());
            writer.add(&kind.entry(), &to_bytes(&list))?;
        }
    }
    for (service, path) in collected.databases {
        let bytes = packed_database(path, options.with_rows)
            .await
            .map_err(|message| {
                ApiError::bad_request(format!(
                    "The database of service '{service}' cannot be exported: {message}"
                ))
            })?;
        writer.add(&format!("{service}/{DATABASE_ENTRY}"), &bytes)?;
    }
    for (entry, bytes) in collected.files {
        writer.add(&entry, &bytes)?;
    }
    writer.finish()
}

fn to_bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(value).unwrap_or_default()
}

/// A consistent copy of the database at `path` (a temporary file, read and removed).
async fn packed_database(path: PathBuf, with_rows: bool) -> Result<Vec<u8>, String> {
    tokio::task::spawn_blocking(move || {
        let target =
            std::env::temp_dir().join(format!("sluice-package-{}.sqlite", uuid::Uuid::new_v4()));
        let packed = pack_database(&path, &target, with_rows).map_err(|e| e.to_string());
        let bytes = packed.and_then(|()| {
            std::fs::read(&target).map_err(|_| "the copy cannot be read".to_owned())
        });
        let _ = std::fs::remove_file(&target);
        bytes
    })
    .await
    .map_err(|_| "the copy was interrupted".to_owned())?
}
