//! Per-record writes (`POST`, and `PUT` / `PATCH` / `DELETE` of identified records): one
//! prepared statement per record inside the request's transaction, with DreamFactory's
//! batch rules (wire reference 4.4).
//!
//! Records are checked and typed before the transaction starts (`WritePlan`), so the loop
//! only binds and steps cached statements: records with the same fields reuse one prepared
//! INSERT, which is what makes large POSTs fast.

use rusqlite::Connection;
use sluice_connector_core::{
    BatchMode, BoundValue, ConnectorError, InsertRecord, RecordError, RecordKey, RecordResult,
    UpdateRecord, WriteAction, WriteKind, WriteOutput, WritePlan,
};

use super::constraint::{Statement, commit_failure, record_failure};
use super::transaction::{Transaction, within_record};
use crate::compile::{compile_delete, compile_exists, compile_insert, compile_update};
use crate::error::map_error;
use crate::execute::{binds, fetch_json_rows};

/// Keys per read-back query: one `IN` list for single-column keys (10,000 records bind
/// well below SQLite's 32,766 parameters); composite keys become `OR`ed groups, which
/// SQLite nests one level per term, so they go in small chunks to stay far from its
/// expression depth limit of 1,000.
const SINGLE_KEY_CHUNK: usize = 10_000;
const COMPOSITE_KEY_CHUNK: usize = 200;

/// A record that was written: its identifier and its response object.
struct Written {
    key: Vec<BoundValue>,
    json: Vec<u8>,
}

type Attempt = Result<Result<Written, RecordError>, ConnectorError>;

/// Runs the per-record actions of `plan` in one transaction.
pub(super) fn run(
    connection: &Connection,
    plan: &WritePlan,
) -> Result<WriteOutput, ConnectorError> {
    let count = match &plan.action {
        WriteAction::Insert(records) => records.len(),
        WriteAction::Update { records, .. } => records.len(),
        WriteAction::Delete(keys) => keys.len(),
        _ => 0,
    };
    // In rollback mode a failure undoes everything anyway; elsewhere a record that must be
    // undone after its statement succeeded needs its own savepoint.
    let savepoints = plan.role.is_some() && plan.mode != BatchMode::Rollback;
    let transaction = Transaction::begin(connection)?;
    let mut results: Vec<RecordResult> = Vec::with_capacity(count);
    let mut keys = Vec::with_capacity(count);
    let mut failed = false;
    for index in 0..count {
        match within_record(connection, savepoints, || attempt(connection, plan, index))? {
            Ok(written) => {
                keys.push(written.key);
                results.push(Ok(written.json));
            }
            Err(error) => {
                failed = true;
                results.push(Err(error));
                // A trigger's RAISE(ROLLBACK) ends the transaction with the record: the
                // records before it are gone too, so report the batch as rolled back.
                if connection.is_autocommit() {
                    return Err(plan.rolled_back(results));
                }
                if plan.mode != BatchMode::Continue {
                    break;
                }
            }
        }
    }
    if failed && plan.mode == BatchMode::Rollback {
        transaction.rollback()?;
        return Err(plan.rolled_back(results));
    }
    let reselected = if failed || plan.kind == WriteKind::Delete {
        None
    } else {
        read_back(connection, plan, &keys)?
    };
    transaction.commit().map_err(commit_failure)?;
    plan.finish(results, reselected)
}

fn attempt(connection: &Connection, plan: &WritePlan, index: usize) -> Attempt {
    match &plan.action {
        WriteAction::Insert(records) => match &records[index] {
            Ok(record) => insert(connection, plan, record),
            Err(error) => Ok(Err(error.clone())),
        },
        WriteAction::Update { records, upsert } => match &records[index] {
            Ok(record) => update(connection, plan, record, *upsert),
            Err(error) => Ok(Err(error.clone())),
        },
        WriteAction::Delete(keys) => match &keys[index] {
            Ok(key) => delete(connection, plan, key),
            Err(error) => Ok(Err(error.clone())),
        },
        _ => Err(ConnectorError::Internal(
            "a filter write was run as a per-record write".to_owned(),
        )),
    }
}

fn insert(connection: &Connection, plan: &WritePlan, record: &InsertRecord) -> Attempt {
    let compiled = compile_insert(&plan.table, &record.values, plan.role.as_ref());
    let mut statement = connection
        .prepare_cached(&compiled.sql)
        .map_err(map_error)?;
    let stepped = if plan.role.is_some() {
        statement.query_row(binds(&compiled), |row| row.get::<_, i64>(0))
    } else {
        statement.execute(binds(&compiled)).map(|_| 1)
    };
    match stepped {
        Ok(0) => Ok(Err(RecordError::Forbidden)),
        Ok(_) => {
            let key = plan.inserted_key(record, connection.last_insert_rowid());
            let json = plan.identifier_json(&key);
            Ok(Ok(Written { key, json }))
        }
        Err(error) => failure(connection, plan, error, Statement::Writing(&record.values)),
    }
}

/// `UPDATE ... WHERE key AND role`. No row: the record does not exist for this caller,
/// unless upsert is on and no row has the key at all, which inserts it.
fn update(
    connection: &Connection,
    plan: &WritePlan,
    record: &UpdateRecord,
    upsert: bool,
) -> Attempt {
    let key = plan.key_condition(&record.key.values);
    let condition = plan.guarded(key.clone());
    let compiled = compile_update(&plan.table, &record.changes, &condition, plan.role.as_ref());
    let mut statement = connection
        .prepare_cached(&compiled.sql)
        .map_err(map_error)?;
    let stepped = if plan.role.is_some() {
        statement
            .query_map(binds(&compiled), |row| row.get::<_, i64>(0))
            .and_then(|checks| checks.collect::<Result<Vec<i64>, _>>())
    } else {
        statement
            .execute(binds(&compiled))
            .map(|changed| vec![1; changed])
    };
    let checks = match stepped {
        Ok(checks) => checks,
        Err(error) => {
            return failure(connection, plan, error, Statement::Writing(&record.changes));
        }
    };
    if checks.is_empty() {
        if upsert && !exists(connection, plan, &key)? {
            let values = plan.upsert_values(record);
            return insert(connection, plan, &InsertRecord { values });
        }
        return Ok(Err(RecordError::NotFound(record.key.raw.clone())));
    }
    if checks.contains(&0) {
        return Ok(Err(RecordError::Forbidden));
    }
    let json = plan.identifier_json(&record.key.values);
    Ok(Ok(Written {
        key: record.key.values.clone(),
        json,
    }))
}

/// `DELETE ... WHERE key AND role`; with `fields`, the row is read first and is the
/// record's answer.
fn delete(connection: &Connection, plan: &WritePlan, key: &RecordKey) -> Attempt {
    let before = match plan.select_keys(std::slice::from_ref(&key.values)) {
        Some(query) => {
            let rows = plan.reselect.as_ref().map(|reselect| &reselect.rows);
            let Some(rows) = rows else {
                return Err(ConnectorError::Internal("read-back without fields".into()));
            };
            match fetch_json_rows(connection, &query, rows)?
                .into_iter()
                .next()
            {
                Some(row) => Some(row),
                None => return Ok(Err(RecordError::NotFound(key.raw.clone()))),
            }
        }
        None => None,
    };
    let condition = plan.guarded(plan.key_condition(&key.values));
    let compiled = compile_delete(&plan.table, Some(&condition));
    let deleted = connection
        .prepare_cached(&compiled.sql)
        .and_then(|mut statement| statement.execute(binds(&compiled)));
    match deleted {
        Ok(0) => Ok(Err(RecordError::NotFound(key.raw.clone()))),
        Ok(_) => Ok(Ok(Written {
            key: key.values.clone(),
            json: before.unwrap_or_else(|| plan.identifier_json(&key.values)),
        })),
        Err(error) => failure(connection, plan, error, Statement::Deleting),
    }
}

/// Whether any row has the key, whatever the role may see: an upsert must not insert a
/// second row beside one the caller cannot see.
fn exists(
    connection: &Connection,
    plan: &WritePlan,
    key: &sluice_connector_core::Condition,
) -> Result<bool, ConnectorError> {
    let compiled = compile_exists(&plan.table, key);
    connection
        .prepare_cached(&compiled.sql)
        .and_then(|mut statement| statement.exists(binds(&compiled)))
        .map_err(map_error)
}

fn failure(
    connection: &Connection,
    plan: &WritePlan,
    error: rusqlite::Error,
    statement: Statement<'_>,
) -> Attempt {
    record_failure(connection, &plan.table, error, statement).map(Err)
}

/// The written rows read back with `fields`, in database order.
fn read_back(
    connection: &Connection,
    plan: &WritePlan,
    keys: &[Vec<BoundValue>],
) -> Result<Option<Vec<Vec<u8>>>, ConnectorError> {
    let Some(reselect) = &plan.reselect else {
        return Ok(None);
    };
    let chunk = if plan.key_columns.len() == 1 {
        SINGLE_KEY_CHUNK
    } else {
        COMPOSITE_KEY_CHUNK
    };
    let mut rows = Vec::with_capacity(keys.len());
    for keys in keys.chunks(chunk) {
        if let Some(query) = plan.select_keys(keys) {
            rows.extend(fetch_json_rows(connection, &query, &reselect.rows)?);
        }
    }
    Ok(Some(rows))
}
