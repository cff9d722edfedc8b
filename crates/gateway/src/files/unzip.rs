//! `extract=true` on an upload of a `.zip`: its entries written into the folder the file was
//! uploaded to (DreamFactory's way of deploying an app's files in one call), `clean=true`
//! emptying the folder first. Every entry name is checked like a client path (no `..`,
//! absolute names or backslashes: no zip slip), the entry count against `files.max_entries`
//! and the declared and the actual sizes against `files.max_zip_bytes` (no zip bomb), all
//! before anything is written. Blocking.

use std::io::{Cursor, Read};
use std::path::Path;

use serde_json::{Value, json};
use zip::ZipArchive;

use super::ops::{create_folder, folder_missing, write_file};
use super::paths::{ServicePath, io_error, resolve};
use crate::error::ApiError;

/// Whether an uploaded file is to be unpacked rather than stored.
pub fn is_zip_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".zip")
}

/// Unpacks `bytes` into `folder`.
///
/// # Errors
///
/// 400 for a body that is not a zip, an entry name that is not allowed, or an archive past
/// the bounds; 404 for a missing folder.
pub fn extract(
    root: &Path,
    folder: &ServicePath,
    bytes: &[u8],
    clean: bool,
    max_entries: usize,
    max_bytes: u64,
) -> Result<Value, ApiError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| ApiError::bad_request("The uploaded file is not a zip archive."))?;
    if archive.len() > max_entries {
        return Err(too_large(max_entries, max_bytes));
    }
    let mut plan = Vec::with_capacity(archive.len());
    let mut declared = 0u64;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|_| unreadable())?;
        let name = entry.name().map_err(|_| unreadable())?.into_owned();
        let path = folder.join(&name, name.ends_with('/'))?;
        declared = declared.saturating_add(entry.size());
        if declared > max_bytes {
            return Err(too_large(max_entries, max_bytes));
        }
        plan.push((index, path));
    }
    let disk = resolve(root, folder)?;
    if !disk.is_dir() {
        return Err(folder_missing(folder));
    }
    if clean {
        empty(&disk)?;
    }
    let mut written = 0u64;
    for (index, path) in plan {
        if path.folder {
            create_folder(root, &path, false)?;
            continue;
        }
        create_folder(root, &path.parent(), false)?;
        let entry = archive.by_index(index).map_err(|_| unreadable())?;
        let mut content = Vec::new();
        // The declared size is the archive's word: the bytes are counted as they come.
        entry
            .take(max_bytes - written + 1)
            .read_to_end(&mut content)
            .map_err(|_| unreadable())?;
        written += content.len() as u64;
        if written > max_bytes {
            return Err(too_large(max_entries, max_bytes));
        }
        write_file(root, &path, &content, false)?;
    }
    Ok(json!({"name": folder.name(), "path": folder.display(), "type": "folder"}))
}

fn unreadable() -> ApiError {
    ApiError::bad_request("The zip archive could not be read.")
}

fn too_large(max_entries: usize, max_bytes: u64) -> ApiError {
    ApiError::bad_request(format!(
        "The zip archive holds more than {max_entries} entries (files.max_entries) or more \
         than {max_bytes} bytes (files.max_zip_bytes)."
    ))
}

/// Deletes what is in `dir` (links inside removed, never followed).
fn empty(dir: &Path) -> Result<(), ApiError> {
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        let entry = entry.map_err(io_error)?;
        let kind = entry.file_type().map_err(io_error)?;
        let removed = if kind.is_dir() {
            std::fs::remove_dir_all(entry.path())
        } else {
            std::fs::remove_file(entry.path())
        };
        removed.map_err(io_error)?;
    }
    Ok(())
}

/// How one request stores its uploads.
#[derive(Debug, Clone, Copy)]
pub struct Upload {
    pub check_exist: bool,
    pub extract: bool,
    pub clean: bool,
    pub max_entries: usize,
    pub max_bytes: u64,
}

/// Stores an uploaded `file`: unpacked into its folder when it is a `.zip` and `extract`
/// was asked, written as it is otherwise.
///
/// # Errors
///
/// Those of [`extract`] and [`write_file`].
pub fn store(
    root: &Path,
    file: &ServicePath,
    data: &[u8],
    upload: Upload,
) -> Result<Value, ApiError> {
    if upload.extract && is_zip_name(file.name()) {
        let folder = file.parent();
        return extract(
            root,
            &folder,
            data,
            upload.clean,
            upload.max_entries,
            upload.max_bytes,
        );
    }
    write_file(root, file, data, upload.check_exist)
}
