//! Watching the system database's SQLite file while Sluice runs.
//!
//! An open SQLite connection keeps writing to the file it opened, even after that file was
//! deleted or replaced at its path: every change would be acknowledged and then lost with
//! the orphaned file. So the file's device and inode are remembered when the database is
//! opened and compared with what the path holds now (one `stat`) before a pooled
//! connection is handed out, and again after a write before it is acknowledged. A file
//! without any write permission bit is refused for writes: the operator marked it
//! read-only, and an open connection (or one running as root) would otherwise still write.
//!
//! Recovery is automatic only when it is sound: the same file back at its path (moved away
//! and back, same inode), or its write permission restored. Another file at the path needs
//! a restart (docs/STORAGE_FAULTS.md says why and how): the open connections still hold the old
//! file and its `-wal`/`-shm`, and a new connection would mix that write-ahead log into the
//! new file.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::DbError;

/// Why the system database file cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StorageFault {
    /// Nothing (or nothing readable) is at the file's path any more.
    #[error("the system database file is missing")]
    Missing,
    /// Another file took the path since the database was opened.
    #[error("the system database file was replaced by another file")]
    Replaced,
    /// The file has no write permission left (refused for writes only).
    #[error("the system database file is read-only")]
    ReadOnly,
}

/// The file of a file-backed SQLite system database, as it was when it was opened.
#[derive(Debug)]
pub(crate) struct FileWatch {
    path: PathBuf,
    device: u64,
    inode: u64,
    /// The state the last check found (`HEALTHY` or a fault's code), so that only changes
    /// are logged, not every refused request.
    last: AtomicU8,
}

const HEALTHY: u8 = 0;

impl StorageFault {
    fn code(self) -> u8 {
        match self {
            StorageFault::Missing => 1,
            StorageFault::Replaced => 2,
            StorageFault::ReadOnly => 3,
        }
    }
}

impl FileWatch {
    /// Remembers the identity of the file at `path` (which must exist).
    pub(crate) fn new(path: PathBuf) -> Result<Self, DbError> {
        let metadata = std::fs::metadata(&path).map_err(DbError::Io)?;
        Ok(Self {
            path,
            device: metadata.dev(),
            inode: metadata.ino(),
            last: AtomicU8::new(HEALTHY),
        })
    }

    /// The path still holds the file that was opened: statements may run on it, and a
    /// write that just committed is in it.
    pub(crate) fn check_identity(&self) -> Result<(), StorageFault> {
        self.record(self.inspect(false))
    }

    /// As [`FileWatch::check_identity`], and the file may be written.
    pub(crate) fn check_writable(&self) -> Result<(), StorageFault> {
        self.record(self.inspect(true))
    }

    // A blocking `stat` on an async thread: one system call on a local file, far cheaper
    // than handing it to another thread, and only paid by system-database calls, which the
    // request hot path never makes.
    fn inspect(&self, for_write: bool) -> Result<(), StorageFault> {
        let Ok(metadata) = std::fs::metadata(&self.path) else {
            return Err(StorageFault::Missing);
        };
        if (metadata.dev(), metadata.ino()) != (self.device, self.inode) {
            return Err(StorageFault::Replaced);
        }
        if for_write && metadata.permissions().mode() & 0o222 == 0 {
            return Err(StorageFault::ReadOnly);
        }
        Ok(())
    }

    fn record(&self, state: Result<(), StorageFault>) -> Result<(), StorageFault> {
        let code = state.err().map_or(HEALTHY, StorageFault::code);
        let before = self.last.swap(code, Ordering::Relaxed);
        if before != code {
            match state {
                Ok(()) => tracing::warn!("the system database file is usable again"),
                Err(fault) => tracing::error!(%fault, "system database calls are refused"),
            }
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watched() -> (tempfile::TempDir, PathBuf, FileWatch) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sys.db");
        std::fs::write(&path, b"x").unwrap();
        let watch = FileWatch::new(path.clone()).unwrap();
        (dir, path, watch)
    }

    #[test]
    fn the_opened_file_passes_both_checks() {
        let (_dir, _path, watch) = watched();

        assert_eq!(watch.check_identity(), Ok(()));
        assert_eq!(watch.check_writable(), Ok(()));
    }

    #[test]
    fn a_deleted_file_is_missing_until_the_same_file_comes_back() {
        let (dir, path, watch) = watched();
        let aside = dir.path().join("aside.db");
        std::fs::rename(&path, &aside).unwrap();

        assert_eq!(watch.check_identity(), Err(StorageFault::Missing));
        assert_eq!(watch.check_writable(), Err(StorageFault::Missing));

        std::fs::rename(&aside, &path).unwrap();
        assert_eq!(watch.check_writable(), Ok(()));
    }

    #[test]
    fn another_file_at_the_path_is_replaced() {
        let (dir, path, watch) = watched();
        let other = dir.path().join("other.db");
        std::fs::write(&other, b"y").unwrap();
        std::fs::rename(&other, &path).unwrap();

        assert_eq!(watch.check_identity(), Err(StorageFault::Replaced));
        assert_eq!(watch.check_writable(), Err(StorageFault::Replaced));
    }

    #[test]
    fn a_file_without_write_permission_refuses_writes_only() {
        let (_dir, path, watch) = watched();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();

        assert_eq!(watch.check_identity(), Ok(()));
        assert_eq!(watch.check_writable(), Err(StorageFault::ReadOnly));

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(watch.check_writable(), Ok(()));
    }
}
