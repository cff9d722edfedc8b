//! Per-record writes (`POST`, and `PUT` / `PATCH` / `DELETE` of identified records): one
//! prepared statement per record inside the request's transaction, with DreamFactory's
//! batch rules (stop at the first failure, `continue`, `rollback`).
//!
//! Records are checked and typed before the transaction starts (`WritePlan`), so the loop
//! only binds and steps cached statements: records with the same fields reuse one prepared
//! INSERT, which is what makes large POSTs fast.

use rusqlite::Connection;
use sluice_connector_core::{
    BatchMode, BoundValue, ColumnValue, ConnectorError, InsertRecord, NestedWriter, ParentRow,
    RecordError, RecordKey, RecordRelations, RecordResult, RecordStore, UpdateRecord, WriteAction,
    WriteKind, WriteOutput, WritePlan,
};

use super::constraint::{Statement, commit_failure, record_failure};
use super::store::SqliteStore;
use super::transaction::Transaction;
use crate::compile::{compile_delete, compile_exists};
use crate::error::map_error;
use crate::execute::{binds, fetch_reselected};

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
    let transaction = Transaction::begin(connection)?;
    // Every statement is atomic, and one whose row fails the role's check is undone by its
    // own savepoint (not needed in rollback mode, where a failure undoes everything), so a
    // failed record leaves nothing of that statement behind. Nested writes before the
    // failure stay, as in DreamFactory, unless the batch rolls back.
    let mut store = SqliteStore {
        connection,
        savepoints: plan.mode != BatchMode::Rollback,
    };
    let mut nested = plan.nested_writer();
    let mut results: Vec<RecordResult> = Vec::with_capacity(count);
    let mut keys = Vec::with_capacity(count);
    let mut failed = false;
    for index in 0..count {
        match attempt(&mut store, &mut nested, plan, index)? {
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

fn attempt(
    store: &mut SqliteStore<'_>,
    nested: &mut NestedWriter<'_>,
    plan: &WritePlan,
    index: usize,
) -> Attempt {
    match &plan.action {
        WriteAction::Insert(records) => match &records[index] {
            Ok(record) => insert(store, nested, plan, record),
            Err(error) => Ok(Err(error.clone())),
        },
        WriteAction::Update { records, upsert } => match &records[index] {
            Ok(record) => update(store, nested, plan, record, *upsert),
            Err(error) => Ok(Err(error.clone())),
        },
        WriteAction::Delete(keys) => match &keys[index] {
            Ok(key) => delete(store.connection, plan, key),
            Err(error) => Ok(Err(error.clone())),
        },
        _ => Err(ConnectorError::Internal(
            "a filter write was run as a per-record write".to_owned(),
        )),
    }
}

/// The record's values with those its belongs_to relationships set (written first).
fn with_parents(
    store: &mut SqliteStore<'_>,
    nested: &mut NestedWriter<'_>,
    values: &[ColumnValue],
    relations: Option<&RecordRelations>,
) -> Result<Result<Vec<ColumnValue>, RecordError>, ConnectorError> {
    let mut values = values.to_vec();
    if let Some(relations) = relations {
        let set = match nested.before(store, relations)? {
            Ok(set) => set,
            Err(error) => return Ok(Err(error)),
        };
        values.retain(|v| !set.iter().any(|s| s.column == v.column));
        values.extend(set);
        values.sort_by_key(|v| v.column.index());
    }
    Ok(Ok(values))
}

/// Writes the has_many / many_many records of a written record, then answers it.
fn with_children(
    store: &mut SqliteStore<'_>,
    nested: &mut NestedWriter<'_>,
    plan: &WritePlan,
    relations: Option<&RecordRelations>,
    parent: ParentRow<'_>,
) -> Attempt {
    if let Some(relations) = relations.filter(|r| r.has_children())
        && let Err(error) = nested.after(store, relations, parent)?
    {
        return Ok(Err(error));
    }
    Ok(Ok(Written {
        key: parent.key.to_vec(),
        json: plan.identifier_json(parent.key),
    }))
}

fn insert(
    store: &mut SqliteStore<'_>,
    nested: &mut NestedWriter<'_>,
    plan: &WritePlan,
    record: &InsertRecord,
) -> Attempt {
    let relations = record.relations.as_ref();
    let values = match with_parents(store, nested, &record.values, relations)? {
        Ok(values) => values,
        Err(error) => return Ok(Err(error)),
    };
    let rowid = match store.insert(&plan.table, &values, plan.role.as_ref())? {
        Ok(rowid) => rowid,
        Err(error) => return Ok(Err(error)),
    };
    let key = plan.inserted_key(&values, rowid);
    let parent = ParentRow {
        values: &values,
        key: &key,
        rowid: Some(rowid),
    };
    with_children(store, nested, plan, relations, parent)
}

/// `UPDATE ... WHERE key AND role`. No row: the record does not exist for this caller,
/// unless upsert is on and no row has the key at all, which inserts it. A record with only
/// related records runs no UPDATE but must exist for the caller.
fn update(
    store: &mut SqliteStore<'_>,
    nested: &mut NestedWriter<'_>,
    plan: &WritePlan,
    record: &UpdateRecord,
    upsert: bool,
) -> Attempt {
    let relations = record.relations.as_ref();
    let changes = match with_parents(store, nested, &record.changes, relations)? {
        Ok(changes) => changes,
        Err(error) => return Ok(Err(error)),
    };
    let key = plan.key_condition(&record.key.values);
    let condition = plan.guarded(key.clone());
    let changed = if changes.is_empty() {
        store
            .select(&plan.table, &plan.key_columns, &condition, 1)?
            .len() as u64
    } else {
        match store.update(&plan.table, &changes, &condition, plan.role.as_ref())? {
            Ok(changed) => changed,
            Err(error) => return Ok(Err(error)),
        }
    };
    if changed > 0 {
        let parent = ParentRow {
            values: &changes,
            key: &record.key.values,
            rowid: None,
        };
        return with_children(store, nested, plan, relations, parent);
    }
    if !upsert || changes.is_empty() || exists(store.connection, plan, &key)? {
        return Ok(Err(RecordError::NotFound(record.key.raw.clone())));
    }
    let values = plan.upsert_values(&record.key, &changes);
    let rowid = match store.insert(&plan.table, &values, plan.role.as_ref())? {
        Ok(rowid) => rowid,
        Err(error) => return Ok(Err(error)),
    };
    let parent = ParentRow {
        values: &values,
        key: &record.key.values,
        rowid: Some(rowid),
    };
    with_children(store, nested, plan, relations, parent)
}

/// `DELETE ... WHERE key AND role`; with `fields`, the row is read first and is the
/// record's answer.
fn delete(connection: &Connection, plan: &WritePlan, key: &RecordKey) -> Attempt {
    let before = match plan.select_keys(std::slice::from_ref(&key.values)) {
        Some(query) => {
            let Some(reselect) = plan.reselect.as_ref() else {
                return Err(ConnectorError::Internal("read-back without fields".into()));
            };
            match fetch_reselected(connection, &query, reselect)?
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
        Err(error) => record_failure(connection, &plan.table, error, Statement::Deleting).map(Err),
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
            rows.extend(fetch_reselected(connection, &query, reselect)?);
        }
    }
    Ok(Some(rows))
}
