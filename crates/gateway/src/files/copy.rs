//! DreamFactory's copy and move records: `{"name","type","source_path","delete_source"}` in
//! a POST to a folder copies (or, with `delete_source`, moves) a file or folder of the same
//! service there. Both paths are checked and resolved like any other; links inside a copied
//! folder are left out (never followed), and a folder cannot go into itself. Blocking.

use std::path::Path;

use serde_json::{Value, json};

use super::ops::{existing_file, file_missing, folder_missing};
use super::paths::{ServicePath, io_error, resolve, resolve_entry};
use crate::error::ApiError;
use crate::params::truthy;

/// The source of a copy record: `source_path` (and no other service's container).
///
/// # Errors
///
/// 400 for a path that is not allowed or another container.
pub fn source_of(item: &Value, folder: bool) -> Result<Option<ServicePath>, ApiError> {
    let Some(source) = item["source_path"].as_str().filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if item["source_container"]
        .as_str()
        .is_some_and(|c| !c.is_empty())
    {
        return Err(ApiError::bad_request(
            "Copying from another container (source_container) is not supported.",
        ));
    }
    Ok(Some(ServicePath::from_client(source)?.with_folder(folder)))
}

/// Copies or moves `source` to `target`.
///
/// # Errors
///
/// 404 for a missing source or target folder; 400 when the target exists or lies inside
/// the source.
pub fn copy_or_move(
    root: &Path,
    source: &ServicePath,
    target: &ServicePath,
    item: &Value,
) -> Result<Value, ApiError> {
    let delete_source = match &item["delete_source"] {
        Value::Bool(b) => *b,
        Value::String(s) => truthy(s),
        _ => false,
    };
    let parent = target.parent();
    if !resolve(root, &parent)?.is_dir() {
        return Err(ApiError::not_found(format!(
            "Folder '{}' does not exist.",
            parent.display()
        )));
    }
    let to = resolve_entry(root, target)?;
    if std::fs::symlink_metadata(&to).is_ok() {
        let kind = if target.folder { "Folder" } else { "File" };
        return Err(ApiError::bad_request(format!(
            "{kind} '{}' already exists.",
            target.display()
        )));
    }
    if target.folder {
        if target.is_within(source) {
            return Err(ApiError::bad_request(
                "A folder cannot be copied or moved into itself.",
            ));
        }
        let from = resolve(root, source)?;
        if source.is_root() || !from.is_dir() {
            return Err(folder_missing(source));
        }
        if delete_source {
            std::fs::rename(&from, &to).map_err(io_error)?;
        } else {
            copy_tree(&from, &to)?;
        }
    } else {
        let (from, _) = existing_file(root, source)?;
        if delete_source {
            let entry = resolve_entry(root, source).map_err(|_| file_missing(source))?;
            std::fs::rename(&entry, &to).map_err(io_error)?;
        } else {
            std::fs::copy(&from, &to).map_err(io_error)?;
        }
    }
    Ok(json!({"name": target.name(), "path": target.display(),
              "type": if target.folder { "folder" } else { "file" }}))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), ApiError> {
    std::fs::create_dir(to).map_err(io_error)?;
    for entry in std::fs::read_dir(from).map_err(io_error)? {
        let entry = entry.map_err(io_error)?;
        let kind = entry.file_type().map_err(io_error)?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).map_err(io_error)?;
        }
    }
    Ok(())
}
