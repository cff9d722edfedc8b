//! `POST /system/package`: a Sluice export or a DreamFactory package, imported in one
//! system-database transaction (docs/PACKAGES.md).
//!
//! Records refer to each other by the ids of the instance they came from; each imported (or
//! already present) object's old id is mapped to its id here, as DreamFactory's importer
//! does, and references are rewritten through that map. What Sluice cannot import (a service
//! type it has no, a script engine it does not run, a record referring to something not in
//! the package, an object that exists already) is skipped and reported; a record Sluice
//! would refuse through its own API fails the whole import, and nothing is written: the
//! transaction is dropped and the database files the import placed are removed. Nodes apply
//! the imported objects through the change feed once the transaction commits.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use serde_json::{Map, Value};
use sluice_system_db::SystemTx;

use super::archive::Entries;
use super::export::DATABASE_ENTRY;
use super::kinds::Kind;
use super::records;
use super::report::Report;
use crate::auth::SystemAdmin;
use crate::error::ApiError;
use crate::state::AppState;

pub type Record = Map<String, Value>;

/// An import in progress: its transaction, the id maps and what it has done.
pub struct Importer<'a> {
    pub state: &'a AppState,
    pub tx: SystemTx,
    pub admin_id: i64,
    /// (kind, id in the package) -> id here.
    ids: HashMap<(Kind, i64), i64>,
    /// The ids here of the objects this import created (not those it found).
    created: HashSet<(Kind, i64)>,
    pub report: Report,
    /// Database files this import placed, removed again if it fails.
    pub placed: Vec<PathBuf>,
    pub entries: Entries,
}

impl Importer<'_> {
    /// Remembers that the package's `record` of `kind` is `id` here.
    pub fn map(&mut self, kind: Kind, record: &Record, id: i64) {
        if let Some(old) = records::id(record, "id") {
            self.ids.insert((kind, old), id);
        }
    }

    /// As [`Importer::map`], for an object this import created.
    pub fn created(&mut self, kind: Kind, record: &Record, id: i64) {
        self.map(kind, record, id);
        self.created.insert((kind, id));
    }

    /// The id here of the package's `record` of `kind`, when this import created it.
    pub fn created_id(&self, kind: Kind, record: &Record) -> Option<i64> {
        let id = self.mapped(kind, record, "id").ok().flatten()?;
        self.created.contains(&(kind, id)).then_some(id)
    }

    /// The id here of the package's object of `kind` that `record.field` names:
    /// `Ok(None)` when the field is empty, `Err(old id)` when that object was not imported.
    pub fn mapped(&self, kind: Kind, record: &Record, field: &str) -> Result<Option<i64>, i64> {
        match records::id(record, field) {
            None => Ok(None),
            Some(old) => self.ids.get(&(kind, old)).copied().map(Some).ok_or(old),
        }
    }
}

/// Imports `entries` (a package's zip, read within bounds).
///
/// # Errors
/// 400 for a package that is not one, a secured package, or a record Sluice refuses
/// (nothing is written then); the system database's errors.
pub async fn import(
    state: &AppState,
    admin: &SystemAdmin,
    entries: Entries,
) -> Result<Report, ApiError> {
    manifest(&entries)?;
    let mut by_kind = Vec::new();
    for kind in Kind::ALL {
        by_kind.push((kind, kind_records(&entries, kind)?));
    }
    let mut importer = Importer {
        state,
        tx: state.db.begin().await?,
        admin_id: admin.user_id(),
        ids: HashMap::new(),
        created: HashSet::new(),
        report: Report::default(),
        placed: Vec::new(),
        entries,
    };
    let outcome = run(&mut importer, &by_kind).await;
    let Importer {
        tx,
        placed,
        mut report,
        entries,
        ..
    } = importer;
    let committed = match outcome {
        Ok(()) => tx.commit().await.map_err(ApiError::from),
        Err(error) => Err(error),
    };
    if let Err(error) = committed {
        remove_placed(placed).await;
        return Err(error);
    }
    report.unread_entries(&entries);
    tracing::info!(
        imported = report.imported(),
        skipped = report.skipped(),
        "package imported"
    );
    Ok(report)
}

/// Every kind in order; a role's access rows right after the services they name.
async fn run(importer: &mut Importer<'_>, by_kind: &[(Kind, Vec<Record>)]) -> Result<(), ApiError> {
    for (kind, list) in by_kind {
        for record in list {
            let name = kind.key_of(record);
            let outcome = records::import_one(importer, *kind, record)
                .await
                .map_err(|error| failed(*kind, &name, error))?;
            importer.report.add(*kind, &name, outcome);
        }
        if *kind == Kind::Service {
            let roles = by_kind
                .iter()
                .find(|(k, _)| *k == Kind::Role)
                .map(|(_, list)| list.as_slice())
                .unwrap_or_default();
            for role in roles {
                records::import_access(importer, role)
                    .await
                    .map_err(|error| failed(Kind::Role, &Kind::Role.key_of(role), error))?;
            }
        }
    }
    Ok(())
}

/// The error of the record that failed, naming it; nothing was imported.
fn failed(kind: Kind, name: &str, mut error: ApiError) -> ApiError {
    error.message = format!(
        "The package's {} '{name}' cannot be imported, so nothing was imported. {}",
        kind.name(),
        error.message
    )
    .into();
    error
}

/// The manifest, which every package has: DreamFactory refuses a zip without one.
fn manifest(entries: &Entries) -> Result<(), ApiError> {
    let invalid =
        |message: &str| ApiError::bad_request(format!("Invalid package supplied. {message}"));
    let bytes = entries
        .get("package.json")
        .ok_or_else(|| invalid("It has no manifest (package.json)."))?;
    let Ok(Value::Object(manifest)) = serde_json::from_slice::<Value>(bytes) else {
        return Err(invalid("Its manifest (package.json) is not a JSON object."));
    };
    if !manifest.contains_key("version") {
        return Err(invalid("Its manifest (package.json) has no version."));
    }
    if records::flag(&manifest, "secured", false) {
        return Err(ApiError::bad_request(
            "Secured packages (encrypted with a password) are not supported: export the \
             package without a password.",
        ));
    }
    Ok(())
}

/// The records of `kind` in the package: a JSON array, or DreamFactory's `{"resource": [...]}`.
fn kind_records(entries: &Entries, kind: Kind) -> Result<Vec<Record>, ApiError> {
    let Some(bytes) = entries.get(&kind.entry()) else {
        return Ok(Vec::new());
    };
    let invalid = || {
        ApiError::bad_request(format!(
            "Invalid package supplied. {} is not a JSON list of records.",
            kind.entry()
        ))
    };
    let list = match serde_json::from_slice::<Value>(bytes).map_err(|_| invalid())? {
        Value::Array(list) => list,
        Value::Object(mut wrapped) => match wrapped.remove("resource") {
            Some(Value::Array(list)) => list,
            _ => return Err(invalid()),
        },
        _ => return Err(invalid()),
    };
    list.into_iter()
        .map(|item| match item {
            Value::Object(record) => Ok(record),
            _ => Err(invalid()),
        })
        .collect()
}

/// The entry holding the database of the package's SQLite service `service`.
pub fn database_entry(service: &str) -> String {
    format!("{service}/{DATABASE_ENTRY}")
}

async fn remove_placed(placed: Vec<PathBuf>) {
    let _ = tokio::task::spawn_blocking(move || {
        for path in placed {
            let _ = std::fs::remove_file(&path);
        }
    })
    .await;
}
