//! Opening and hardening connections: the pooled read-only ones and the one writer.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::limits::Limit;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use sluice_connector_core::ConnectorError;

use crate::authorizer::{authorize, authorize_dml};
use crate::error::map_error;
use crate::options::SqliteOptions;

/// SQLite calls the progress handler every this many virtual-machine instructions; small
/// enough to stop a runaway statement within milliseconds, large enough to cost nothing.
const PROGRESS_INTERVAL: i32 = 10_000;

/// A hardened connection with a per-statement deadline.
pub(crate) struct HardenedConnection {
    pub(crate) connection: Connection,
    clock: Instant,
    /// Milliseconds since `clock` after which the running statement is aborted; 0 = none.
    deadline_ms: Arc<AtomicU64>,
    /// The generation it was opened in (see `ReadPool::invalidate`).
    pub(crate) generation: u64,
}

impl HardenedConnection {
    /// Opens `path` read-only: no `CREATE` flag, so a missing file is an error (a read never
    /// creates a database), and no `URI` flag, so `file:` names with `?vfs=` options are
    /// just file names.
    pub(crate) fn open_read(
        path: &Path,
        options: &SqliteOptions,
        generation: u64,
    ) -> Result<Self, ConnectorError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Self::open(path, flags, options, generation, authorize)
    }

    /// Opens `path` for writing records: read-write but never created, with the DML-only
    /// authorizer (no DDL, no PRAGMA, no ATTACH, no writes to `sqlite_*` tables).
    pub(crate) fn open_write(
        path: &Path,
        options: &SqliteOptions,
        generation: u64,
    ) -> Result<Self, ConnectorError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Self::open(path, flags, options, generation, authorize_dml)
    }

    fn open(
        path: &Path,
        flags: OpenFlags,
        options: &SqliteOptions,
        generation: u64,
        policy: fn(rusqlite::hooks::AuthContext<'_>) -> rusqlite::hooks::Authorization,
    ) -> Result<Self, ConnectorError> {
        let connection = Connection::open_with_flags(path, flags).map_err(map_error)?;
        harden(&connection, options)?;
        connection.set_prepared_statement_cache_capacity(options.statement_cache_capacity);
        let clock = Instant::now();
        let deadline_ms = Arc::new(AtomicU64::new(0));
        let deadline = Arc::clone(&deadline_ms);
        connection
            .progress_handler(
                PROGRESS_INTERVAL,
                Some(move || {
                    let limit = deadline.load(Ordering::Relaxed);
                    limit != 0 && elapsed_ms(clock) > limit
                }),
            )
            .map_err(map_error)?;
        // Installed last: everything above uses PRAGMAs the authorizer refuses.
        connection.authorizer(Some(policy)).map_err(map_error)?;
        Ok(Self {
            connection,
            clock,
            deadline_ms,
            generation,
        })
    }

    /// Starts the clock for the next job; statements running past `timeout` are aborted
    /// (SQLITE_INTERRUPT, mapped to `ConnectorError::Busy`).
    pub(crate) fn arm(&self, timeout: Duration) {
        let timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        let deadline = elapsed_ms(self.clock).saturating_add(timeout_ms).max(1);
        self.deadline_ms.store(deadline, Ordering::Relaxed);
    }

    pub(crate) fn disarm(&self) {
        self.deadline_ms.store(0, Ordering::Relaxed);
    }
}

fn elapsed_ms(clock: Instant) -> u64 {
    u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Settings every connection gets (the gateway never runs client SQL), applied before the
/// authorizer.
fn harden(connection: &Connection, options: &SqliteOptions) -> Result<(), ConnectorError> {
    connection
        .busy_timeout(options.busy_timeout)
        .map_err(map_error)?;
    for (config, on) in [
        (DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true),
        (DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false),
        // `"col"` naming a missing column must be an error, never a string literal.
        (DbConfig::SQLITE_DBCONFIG_DQS_DML, false),
        // Plans must not depend on bound values. Without this, SQLite marks a statement whose
        // plan looked at a parameter (a bound `LIMIT`, a `LIKE` pattern) to be re-prepared
        // whenever its bindings are cleared, which rusqlite's statement cache does on every
        // return: each read parsed and planned its SQL again (seen in the benchmark profile,
        // docs/PERFORMANCE.md).
        (DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true),
    ] {
        connection.set_db_config(config, on).map_err(map_error)?;
    }
    // No database may be attached, whatever SQL reaches this connection.
    connection
        .set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)
        .map_err(map_error)?;
    connection
        .execute_batch("PRAGMA foreign_keys = ON;")
        .map_err(map_error)?;
    // Process-wide: every connection sets the same value, so the last one opened holds.
    connection
        .execute_batch(&format!(
            "PRAGMA soft_heap_limit = {};",
            options.memory_limit_bytes
        ))
        .map_err(map_error)
}

/// Creates an empty database at `path` when no file is there (`sluice nsqlite`, which,
/// like NSQLite, creates its database; services never do: see `validate_database_path`).
/// Not a URI: the name is a plain file name.
///
/// # Errors
///
/// `Unavailable` when the file cannot be created or is not a database.
pub fn create_database_file(path: &Path) -> Result<(), ConnectorError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags).map_err(map_error)?;
    // Reading the schema makes SQLite check the header of an existing file.
    connection
        .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        .map_err(map_error)
}

/// Switches the database to WAL once, on a short-lived read-write connection, so readers
/// never block the writer. Best effort: a read-only file or directory, or a
/// database busy with another process, keeps its journal mode. A file that is not a
/// database, or a corrupt one, fails here, so `open` reports it at once.
pub(crate) fn enable_wal(path: &Path, options: &SqliteOptions) -> Result<(), ConnectorError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags).map_err(map_error)?;
    harden(&connection, options)?;
    let switched = connection.query_row("PRAGMA journal_mode = WAL", [], |row| {
        row.get::<_, String>(0)
    });
    match switched {
        Ok(_) => Ok(()),
        Err(error)
            if matches!(
                error.sqlite_error_code(),
                Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
            ) =>
        {
            Err(map_error(error))
        }
        Err(error) => {
            tracing::debug!(error = %error, "database left in its journal mode");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests;
