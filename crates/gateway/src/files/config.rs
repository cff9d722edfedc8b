//! The `local_file` service type (DreamFactory's name): a folder inside the operator's file
//! roots, served with DreamFactory's file API. Its config: `container` (the folder: relative
//! to the first root, or absolute inside a root; empty or `local` is `app`, as DreamFactory's
//! default), `public_path` (folders served without credentials at `/{service}/{path}`, as
//! DreamFactory's storage routes serve them) and `read_only` (a Sluice extension: only GET).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::paths::ServicePath;
use super::settings::FileRoot;
use crate::error::ApiError;
use crate::service_types::config_fields;
use crate::settings::Settings;
use crate::system::fields::invalid_field;

pub const LOCAL_FILE: &str = "local_file";

/// A validated `local_file` config, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFileConfig {
    pub container: String,
    pub public_path: Vec<String>,
    pub read_only: bool,
}

impl LocalFileConfig {
    pub fn to_json(&self) -> Value {
        json!({
            "container": self.container,
            "public_path": self.public_path,
            "read_only": self.read_only,
        })
    }

    /// The public folders as paths (each checked when the config was parsed).
    pub fn public_folders(&self) -> Vec<ServicePath> {
        (self.public_path.iter())
            .filter_map(|p| ServicePath::from_client(p).ok())
            .map(|p| p.with_folder(true))
            .collect()
    }
}

/// `GET /system/service_type` record.
pub fn local_file_service_type() -> Value {
    let field = |name: &str, label: &str, kind: &str, default: Value, description: &str| {
        json!({"name": name, "label": label, "type": kind, "allow_null": true,
               "default": default, "description": description, "required": false})
    };
    json!({
        "name": LOCAL_FILE,
        "label": "Local File Storage",
        "description": "File service supporting the local file system.",
        "group": "File",
        "singleton": false,
        "dependencies_required": null,
        "subscription_required": null,
        "service_definition_editable": false,
        "config_schema": [
            field("container", "Folder", "string", json!("app"),
                  "The folder: relative to the first file storage root, or absolute inside one (files.storage_roots). Created when missing."),
            field("public_path", "Public Path", "array", json!([]),
                  "Folders served to anyone, without credentials, at /{service}/{path}."),
            field("read_only", "Read Only", "boolean", json!(false),
                  "Allow only reads (GET) through the API."),
        ],
    })
}

/// Parses a `local_file` config object.
///
/// # Errors
///
/// 400 `Invalid data supplied. ...` with the field in `context`.
pub fn parse_local_file_config(config: &Value) -> Result<LocalFileConfig, ApiError> {
    let map: Map<String, Value> = config_fields(config)?;
    for key in map.keys() {
        if !matches!(key.as_str(), "container" | "public_path" | "read_only") {
            return Err(invalid_field(
                key,
                &format!("Unknown config field '{key}' for service type '{LOCAL_FILE}'."),
            ));
        }
    }
    let container = match map.get("container") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(_) => {
            return Err(invalid_field(
                "container",
                "The config field 'container' must be a folder path.",
            ));
        }
    };
    let container = match container.as_str() {
        "" | "local" => "app".to_owned(),
        _ => container,
    };
    let public_path = match map.get("public_path") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(public_folder)
            .collect::<Result<Vec<_>, _>>()?,
        Some(Value::String(s)) if s.trim().is_empty() => Vec::new(),
        Some(item @ Value::String(_)) => vec![public_folder(item)?],
        Some(_) => return Err(bad_public_path()),
    };
    let read_only = match map.get("read_only") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(invalid_field(
                "read_only",
                "The config field 'read_only' must be true or false.",
            ));
        }
    };
    Ok(LocalFileConfig {
        container,
        public_path,
        read_only,
    })
}

fn bad_public_path() -> ApiError {
    invalid_field(
        "public_path",
        "The config field 'public_path' must list folders of the service, e.g. [\"www/\"].",
    )
}

fn public_folder(item: &Value) -> Result<String, ApiError> {
    let text = item.as_str().ok_or_else(bad_public_path)?;
    let path = ServicePath::from_client(text).map_err(|_| bad_public_path())?;
    if path.is_root() {
        return Err(invalid_field(
            "public_path",
            "The config field 'public_path' may not make the whole service public: name folders inside it.",
        ));
    }
    Ok(path.with_folder(true).display())
}

/// The service's folder, canonical, and whether it may only be read. Creates it when it is
/// missing inside a writable root, as DreamFactory does. Blocking.
///
/// # Errors
///
/// The reason, for the administrator (the 400 of a service write, or the log line of a
/// service that cannot be opened).
pub fn resolve_container(
    config: &LocalFileConfig,
    settings: &Settings,
) -> Result<(PathBuf, bool), String> {
    let roots = settings.file_roots();
    let wanted = Path::new(&config.container);
    let candidate = if wanted.is_absolute() {
        wanted.to_path_buf()
    } else {
        let relative = ServicePath::from_client(&config.container).map_err(|_| {
            "The container may not hold '.' or '..' segments or empty names.".to_owned()
        })?;
        roots[0].path.join(relative.relative())
    };
    let root = containing_root(&roots, &candidate).ok_or_else(|| outside_message(settings))?;
    if !candidate.exists() && !root.read_only {
        std::fs::create_dir_all(&candidate)
            .map_err(|e| format!("The container folder cannot be created: {}.", e.kind()))?;
    }
    let canonical = std::fs::canonicalize(&candidate)
        .map_err(|_| "The container folder does not exist.".to_owned())?;
    if !canonical.is_dir() {
        return Err("The container is not a folder.".to_owned());
    }
    // Checked again after symlinks: the folder itself must not lead out of the roots.
    let root = containing_root(&roots, &canonical).ok_or_else(|| outside_message(settings))?;
    if root.read_only && !config.read_only {
        return Err(
            "A container in the log directory must be read-only (\"read_only\": true).".to_owned(),
        );
    }
    if let Ok(data_dir) = std::fs::canonicalize(&settings.data_dir)
        && data_dir.starts_with(&canonical)
    {
        return Err(
            "The container may not be the data directory or hold it: the system database and \
             the secrets live there."
                .to_owned(),
        );
    }
    Ok((canonical, config.read_only || root.read_only))
}

/// The root `path` lies in, both compared canonically (a root that does not exist holds
/// nothing).
fn containing_root(roots: &[FileRoot], path: &Path) -> Option<FileRoot> {
    let probe = nearest_existing(path)?;
    roots.iter().find_map(|root| {
        let canonical = std::fs::canonicalize(&root.path).ok()?;
        probe.starts_with(&canonical).then_some(FileRoot {
            path: canonical,
            read_only: root.read_only,
        })
    })
}

/// `path` with its deepest existing ancestor canonicalised (the rest appended as given).
fn nearest_existing(path: &Path) -> Option<PathBuf> {
    let mut existing = path;
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = std::fs::canonicalize(existing) {
            let mut out = canonical;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return Some(out);
        }
        let name = existing.file_name()?;
        if name == ".." || name == "." {
            return None;
        }
        rest.push(name.to_owned());
        existing = existing.parent()?;
    }
}

fn outside_message(settings: &Settings) -> String {
    let configured = &settings.files.storage_roots;
    let roots = if configured.is_empty() {
        format!(
            "the folder \"{}\" (files.storage_roots is not set)",
            settings.default_file_root().display()
        )
    } else {
        let list: Vec<String> = (configured.iter())
            .map(|r| format!("\"{}\"", r.display()))
            .collect();
        format!("{} (the files.storage_roots setting)", list.join(", "))
    };
    format!(
        "The container must be inside one of the configured file storage directories. \
         Allowed: {roots}. Use a relative folder name, or add the folder's directory to \
         files.storage_roots."
    )
}
