//! Writes by filter (`PUT` / `PATCH` / `DELETE` with `filter`) and `force` deletes: one
//! statement for every matching row, restricted by the client's filter AND the role's.
//! A failure fails the request and the transaction is rolled back (nothing is changed).

use deadpool_postgres::GenericClient;
use sluice_connector_core::{
    ColumnValue, Condition, ConnectorError, RecordError, WriteAction, WriteOutput, WritePlan,
};

use super::Finished;
use super::constraint::{Statement, record_failure};
use super::store::PgStore;
use crate::compile::{compile_delete, compile_update};
use crate::execute::fetch_reselected;

pub(super) fn run<C: GenericClient>(
    store: &PgStore<'_, C>,
    plan: &WritePlan,
) -> Result<Finished, ConnectorError> {
    let output = match &plan.action {
        WriteAction::UpdateMatching { changes, condition } => {
            update(store, plan, changes, condition)?;
            // Read after the update: rows the change moved out of the filter are not listed.
            listing(store, plan, condition)?
        }
        WriteAction::DeleteMatching { condition } => {
            let listed = listing(store, plan, condition)?;
            delete(store, plan, Some(condition))?;
            listed
        }
        WriteAction::DeleteAll => {
            delete(store, plan, plan.role.as_ref())?;
            WriteOutput::success()
        }
        _ => {
            return Err(ConnectorError::Internal(
                "a per-record write was run as a filter write".to_owned(),
            ));
        }
    };
    Ok(Finished::commit(Ok(output)))
}

/// Every matching row in one UPDATE. With a role filter, each updated row is checked as
/// written; one outside the filter fails the whole request with 403.
fn update<C: GenericClient>(
    store: &PgStore<'_, C>,
    plan: &WritePlan,
    changes: &[ColumnValue],
    condition: &Condition,
) -> Result<(), ConnectorError> {
    let compiled = compile_update(
        store.schema,
        &plan.table,
        changes,
        condition,
        plan.role.as_ref(),
    );
    let outcome = if plan.role.is_some() {
        store.rows(&compiled).and_then(|rows| {
            for row in &rows {
                if !row.try_get::<_, bool>(0)? {
                    return Ok(Err(RecordError::Forbidden));
                }
            }
            Ok(Ok(()))
        })
    } else {
        store.execute(&compiled).map(|_| Ok(()))
    };
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(error.into_connector_error()),
        Err(error) => {
            Err(record_failure(&plan.table, error, Statement::Writing)?.into_connector_error())
        }
    }
}

fn delete<C: GenericClient>(
    store: &PgStore<'_, C>,
    plan: &WritePlan,
    condition: Option<&Condition>,
) -> Result<(), ConnectorError> {
    let compiled = compile_delete(store.schema, &plan.table, condition);
    match store.execute(&compiled) {
        Ok(_) => Ok(()),
        Err(error) => {
            Err(record_failure(&plan.table, error, Statement::Deleting)?.into_connector_error())
        }
    }
}

/// The rows matching `condition` with the plan's fields (by default the primary key), at
/// most `listing_limit`, as `{"resource":[...]}`.
fn listing<C: GenericClient>(
    store: &PgStore<'_, C>,
    plan: &WritePlan,
    condition: &Condition,
) -> Result<WriteOutput, ConnectorError> {
    let (Some(query), Some(reselect)) = (plan.select_matching(condition), &plan.reselect) else {
        return Err(ConnectorError::Internal(
            "a filter write without a listing".to_owned(),
        ));
    };
    let rows = fetch_reselected(store.handle, store.client, store.schema, &query, reselect)?;
    plan.finish(rows.into_iter().map(Ok).collect(), None)
}
