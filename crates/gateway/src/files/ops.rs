//! The file operations behind the file API, on a service's canonical root. Every function
//! here blocks: the handlers run them on the blocking pool (`web::block`), never on the
//! async workers. Answers are DreamFactory's JSON shapes (df-file's local file system).

use std::fs::Metadata;
use std::io::ErrorKind;
use std::path::Path;
use std::time::SystemTime;

use actix_web::http::header::HttpDate;
use base64::Engine;
use serde_json::{Value, json};

use super::paths::{ServicePath, io_error, resolve, resolve_entry};
use crate::error::ApiError;

/// What a listing includes (DreamFactory's `include_files`, `include_folders`, `full_tree`).
#[derive(Debug, Clone, Copy)]
pub struct ListOptions {
    pub files: bool,
    pub folders: bool,
    pub full_tree: bool,
    pub max_entries: usize,
}

pub fn folder_missing(path: &ServicePath) -> ApiError {
    ApiError::not_found(format!(
        "Folder '{}' does not exist in storage.",
        path.display()
    ))
}

pub fn file_missing(path: &ServicePath) -> ApiError {
    ApiError::not_found(format!(
        "File '{}' does not exist in storage.",
        path.display()
    ))
}

/// `D, d M Y H:i:s GMT`, as DreamFactory writes `last_modified` (and HTTP dates are).
pub fn http_date(meta: &Metadata) -> String {
    HttpDate::from(meta.modified().unwrap_or(SystemTime::UNIX_EPOCH)).to_string()
}

pub fn content_type(name: &str) -> String {
    mime_guess::from_path(name)
        .first_or_octet_stream()
        .essence_str()
        .to_owned()
}

/// The metadata of an entry found while walking a folder: its own, or its target's when it
/// is a symlink whose target lies inside the root. `None` for anything else (links out of
/// the root, dangling links, sockets and the like), which a listing leaves out.
fn entry_metadata(root: &Path, entry: &Path) -> Option<(Metadata, bool)> {
    let meta = std::fs::symlink_metadata(entry).ok()?;
    if meta.file_type().is_symlink() {
        let target = std::fs::canonicalize(entry).ok()?;
        if !target.starts_with(root) {
            return None;
        }
        let meta = std::fs::metadata(&target).ok()?;
        return (meta.is_file() || meta.is_dir()).then_some((meta, true));
    }
    (meta.is_file() || meta.is_dir()).then_some((meta, false))
}

/// A folder's entries as DreamFactory lists them: folders with a trailing `/` in `path`,
/// `name` relative to the listed folder.
///
/// # Errors
///
/// 404 for a folder that does not exist; 400 past `max_entries`.
pub fn list(
    root: &Path,
    folder: &ServicePath,
    options: ListOptions,
) -> Result<Vec<Value>, ApiError> {
    let dir = resolve(root, folder)?;
    if !dir.is_dir() {
        return Err(folder_missing(folder));
    }
    let mut out = Vec::new();
    let mut seen = 0usize;
    walk(root, &dir, folder, folder, options, &mut seen, &mut out)?;
    Ok(out)
}

fn sorted_entries(dir: &Path) -> Result<Vec<String>, ApiError> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        let entry = entry.map_err(io_error)?;
        // Names that are not UTF-8 cannot be named through the API: left out.
        if let Ok(name) = entry.file_name().into_string() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn walk(
    root: &Path,
    dir: &Path,
    listed: &ServicePath,
    at: &ServicePath,
    options: ListOptions,
    seen: &mut usize,
    out: &mut Vec<Value>,
) -> Result<(), ApiError> {
    for name in sorted_entries(dir)? {
        let disk = dir.join(&name);
        let Some((meta, linked)) = entry_metadata(root, &disk) else {
            continue;
        };
        *seen += 1;
        if *seen > options.max_entries {
            return Err(ApiError::bad_request(format!(
                "The folder holds more than {} entries (files.max_entries): list its \
                 subfolders one by one, without full_tree.",
                options.max_entries
            )));
        }
        let path = at.join(&name, meta.is_dir())?;
        let relative = path.display();
        let shown_name = relative[listed.display().len()..].trim_end_matches('/');
        if meta.is_dir() {
            if options.folders {
                out.push(json!({"path": relative, "last_modified": http_date(&meta),
                                "name": shown_name, "type": "folder"}));
            }
            // A linked folder is listed but not entered: a link to an ancestor would loop.
            if options.full_tree && !linked {
                walk(root, &disk, listed, &path, options, seen, out)?;
            }
        } else if options.files {
            out.push(file_record(&path, shown_name, &meta));
        }
    }
    Ok(())
}

fn file_record(path: &ServicePath, name: &str, meta: &Metadata) -> Value {
    json!({"path": path.display(), "content_type": content_type(path.name()),
           "last_modified": http_date(meta), "content_length": meta.len(),
           "name": name, "type": "file"})
}

/// An existing file on disk, checked to lie in the root, with its metadata.
///
/// # Errors
///
/// 404 for a file that does not exist (or is not a plain file).
pub fn existing_file(
    root: &Path,
    path: &ServicePath,
) -> Result<(std::path::PathBuf, Metadata), ApiError> {
    let disk = resolve(root, path).map_err(|_| file_missing(path))?;
    match std::fs::metadata(&disk) {
        Ok(meta) if meta.is_file() => Ok((disk, meta)),
        Ok(_) => Err(file_missing(path)),
        Err(error) if matches!(error.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            Err(file_missing(path))
        }
        Err(error) => Err(io_error(error)),
    }
}

/// A file's properties (`include_properties=true`), with its content when asked, in base64
/// unless `is_base64=false` (then as text, where the file is UTF-8).
///
/// # Errors
///
/// 404 for a missing file; 400 for content that is not text when text was asked for.
pub fn file_properties(
    root: &Path,
    path: &ServicePath,
    content: bool,
    base64: bool,
    max_bytes: u64,
) -> Result<Value, ApiError> {
    let (disk, meta) = existing_file(root, path)?;
    let mut record = file_record(path, path.name(), &meta);
    if let Some(map) = record.as_object_mut() {
        map.remove("type");
    }
    if content {
        if meta.len() > max_bytes {
            return Err(ApiError::bad_request(format!(
                "The file is larger than {max_bytes} bytes: download it without content=true."
            )));
        }
        let bytes = std::fs::read(&disk).map_err(io_error)?;
        let text = if base64 {
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        } else {
            String::from_utf8(bytes).map_err(|_| {
                ApiError::bad_request("The file is not UTF-8 text: ask for it with is_base64=true.")
            })?
        };
        record["content"] = Value::String(text);
    }
    Ok(record)
}

/// Writes a file (replacing one that exists unless `check_exist`): into a temporary file
/// beside it, then renamed over it, so a reader never sees half a file.
///
/// # Errors
///
/// 404 when the folder it goes in does not exist; 400 when a folder has that name, or the
/// file exists and `check_exist` was asked.
pub fn write_file(
    root: &Path,
    path: &ServicePath,
    content: &[u8],
    check_exist: bool,
) -> Result<Value, ApiError> {
    let parent = path.parent();
    let folder = resolve(root, &parent)?;
    if !folder.is_dir() {
        return Err(ApiError::not_found(format!(
            "Folder '{}' does not exist.",
            parent.display()
        )));
    }
    let target = resolve_entry(root, path)?;
    match std::fs::symlink_metadata(&target) {
        Ok(meta) if meta.is_dir() => {
            return Err(ApiError::bad_request(format!(
                "'{}' is a folder: a file cannot replace it.",
                path.display()
            )));
        }
        Ok(_) if check_exist => {
            return Err(ApiError::bad_request(format!(
                "File '{}' already exists.",
                path.display()
            )));
        }
        _ => {}
    }
    let temp = folder.join(format!(
        ".{}.sluice-upload-{}",
        path.name(),
        uuid::Uuid::new_v4()
    ));
    let written = std::fs::write(&temp, content).and_then(|()| std::fs::rename(&temp, &target));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io_error(error));
    }
    Ok(json!({"name": path.name(), "path": path.display(), "type": "file"}))
}

/// Creates a folder and any missing parents.
///
/// # Errors
///
/// 400 when it exists already (`check_exist`, DreamFactory's default) or a file has its name.
pub fn create_folder(
    root: &Path,
    path: &ServicePath,
    check_exist: bool,
) -> Result<Value, ApiError> {
    let folder = path.clone().with_folder(true);
    let disk = resolve(root, &folder)?;
    match std::fs::metadata(&disk) {
        Ok(meta) if meta.is_dir() && !check_exist => {}
        Ok(meta) if meta.is_dir() => {
            return Err(ApiError::bad_request(format!(
                "Folder '{}' already exists.",
                folder.display()
            )));
        }
        Ok(_) => {
            return Err(ApiError::bad_request(format!(
                "'{}' is a file: a folder cannot have its name.",
                path.display().trim_end_matches('/')
            )));
        }
        Err(_) => std::fs::create_dir_all(&disk).map_err(|error| match error.kind() {
            ErrorKind::NotADirectory | ErrorKind::AlreadyExists => ApiError::bad_request(
                "A file is in the way of the folder's path: a folder cannot be created there.",
            ),
            _ => io_error(error),
        })?,
    }
    Ok(json!({"name": folder.name(), "path": folder.display(), "type": "folder"}))
}

/// Deletes a file (a symlink itself, never its target).
///
/// # Errors
///
/// 404 for a missing file.
pub fn delete_file(root: &Path, path: &ServicePath) -> Result<Value, ApiError> {
    let disk = resolve_entry(root, path).map_err(|_| file_missing(path))?;
    match std::fs::symlink_metadata(&disk) {
        Ok(meta) if !meta.is_dir() => std::fs::remove_file(&disk).map_err(io_error)?,
        _ => return Err(file_missing(path)),
    }
    Ok(json!({"name": path.name(), "path": path.display()}))
}

/// Deletes a folder: an empty one, or with everything in it when `force` (links inside are
/// removed, never followed).
///
/// # Errors
///
/// 404 for a missing folder; 400 for the root, and for a folder with contents without
/// `force`.
pub fn delete_folder(root: &Path, path: &ServicePath, force: bool) -> Result<Value, ApiError> {
    if path.is_root() {
        return Err(ApiError::bad_request(
            "The service's root folder cannot be deleted: delete what is in it.",
        ));
    }
    let disk = resolve_entry(root, path).map_err(|_| folder_missing(path))?;
    let meta = match std::fs::symlink_metadata(&disk) {
        Ok(meta) => meta,
        Err(_) => return Err(folder_missing(path)),
    };
    if meta.file_type().is_symlink() {
        // A link to a folder: the link goes, the folder it names stays.
        if std::fs::metadata(&disk).is_ok_and(|m| m.is_dir()) {
            std::fs::remove_file(&disk).map_err(io_error)?;
            return Ok(json!({"name": path.name(), "path": path.display()}));
        }
        return Err(folder_missing(path));
    }
    if !meta.is_dir() {
        return Err(folder_missing(path));
    }
    let empty = std::fs::read_dir(&disk).map_err(io_error)?.next().is_none();
    if !empty && !force {
        return Err(ApiError::bad_request(format!(
            "Folder '{}' is not empty: delete it with force=true to delete its contents too.",
            path.display()
        )));
    }
    std::fs::remove_dir_all(&disk).map_err(io_error)?;
    Ok(json!({"name": path.name(), "path": path.display()}))
}
