//! Running a `WritePlan` on the writer connection.

mod constraint;
mod matching;
mod records;
mod store;
mod transaction;

use rusqlite::Connection;
use sluice_connector_core::{ConnectorError, WriteAction, WriteOutput, WritePlan};

/// Runs `plan` as one `BEGIN IMMEDIATE` transaction. When the database itself fails
/// (busy past the timeout, disk full, corrupt) the whole transaction is rolled back and
/// nothing of the request is written, whatever the batch mode.
pub(crate) fn execute(
    connection: &Connection,
    plan: &WritePlan,
) -> Result<WriteOutput, ConnectorError> {
    match plan.action {
        WriteAction::Insert(_) | WriteAction::Update { .. } | WriteAction::Delete(_) => {
            records::run(connection, plan)
        }
        WriteAction::UpdateMatching { .. }
        | WriteAction::DeleteMatching { .. }
        | WriteAction::DeleteAll => matching::run(connection, plan),
    }
}
