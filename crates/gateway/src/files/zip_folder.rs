//! `GET /api/v2/{service}/{folder}/?zip=true`: a folder and everything in it as one zip,
//! built in memory within `files.max_zip_bytes` and `files.max_entries` (checked before
//! anything is read). Links inside the folder are followed only to files inside the service;
//! linked folders are left out, so the walk cannot loop. Blocking.

use std::io::{Cursor, Write};
use std::path::Path;

use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

use super::ops::{ListOptions, folder_missing, list};
use super::paths::{ServicePath, io_error, resolve};
use crate::error::ApiError;

/// The zip's bytes. Entries are named relative to the zipped folder.
///
/// # Errors
///
/// 404 for a missing folder; 400 past the bounds.
pub fn zip_folder(
    root: &Path,
    folder: &ServicePath,
    max_entries: usize,
    max_bytes: u64,
) -> Result<Vec<u8>, ApiError> {
    if !resolve(root, folder)?.is_dir() {
        return Err(folder_missing(folder));
    }
    let options = ListOptions {
        files: true,
        folders: true,
        full_tree: true,
        max_entries,
    };
    let entries = list(root, folder, options)?;
    let total: u64 = (entries.iter())
        .filter_map(|e| e["content_length"].as_u64())
        .sum();
    if total > max_bytes {
        return Err(ApiError::bad_request(format!(
            "The folder holds more than {max_bytes} bytes (files.max_zip_bytes): zip its \
             subfolders one by one."
        )));
    }
    let file_options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for entry in entries {
        let (Some(path), Some(name)) = (entry["path"].as_str(), entry["name"].as_str()) else {
            continue;
        };
        if entry["type"] == "folder" {
            zip.add_directory(format!("{name}/"), file_options)
                .map_err(ApiError::internal)?;
            continue;
        }
        let service_path = ServicePath::from_client(path)?;
        let (disk, _) = super::ops::existing_file(root, &service_path)?;
        let bytes = std::fs::read(disk).map_err(io_error)?;
        zip.start_file(name, file_options)
            .map_err(ApiError::internal)?;
        zip.write_all(&bytes).map_err(ApiError::internal)?;
    }
    let cursor = zip.finish().map_err(ApiError::internal)?;
    Ok(cursor.into_inner())
}
