//! A `local_file` service's files in a package (`include_files=true`): each file is the entry
//! `{service}/files/{path}`, read within the package's bounds on export and written back
//! into the imported service's folder, each path checked as the file API checks it
//! (docs/FILES.md). Files are not a kind of record: they follow their service.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::archive::Bounds;
use super::import::Importer;
use super::records::skipped;
use super::report::Outcome;
use crate::error::ApiError;
use crate::files::config::{parse_local_file_config, resolve_container};
use crate::files::ops::{ListOptions, create_folder, existing_file, list, write_file};
use crate::files::paths::{ServicePath, resolve};
use crate::settings::Settings;

/// The folder of a service's entries that holds its files (the manifest lists it).
pub const FILES_FOLDER: &str = "files/";

fn prefix(service: &str) -> String {
    format!("{service}/{FILES_FOLDER}")
}

/// What an export may still take, counted down service by service.
pub struct Budget {
    pub entries: usize,
    pub bytes: u64,
}

impl From<Bounds> for Budget {
    fn from(bounds: Bounds) -> Self {
        Self {
            entries: bounds.max_entries,
            bytes: bounds.max_unpacked_bytes,
        }
    }
}

/// Every file of the `local_file` service `service` (its stored `config`), as zip entries.
///
/// # Errors
/// 400 when the folder cannot be read or its files pass the package's bounds.
pub async fn read_files(
    settings: &Settings,
    service: &str,
    config: &Value,
    budget: &mut Budget,
) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
    let refused = |reason: &str| {
        ApiError::bad_request(format!(
            "The files of service '{service}' cannot be exported: {reason}"
        ))
    };
    let config = parse_local_file_config(config)?;
    let (settings, left) = (settings.clone(), (budget.entries, budget.bytes));
    let read = tokio::task::spawn_blocking(move || {
        let (root, _) = resolve_container(&config, &settings)?;
        read_tree(&root, left.0, left.1)
    })
    .await
    .map_err(|_| refused("reading them was interrupted."))?
    .map_err(|reason| refused(&reason))?;
    let bytes: u64 = read.iter().map(|(_, b)| b.len() as u64).sum();
    budget.entries = budget.entries.saturating_sub(read.len());
    budget.bytes = budget.bytes.saturating_sub(bytes);
    let prefix = prefix(service);
    Ok(read
        .into_iter()
        .map(|(path, bytes)| (format!("{prefix}{path}"), bytes))
        .collect())
}

/// The files below `root` (links only to files inside it), by path. Blocking.
fn read_tree(
    root: &Path,
    max_entries: usize,
    max_bytes: u64,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let too_many = || {
        format!(
            "they pass the package's bounds ({max_entries} more entries, {max_bytes} more \
             bytes: limits.package_max_entries, limits.package_max_unpacked_bytes)."
        )
    };
    let options = ListOptions {
        files: true,
        folders: false,
        full_tree: true,
        max_entries,
    };
    let listed = list(root, &ServicePath::root(), options).map_err(|_| too_many())?;
    let mut out = Vec::with_capacity(listed.len());
    let mut total = 0u64;
    for entry in listed {
        let Some(path) = entry["path"].as_str() else {
            continue;
        };
        let service_path = ServicePath::from_client(path).map_err(|e| e.message.to_string())?;
        let (disk, meta) = existing_file(root, &service_path).map_err(|e| e.message.to_string())?;
        total += meta.len();
        if total > max_bytes {
            return Err(too_many());
        }
        let bytes = std::fs::read(disk).map_err(|_| format!("'{path}' cannot be read."))?;
        out.push((path.to_owned(), bytes));
    }
    Ok(out)
}

/// What became of the files of one service.
enum Written {
    Files { written: Vec<PathBuf>, kept: usize },
    ReadOnly(usize),
}

/// Writes the package's files of the `local_file` service `service` this import created
/// (its stored `config`) into its folder; a file that exists there is kept as it is.
///
/// # Errors
/// 400 for a path the file API refuses or a file a folder is in the way of.
pub async fn place_files(
    im: &mut Importer<'_>,
    service: &str,
    config: &Value,
) -> Result<(), ApiError> {
    let files = take_entries(im, service);
    if files.is_empty() {
        return Ok(());
    }
    let config = parse_local_file_config(config)?;
    let settings = im.state.settings.clone();
    let outcome = tokio::task::spawn_blocking(move || -> Result<Written, ApiError> {
        let (root, read_only) = resolve_container(&config, &settings)
            .map_err(|reason| crate::system::fields::invalid_field("container", &reason))?;
        if read_only {
            return Ok(Written::ReadOnly(files.len()));
        }
        let (mut written, mut kept) = (Vec::new(), 0);
        for (path, bytes) in files {
            let path = ServicePath::from_client(&path)?;
            if path.folder {
                continue;
            }
            create_folder(&root, &path.parent(), false)?;
            if resolve(&root, &path).is_ok_and(|disk| disk.exists()) {
                kept += 1;
                continue;
            }
            write_file(&root, &path, &bytes, true)?;
            written.push(resolve(&root, &path)?);
        }
        Ok(Written::Files { written, kept })
    })
    .await
    .map_err(|_| ApiError::internal("placing a package's files was interrupted"))??;
    let outcome = match outcome {
        Written::ReadOnly(count) => skipped(format!(
            "The service is read-only here: its {count} files were not written."
        )),
        Written::Files { written, kept } => {
            let note = format!(
                "{} files written; {kept} existed here already and were kept.",
                written.len()
            );
            im.placed.extend(written);
            Outcome::ImportedWithNote(note)
        }
    };
    im.report.add_part("files", service, outcome);
    Ok(())
}

/// Takes the files of a service that was not imported out of the package, reporting them
/// once rather than entry by entry.
pub fn drop_files(im: &mut Importer<'_>, service: &str) {
    let files = take_entries(im, service);
    if !files.is_empty() {
        im.report.add_part(
            "files",
            service,
            skipped(format!(
                "Its service was not imported: its {} files were not written.",
                files.len()
            )),
        );
    }
}

/// The package's files of `service` (path in the service, content), out of its entries.
fn take_entries(im: &mut Importer<'_>, service: &str) -> Vec<(String, Vec<u8>)> {
    let prefix = prefix(service);
    let names: Vec<String> = (im.entries.keys())
        .filter(|name| name.starts_with(&prefix))
        .cloned()
        .collect();
    names
        .into_iter()
        .filter_map(|name| {
            let bytes = im.entries.remove(&name)?;
            Some((name[prefix.len()..].to_owned(), bytes))
        })
        .collect()
}
