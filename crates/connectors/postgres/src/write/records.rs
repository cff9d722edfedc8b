//! Per-record writes (`POST`, and `PUT` / `PATCH` / `DELETE` of identified records): one
//! prepared statement per record inside the request's transaction, with DreamFactory's
//! batch rules (stop at the first failure, `continue`, `rollback`), as the SQLite
//! connector runs them.

use deadpool_postgres::GenericClient;
use sluice_connector_core::{
    BatchMode, BoundValue, ColumnValue, Condition, ConnectorError, InsertRecord, NestedWriter,
    ParentRow, RecordError, RecordKey, RecordRelations, RecordResult, RecordStore, UpdateRecord,
    WriteAction, WriteKind, WritePlan,
};

use super::Finished;
use super::constraint::Statement;
use super::store::PgStore;
use crate::compile::{compile_delete, compile_exists};
use crate::error::map_error;
use crate::execute::fetch_reselected;

/// Keys per read-back query: one `IN` list for single-column keys (PostgreSQL binds up to
/// 65,535 values); composite keys become `OR`ed groups, kept in smaller chunks.
const SINGLE_KEY_CHUNK: usize = 10_000;
const COMPOSITE_KEY_CHUNK: usize = 1_000;

/// A record that was written: its identifier and its response object.
struct Written {
    key: Vec<BoundValue>,
    json: Vec<u8>,
}

type Attempt = Result<Result<Written, RecordError>, ConnectorError>;

/// Runs the per-record actions of `plan` in the request's transaction.
pub(super) fn run<C: GenericClient>(
    mut store: PgStore<'_, C>,
    plan: &WritePlan,
) -> Result<Finished, ConnectorError> {
    let count = record_count(plan);
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
                if plan.mode != BatchMode::Continue {
                    break;
                }
            }
        }
    }
    if failed && plan.mode == BatchMode::Rollback {
        return Ok(Finished::rolled_back(Err(plan.rolled_back(results))));
    }
    if failed && !store.savepoints {
        // Without savepoints the failed statement aborted the transaction; nothing else
        // was written (one record without nested writes), so the answer is the same.
        return Ok(Finished::rolled_back(plan.finish(results, None)));
    }
    let reselected = if failed || plan.kind == WriteKind::Delete {
        None
    } else {
        read_back(&store, plan, &keys)?
    };
    Ok(Finished::commit(plan.finish(results, reselected)))
}

/// The records (or keys) the plan writes one by one.
pub(super) fn record_count(plan: &WritePlan) -> usize {
    match &plan.action {
        WriteAction::Insert(records) => records.len(),
        WriteAction::Update { records, .. } => records.len(),
        WriteAction::Delete(keys) => keys.len(),
        _ => 0,
    }
}

fn attempt<C: GenericClient>(
    store: &mut PgStore<'_, C>,
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
            Ok(key) => delete(store, plan, key),
            Err(error) => Ok(Err(error.clone())),
        },
        _ => Err(ConnectorError::Internal(
            "a filter write was run as a per-record write".to_owned(),
        )),
    }
}

/// The record's values with those its belongs_to relationships set (written first).
fn with_parents(
    store: &mut dyn RecordStore,
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
    store: &mut dyn RecordStore,
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

fn insert<C: GenericClient>(
    store: &mut PgStore<'_, C>,
    nested: &mut NestedWriter<'_>,
    plan: &WritePlan,
    record: &InsertRecord,
) -> Attempt {
    let relations = record.relations.as_ref();
    let values = match with_parents(store, nested, &record.values, relations)? {
        Ok(values) => values,
        Err(error) => return Ok(Err(error)),
    };
    let assigned = match store.insert(&plan.table, &values, plan.role.as_ref())? {
        Ok(assigned) => assigned,
        Err(error) => return Ok(Err(error)),
    };
    let key = plan.inserted_key(&values, assigned);
    let parent = ParentRow {
        values: &values,
        key: &key,
        rowid: Some(assigned),
    };
    with_children(store, nested, plan, relations, parent)
}

/// `UPDATE ... WHERE key AND role`. No row: the record does not exist for this caller,
/// unless upsert is on and no row has the key at all, which inserts it. A record with only
/// related records runs no UPDATE but must exist for the caller.
fn update<C: GenericClient>(
    store: &mut PgStore<'_, C>,
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
    if !upsert || changes.is_empty() || exists(store, plan, &key)? {
        return Ok(Err(RecordError::NotFound(record.key.raw.clone())));
    }
    let values = plan.upsert_values(&record.key, &changes);
    let assigned = match store.insert(&plan.table, &values, plan.role.as_ref())? {
        Ok(assigned) => assigned,
        Err(error) => return Ok(Err(error)),
    };
    let parent = ParentRow {
        values: &values,
        key: &record.key.values,
        rowid: Some(assigned),
    };
    with_children(store, nested, plan, relations, parent)
}

/// `DELETE ... WHERE key AND role`; with `fields`, the row is read first and is the
/// record's answer.
fn delete<C: GenericClient>(store: &PgStore<'_, C>, plan: &WritePlan, key: &RecordKey) -> Attempt {
    let before = match plan.select_keys(std::slice::from_ref(&key.values)) {
        Some(query) => {
            let Some(reselect) = plan.reselect.as_ref() else {
                return Err(ConnectorError::Internal("read-back without fields".into()));
            };
            let rows =
                fetch_reselected(store.handle, store.client, store.schema, &query, reselect)?;
            match rows.into_iter().next() {
                Some(row) => Some(row),
                None => return Ok(Err(RecordError::NotFound(key.raw.clone()))),
            }
        }
        None => None,
    };
    let condition = plan.guarded(plan.key_condition(&key.values));
    let compiled = compile_delete(store.schema, &plan.table, Some(&condition));
    let deleted = store.within_record(&plan.table, Statement::Deleting, || {
        store.execute(&compiled).map(Ok)
    })?;
    match deleted {
        Ok(0) => Ok(Err(RecordError::NotFound(key.raw.clone()))),
        Ok(_) => Ok(Ok(Written {
            key: key.values.clone(),
            json: before.unwrap_or_else(|| plan.identifier_json(&key.values)),
        })),
        Err(error) => Ok(Err(error)),
    }
}

/// Whether any row has the key, whatever the role may see: an upsert must not insert a
/// second row beside one the caller cannot see.
fn exists<C: GenericClient>(
    store: &PgStore<'_, C>,
    plan: &WritePlan,
    key: &Condition,
) -> Result<bool, ConnectorError> {
    let compiled = compile_exists(store.schema, &plan.table, key);
    store
        .rows(&compiled)
        .map(|rows| !rows.is_empty())
        .map_err(map_error)
}

/// The written rows read back with `fields`, in database order.
fn read_back<C: GenericClient>(
    store: &PgStore<'_, C>,
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
            rows.extend(fetch_reselected(
                store.handle,
                store.client,
                store.schema,
                &query,
                reselect,
            )?);
        }
    }
    Ok(Some(rows))
}
