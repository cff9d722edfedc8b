//! The database files behind a test server, seen from outside it: rows read directly,
//! `PRAGMA integrity_check`, another connection holding the write lock, and a small tmpfs
//! to fill up. Fault tests use these to check what the server left behind.

use std::path::{Path, PathBuf};
use std::process::Command;

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde_json::{Value, json};
use tempfile::TempDir;

/// Every row of `sql` on the file at `path`, each as a JSON array of its columns (blobs as
/// arrays of bytes), read on a connection of its own.
pub fn rows(path: &Path, sql: &str) -> Value {
    let connection = Connection::open(path).expect("open the database file");
    let mut statement = connection.prepare(sql).expect("prepare");
    let width = statement.column_count();
    let rows: Vec<Value> = statement
        .query_map([], |row| {
            (0..width)
                .map(|index| Ok(cell(row.get_ref(index)?)))
                .collect::<rusqlite::Result<Vec<Value>>>()
                .map(Value::Array)
        })
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    Value::Array(rows)
}

fn cell(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => json!(n),
        ValueRef::Real(x) => json!(x),
        ValueRef::Text(text) => json!(String::from_utf8_lossy(text)),
        ValueRef::Blob(bytes) => json!(bytes),
    }
}

/// The answer of `PRAGMA integrity_check` (`"ok"` for a sound file).
pub fn integrity_check(path: &Path) -> String {
    let connection = Connection::open(path).expect("open the database file");
    connection
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity check")
}

/// Another connection to a database holding its write lock (`BEGIN IMMEDIATE`), as a
/// second process would, until released or dropped.
pub struct WriteLock {
    connection: Connection,
}

impl WriteLock {
    pub fn hold(path: &Path) -> Self {
        let connection = Connection::open(path).expect("open the database file");
        connection
            .execute_batch("BEGIN IMMEDIATE")
            .expect("take the write lock");
        Self { connection }
    }

    pub fn release(self) {
        self.connection
            .execute_batch("ROLLBACK")
            .expect("release the write lock");
    }
}

/// A tmpfs of a few hundred KiB mounted on a fresh temporary directory, lazily unmounted
/// when dropped (the server may still hold files open on it; a read-only one unmounts too).
pub struct Tmpfs {
    dir: TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `bytes` (rounded up to whole pages).
    ///
    /// # Panics
    ///
    /// When the machine cannot mount one: the disk-full tests need root with
    /// `CAP_SYS_ADMIN` and util-linux's `mount`. They fail rather than skip, so a CI machine
    /// without the capability cannot report them as passing.
    pub fn mount(bytes: u64) -> Self {
        let dir = TempDir::new().expect("temp dir");
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes},mode=0700")])
            .arg("sluice-test-tmpfs")
            .arg(dir.path())
            .output();
        match output {
            Ok(output) if output.status.success() => Self { dir },
            Ok(output) => panic!(
                "this test needs a small tmpfs to fill up, and `mount -t tmpfs` failed: {}. \
                 Run the tests as root with CAP_SYS_ADMIN (in Docker: --cap-add SYS_ADMIN, \
                 or --privileged).",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            Err(error) => panic!(
                "this test needs a small tmpfs to fill up, and `mount` could not be run \
                 ({error}); install util-linux's mount and run the tests as root with \
                 CAP_SYS_ADMIN."
            ),
        }
    }

    /// Remounts the tmpfs read-only (`true`) or writable again. The kernel refuses to make a
    /// file system read-only while a file on it is open for writing, so a test does this
    /// before a server opens the database for writing.
    ///
    /// # Panics
    ///
    /// When `mount -o remount` fails (with what the tests need, as in [`Tmpfs::mount`]).
    pub fn remount(&self, read_only: bool) {
        let mode = if read_only {
            "remount,ro"
        } else {
            "remount,rw"
        };
        let output = Command::new("mount")
            .args(["-o", mode])
            .arg(self.dir.path())
            .output();
        match output {
            Ok(output) if output.status.success() => {}
            Ok(output) => panic!(
                "this test remounts a tmpfs ({mode}), and `mount` failed: {}. Run the tests \
                 as root with CAP_SYS_ADMIN, and keep no file on it open for writing.",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            Err(error) => panic!(
                "this test remounts a tmpfs, and `mount` could not be run ({error}); install \
                 util-linux's mount and run the tests as root with CAP_SYS_ADMIN."
            ),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: detached now, freed once the server closes its files; the temp dir below
        // is then empty and removed by its own drop.
        let _ = Command::new("umount")
            .arg("--lazy")
            .arg(self.dir.path())
            .status();
    }
}
