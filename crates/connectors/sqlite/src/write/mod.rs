//! Running a `WritePlan` on the writer connection: core's [`WritePlan::run`] drives the
//! records, batches and nested writes; this supplies the statements ([`SqliteStore`]).

mod constraint;
mod store;
mod transaction;

use rusqlite::Connection;
use sluice_connector_core::{BatchMode, ConnectorError, WriteOutput, WritePlan};

use constraint::commit_failure;
use store::SqliteStore;
use transaction::Transaction;

/// Runs `plan` as one `BEGIN IMMEDIATE` transaction. When the database itself fails
/// (busy past the timeout, disk full, corrupt) the whole transaction is rolled back and
/// nothing of the request is written, whatever the batch mode.
pub(crate) fn execute(
    connection: &Connection,
    plan: &WritePlan,
) -> Result<WriteOutput, ConnectorError> {
    let transaction = Transaction::begin(connection)?;
    // Every statement is atomic, and one whose row fails the role's check is undone by its
    // own savepoint (not needed in rollback mode, where a failure undoes everything, nor
    // for writes by filter, where it fails the request), so a failed record leaves nothing
    // of that statement behind. Nested writes before the failure stay, as in DreamFactory,
    // unless the batch rolls back.
    let mut store = SqliteStore {
        connection,
        savepoints: plan.mode != BatchMode::Rollback && plan.record_count() > 0,
    };
    let done = plan.run(&mut store)?;
    if done.commit {
        transaction.commit().map_err(commit_failure)?;
    } else if !connection.is_autocommit() {
        // A trigger's RAISE(ROLLBACK) has already ended the transaction.
        transaction.rollback()?;
    }
    done.output
}
