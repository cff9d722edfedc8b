//! Running a `WritePlan` in one transaction on a blocking thread.
//!
//! Core's nested writes call the connector's [`RecordStore`](sluice_connector_core::RecordStore)
//! synchronously, so a write runs on a blocking thread of the runtime (never on one of its
//! async workers) and awaits each statement there with `Handle::block_on`, as reads with
//! related data do.

mod constraint;
mod matching;
mod records;
mod store;

use deadpool_postgres::GenericClient;
use sluice_connector_core::{BatchMode, ConnectorError, WriteAction, WriteOutput, WritePlan};
use tokio::runtime::Handle;

pub(crate) use constraint::commit_failure;
use store::PgStore;

/// The answer of a write and whether its transaction is committed or rolled back.
pub(crate) struct Finished {
    pub(crate) commit: bool,
    pub(crate) output: Result<WriteOutput, ConnectorError>,
}

impl Finished {
    fn commit(output: Result<WriteOutput, ConnectorError>) -> Self {
        Self {
            commit: true,
            output,
        }
    }

    fn rolled_back(output: Result<WriteOutput, ConnectorError>) -> Self {
        Self {
            commit: false,
            output,
        }
    }
}

/// Runs `plan` on `client`, an open transaction. An `Err` is the request's failure (the
/// caller rolls back); otherwise [`Finished`] says whether to commit.
pub(crate) fn execute(
    handle: &Handle,
    client: &impl GenericClient,
    schema: &str,
    plan: &WritePlan,
) -> Result<Finished, ConnectorError> {
    // Savepoints keep a failed statement from aborting the records around it; they are
    // only needed when something written before or after a failure stays.
    let savepoints = plan.mode != BatchMode::Rollback
        && (records::record_count(plan) > 1 || plan.has_relations());
    let store = PgStore {
        handle,
        client,
        schema,
        savepoints,
    };
    match plan.action {
        WriteAction::Insert(_) | WriteAction::Update { .. } | WriteAction::Delete(_) => {
            records::run(store, plan)
        }
        WriteAction::UpdateMatching { .. }
        | WriteAction::DeleteMatching { .. }
        | WriteAction::DeleteAll => matching::run(&store, plan),
    }
}
