//! Writes by filter (`PUT` / `PATCH` / `DELETE` with `filter`) and `force` deletes: one
//! statement for every matching row, restricted by the client's filter AND the role's.

use rusqlite::Connection;
use sluice_connector_core::{
    ColumnValue, Condition, ConnectorError, RecordError, WriteAction, WriteOutput, WritePlan,
};

use super::constraint::{Statement, commit_failure, record_failure};
use super::transaction::Transaction;
use crate::compile::{compile_delete, compile_update};
use crate::error::map_error;
use crate::execute::{binds, fetch_reselected};

pub(super) fn run(
    connection: &Connection,
    plan: &WritePlan,
) -> Result<WriteOutput, ConnectorError> {
    let transaction = Transaction::begin(connection)?;
    let output = match &plan.action {
        WriteAction::UpdateMatching { changes, condition } => {
            update(connection, plan, changes, condition)?;
            // Read after the update: rows the change moved out of the filter are not listed.
            listing(connection, plan, condition)?
        }
        WriteAction::DeleteMatching { condition } => {
            let listed = listing(connection, plan, condition)?;
            delete(connection, plan, Some(condition))?;
            listed
        }
        WriteAction::DeleteAll => {
            delete(connection, plan, plan.role.as_ref())?;
            WriteOutput::success()
        }
        _ => {
            return Err(ConnectorError::Internal(
                "a per-record write was run as a filter write".to_owned(),
            ));
        }
    };
    transaction.commit().map_err(commit_failure)?;
    Ok(output)
}

/// Every matching row in one UPDATE. With a role filter, each updated row is checked as
/// written; one outside the filter fails the whole statement with 403 and the transaction
/// is rolled back (nothing is changed).
fn update(
    connection: &Connection,
    plan: &WritePlan,
    changes: &[ColumnValue],
    condition: &Condition,
) -> Result<(), ConnectorError> {
    let compiled = compile_update(&plan.table, changes, condition, plan.role.as_ref());
    let mut statement = connection
        .prepare_cached(&compiled.sql)
        .map_err(map_error)?;
    let stepped = if plan.role.is_some() {
        statement
            .query_map(binds(&compiled), |row| row.get::<_, i64>(0))
            .and_then(|checks| checks.collect::<Result<Vec<i64>, _>>())
    } else {
        statement.execute(binds(&compiled)).map(|_| Vec::new())
    };
    match stepped {
        Ok(checks) if checks.contains(&0) => Err(RecordError::Forbidden.into_connector_error()),
        Ok(_) => Ok(()),
        Err(error) => {
            Err(
                record_failure(connection, &plan.table, error, Statement::Writing(changes))?
                    .into_connector_error(),
            )
        }
    }
}

fn delete(
    connection: &Connection,
    plan: &WritePlan,
    condition: Option<&Condition>,
) -> Result<(), ConnectorError> {
    let compiled = compile_delete(&plan.table, condition);
    let deleted = connection
        .prepare_cached(&compiled.sql)
        .and_then(|mut statement| statement.execute(binds(&compiled)));
    match deleted {
        Ok(_) => Ok(()),
        Err(error) => Err(
            record_failure(connection, &plan.table, error, Statement::Deleting)?
                .into_connector_error(),
        ),
    }
}

/// The rows matching `condition` with the plan's fields (by default the primary key), at
/// most `listing_limit`, as `{"resource":[...]}`.
fn listing(
    connection: &Connection,
    plan: &WritePlan,
    condition: &Condition,
) -> Result<WriteOutput, ConnectorError> {
    let (Some(query), Some(reselect)) = (plan.select_matching(condition), &plan.reselect) else {
        return Err(ConnectorError::Internal(
            "a filter write without a listing".to_owned(),
        ));
    };
    let rows = fetch_reselected(connection, &query, reselect)?;
    plan.finish(rows.into_iter().map(Ok).collect(), None)
}
