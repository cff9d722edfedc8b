//! The `[files]` section (config/default.toml): where `local_file` services may keep files,
//! and the bounds of what one request may walk.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::settings::{Settings, SettingsError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesSettings {
    /// Directories a `local_file` service's `container` may lie in. Empty = `storage` in the
    /// data directory, created at start.
    pub storage_roots: Vec<PathBuf>,
    /// Entries (files and folders) one listing with `full_tree` or one `zip` may walk.
    pub max_entries: usize,
    /// Bytes of files one `zip=true` download may hold (it is built in memory).
    pub max_zip_bytes: u64,
    /// Seed DreamFactory's `files` service (and `logs` when `log.file` is set) once, on the
    /// first start of a system database.
    pub seed_services: bool,
}

impl FilesSettings {
    pub(crate) fn validate(&self) -> Result<(), SettingsError> {
        if self.max_entries == 0 || self.max_zip_bytes == 0 {
            return Err(SettingsError(
                "files.max_entries and files.max_zip_bytes must be at least 1".to_owned(),
            ));
        }
        Ok(())
    }
}

/// A directory file services may serve, and whether they may only read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRoot {
    pub path: PathBuf,
    pub read_only: bool,
}

impl Settings {
    /// The directories `local_file` containers may lie in: `files.storage_roots` (or
    /// `storage` in the data directory), then the log directory, read-only, when `log.file`
    /// is set.
    pub fn file_roots(&self) -> Vec<FileRoot> {
        let mut roots: Vec<FileRoot> = if self.files.storage_roots.is_empty() {
            vec![FileRoot {
                path: self.default_file_root(),
                read_only: false,
            }]
        } else {
            (self.files.storage_roots.iter())
                .map(|path| FileRoot {
                    path: path.clone(),
                    read_only: false,
                })
                .collect()
        };
        if let Some(dir) = self.log_dir() {
            roots.push(FileRoot {
                path: dir,
                read_only: true,
            });
        }
        roots
    }

    /// `storage` in the data directory: the file root when `files.storage_roots` is empty.
    pub fn default_file_root(&self) -> PathBuf {
        self.data_dir.join("storage")
    }

    /// The directory of `log.file`, when one is set.
    pub fn log_dir(&self) -> Option<PathBuf> {
        if self.log.file.as_os_str().is_empty() {
            return None;
        }
        let parent = self.log.file.parent().unwrap_or(Path::new(""));
        Some(if parent.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            parent.to_path_buf()
        })
    }

    /// Creates the default file root when no `files.storage_roots` are configured, and checks
    /// that configured ones are directories, so a typo shows at start.
    ///
    /// # Errors
    ///
    /// Names the root that is missing or cannot be created, and how to fix it.
    pub fn prepare_file_roots(&self) -> Result<(), SettingsError> {
        if self.files.storage_roots.is_empty() {
            let root = self.default_file_root();
            return std::fs::create_dir_all(&root).map_err(|error| {
                SettingsError(format!(
                    "cannot create the file storage directory {}: {error}",
                    root.display()
                ))
            });
        }
        for root in &self.files.storage_roots {
            if !root.is_dir() {
                return Err(SettingsError(format!(
                    "the file storage root {} is not a directory; create it, or remove it \
                     from files.storage_roots (in the config file or \
                     SLUICE__FILES__STORAGE_ROOTS)",
                    root.display()
                )));
            }
        }
        Ok(())
    }
}
