//! Running a `WritePlan` in one transaction on a blocking thread: core's
//! [`WritePlan::run`] drives the records, batches and nested writes; this supplies the
//! statements ([`PgStore`]).
//!
//! Core's writer calls the store synchronously, so a write runs on a blocking thread of
//! the runtime (never on one of its async workers) and awaits each statement there with
//! `Handle::block_on`, as reads with related data do.

mod constraint;
mod store;

use deadpool_postgres::GenericClient;
use sluice_connector_core::{BatchMode, ConnectorError, WriteDone, WritePlan};
use tokio::runtime::Handle;

pub(crate) use constraint::commit_failure;
use store::PgStore;

/// Runs `plan` on `client`, an open transaction. An `Err` is the request's failure (the
/// caller rolls back); otherwise [`WriteDone`] says whether to commit.
pub(crate) fn execute(
    handle: &Handle,
    client: &impl GenericClient,
    schema: &str,
    plan: &WritePlan,
) -> Result<WriteDone, ConnectorError> {
    // Savepoints keep a failed statement from aborting the records around it; they are
    // only needed when something written before or after a failure stays.
    let savepoints =
        plan.mode != BatchMode::Rollback && (plan.record_count() > 1 || plan.has_relations());
    let mut store = PgStore::new(handle, client, schema, savepoints);
    plan.run(&mut store)
}
