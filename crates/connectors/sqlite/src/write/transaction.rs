//! The write transaction and per-record savepoints.
//!
//! Every write request is one `BEGIN IMMEDIATE` transaction: the write lock is taken (or
//! waited for, up to the busy timeout) before the first statement, so a batch never fails
//! half-way on a lock, and the request is committed with one sync. DreamFactory's default
//! "earlier records stay" is kept by committing the records before a failure; the failed
//! record itself is undone by SQLite's statement rollback or by its savepoint.

use rusqlite::Connection;
use sluice_connector_core::ConnectorError;

use crate::error::map_error;

/// An open transaction, rolled back when dropped without [`Transaction::commit`], so an
/// error or a panic anywhere in a job leaves nothing half-written.
pub(crate) struct Transaction<'c> {
    connection: &'c Connection,
    open: bool,
}

impl<'c> Transaction<'c> {
    /// `BEGIN IMMEDIATE`.
    ///
    /// # Errors
    ///
    /// `Busy` when another process holds the write lock past the busy timeout.
    pub(crate) fn begin(connection: &'c Connection) -> Result<Self, ConnectorError> {
        run(connection, "BEGIN IMMEDIATE")?;
        Ok(Self {
            connection,
            open: true,
        })
    }

    /// `COMMIT`. A deferred foreign key that is still violated fails here; the transaction
    /// is then rolled back on drop and the error returned (see `constraint::commit_failure`).
    pub(crate) fn commit(mut self) -> Result<(), rusqlite::Error> {
        self.connection
            .prepare_cached("COMMIT")
            .and_then(|mut statement| statement.execute([]))?;
        self.open = false;
        Ok(())
    }

    pub(crate) fn rollback(mut self) -> Result<(), ConnectorError> {
        self.open = false;
        run(self.connection, "ROLLBACK")
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        // SQLite may already have rolled back (disk full, interrupt); nothing to report.
        if self.open && !self.connection.is_autocommit() {
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }
}

/// Runs one record inside `SAVEPOINT record` when `needed`, so a record that must be
/// undone after its statement succeeded (a row outside the role's filter) leaves nothing
/// behind while the records before it stay. `job` returns the record's own failure as
/// `Ok(Err(_))`, which rolls back to the savepoint; an `Err` aborts the whole request and
/// the transaction is rolled back by its owner.
pub(crate) fn within_record<T, E>(
    connection: &Connection,
    needed: bool,
    job: impl FnOnce() -> Result<Result<T, E>, ConnectorError>,
) -> Result<Result<T, E>, ConnectorError> {
    if !needed {
        return job();
    }
    run(connection, "SAVEPOINT record")?;
    let outcome = job()?;
    // The savepoint is gone when the database ended the whole transaction (a trigger's
    // RAISE(ROLLBACK)); the caller sees that from the connection.
    if connection.is_autocommit() {
        return Ok(outcome);
    }
    if outcome.is_err() {
        run(connection, "ROLLBACK TO record")?;
    }
    run(connection, "RELEASE record")?;
    Ok(outcome)
}

fn run(connection: &Connection, sql: &'static str) -> Result<(), ConnectorError> {
    connection
        .prepare_cached(sql)
        .and_then(|mut statement| statement.execute([]))
        .map(drop)
        .map_err(map_error)
}
