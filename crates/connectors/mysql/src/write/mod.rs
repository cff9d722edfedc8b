//! Running a `WritePlan` in one transaction on a blocking thread: core's
//! [`WritePlan::run`] drives the records, batches and nested writes; this supplies the
//! statements ([`MysqlStore`]).
//!
//! Core's writer calls the store synchronously, so a write runs on a blocking thread of
//! the runtime (never on one of its async workers) and awaits each statement there with
//! `Handle::block_on`, as reads with related data do.

mod constraint;
mod store;

use mysql_async::prelude::Queryable;
use sluice_connector_core::{ConnectorError, WriteDone, WritePlan};
use tokio::runtime::Handle;

use store::MysqlStore;

/// Runs `plan` on `conn`, an open transaction. An `Err` is the request's failure (the
/// caller rolls back); otherwise [`WriteDone`] says whether to commit.
pub(crate) fn execute(
    handle: &Handle,
    conn: &mut impl Queryable,
    plan: &WritePlan,
) -> Result<WriteDone, ConnectorError> {
    let mut store = MysqlStore { handle, conn };
    plan.run(&mut store)
}
