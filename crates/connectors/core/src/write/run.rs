//! Running a [`WritePlan`] statement by statement, the same for every connector: the
//! per-record loop with DreamFactory's batch rules (stop at the first failure, `continue`,
//! `rollback`), nested writes, upserts, deletes read back first, writes by filter, and the
//! read-back of the written rows. A connector supplies the statements ([`RecordWriter`])
//! inside the transaction it opened, and commits or rolls back as [`WriteDone`] says.

use crate::condition::Condition;
use crate::error::ConnectorError;
use crate::plan::SelectQuery;
use crate::schema::TableSchema;
use crate::value::BoundValue;
use crate::write::nested::{NestedWriter, ParentRow, RecordRelations, RecordStore};
use crate::write::outcome::{RecordError, RecordResult};
use crate::write::plan::{
    BatchMode, ColumnValue, InsertRecord, RecordKey, Reselect, UpdateRecord, WriteAction, WritePlan,
};
use crate::write::{WriteKind, WriteOutput};

/// Keys per read-back query: one `IN` list for single-column keys (10,000 binds are below
/// SQLite's 32,766 and PostgreSQL's 65,535 parameters); composite keys become `OR`ed groups,
/// which SQLite nests one level per term, so they go in small chunks to stay far from its
/// expression depth limit of 1,000.
const SINGLE_KEY_CHUNK: usize = 10_000;
const COMPOSITE_KEY_CHUNK: usize = 200;

/// The statements of a write beyond those nested writes need, run by the connector inside
/// the request's transaction.
pub trait RecordWriter: RecordStore {
    /// Whether any row matches `condition`, whatever the role may see.
    ///
    /// # Errors
    ///
    /// The request's error.
    fn exists(
        &mut self,
        table: &TableSchema,
        condition: &Condition,
    ) -> Result<bool, ConnectorError>;

    /// The rows of `query` written with `reselect`'s fields and related data, one object
    /// per row, in database order.
    ///
    /// # Errors
    ///
    /// The request's error.
    fn reselect(
        &mut self,
        query: &SelectQuery,
        reselect: &Reselect,
    ) -> Result<Vec<Vec<u8>>, ConnectorError>;

    /// Whether the database ended the whole transaction with the last failure (SQLite: a
    /// trigger's `RAISE(ROLLBACK)`), so nothing written before it stays.
    fn transaction_ended(&self) -> bool {
        false
    }

    /// Whether a failed statement leaves the transaction unusable (PostgreSQL without
    /// savepoints), so the request must be rolled back instead of committed.
    fn failure_aborts(&self) -> bool {
        false
    }
}

/// The answer of a write, and whether its transaction is committed or rolled back.
#[derive(Debug)]
pub struct WriteDone {
    pub commit: bool,
    pub output: Result<WriteOutput, ConnectorError>,
}

impl WriteDone {
    fn commit(output: Result<WriteOutput, ConnectorError>) -> Self {
        Self {
            commit: true,
            output,
        }
    }

    fn roll_back(output: Result<WriteOutput, ConnectorError>) -> Self {
        Self {
            commit: false,
            output,
        }
    }
}

/// A record that was written: its identifier and its response object.
struct Written {
    key: Vec<BoundValue>,
    json: Vec<u8>,
}

type Attempt = Result<Result<Written, RecordError>, ConnectorError>;

impl WritePlan {
    /// The records (or keys) the plan writes one by one; 0 for writes by filter.
    pub fn record_count(&self) -> usize {
        match &self.action {
            WriteAction::Insert(records) => records.len(),
            WriteAction::Update { records, .. } => records.len(),
            WriteAction::Delete(keys) => keys.len(),
            _ => 0,
        }
    }

    /// Runs the whole plan through `store`, inside the transaction the connector opened.
    /// An `Err` is the request's failure: the connector rolls back.
    ///
    /// # Errors
    ///
    /// Whatever the store fails with for the request (not a record's own failure).
    pub fn run(&self, store: &mut dyn RecordWriter) -> Result<WriteDone, ConnectorError> {
        match &self.action {
            WriteAction::Insert(_) | WriteAction::Update { .. } | WriteAction::Delete(_) => {
                self.run_records(store)
            }
            WriteAction::UpdateMatching { changes, condition } => {
                self.update_matching(store, changes, condition)?;
                // Read after the update: rows the change moved out of the filter are not
                // listed.
                Ok(WriteDone::commit(self.listing(store, condition)))
            }
            WriteAction::DeleteMatching { condition } => {
                let listed = self.listing(store, condition)?;
                store
                    .delete(&self.table, condition)?
                    .map_err(RecordError::into_connector_error)?;
                Ok(WriteDone::commit(Ok(listed)))
            }
            WriteAction::DeleteAll => {
                let everything = Condition::And(Vec::new());
                let condition = self.role.as_ref().unwrap_or(&everything);
                store
                    .delete(&self.table, condition)?
                    .map_err(RecordError::into_connector_error)?;
                Ok(WriteDone::commit(Ok(WriteOutput::success())))
            }
        }
    }

    fn run_records(&self, store: &mut dyn RecordWriter) -> Result<WriteDone, ConnectorError> {
        let count = self.record_count();
        let mut nested = self.nested_writer();
        let mut results: Vec<RecordResult> = Vec::with_capacity(count);
        let mut keys = Vec::with_capacity(count);
        let mut failed = false;
        for index in 0..count {
            match self.attempt(store, &mut nested, index)? {
                Ok(written) => {
                    keys.push(written.key);
                    results.push(Ok(written.json));
                }
                Err(error) => {
                    failed = true;
                    results.push(Err(error));
                    if store.transaction_ended() {
                        return Ok(WriteDone::roll_back(Err(self.rolled_back(results))));
                    }
                    if self.mode != BatchMode::Continue {
                        break;
                    }
                }
            }
        }
        if failed && self.mode == BatchMode::Rollback {
            return Ok(WriteDone::roll_back(Err(self.rolled_back(results))));
        }
        if failed && store.failure_aborts() {
            return Ok(WriteDone::roll_back(self.finish(results, None)));
        }
        let reselected = if failed || self.kind == WriteKind::Delete {
            None
        } else {
            self.read_back(store, &keys)?
        };
        Ok(WriteDone::commit(self.finish(results, reselected)))
    }

    fn attempt(
        &self,
        store: &mut dyn RecordWriter,
        nested: &mut NestedWriter<'_>,
        index: usize,
    ) -> Attempt {
        match &self.action {
            WriteAction::Insert(records) => match &records[index] {
                Ok(record) => self.insert(store, nested, record),
                Err(error) => Ok(Err(error.clone())),
            },
            WriteAction::Update { records, upsert } => match &records[index] {
                Ok(record) => self.update(store, nested, record, *upsert),
                Err(error) => Ok(Err(error.clone())),
            },
            WriteAction::Delete(keys) => match &keys[index] {
                Ok(key) => self.delete(store, key),
                Err(error) => Ok(Err(error.clone())),
            },
            _ => Err(ConnectorError::Internal(
                "a filter write was run as a per-record write".to_owned(),
            )),
        }
    }

    /// The record's values with those its belongs_to relationships set (written first).
    fn with_parents(
        store: &mut dyn RecordWriter,
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
        &self,
        store: &mut dyn RecordWriter,
        nested: &mut NestedWriter<'_>,
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
            json: self.identifier_json(parent.key),
        }))
    }

    fn insert(
        &self,
        store: &mut dyn RecordWriter,
        nested: &mut NestedWriter<'_>,
        record: &InsertRecord,
    ) -> Attempt {
        let relations = record.relations.as_ref();
        let values = match Self::with_parents(store, nested, &record.values, relations)? {
            Ok(values) => values,
            Err(error) => return Ok(Err(error)),
        };
        let rowid = match store.insert(&self.table, &values, self.role.as_ref())? {
            Ok(rowid) => rowid,
            Err(error) => return Ok(Err(error)),
        };
        let key = self.inserted_key(&values, rowid);
        let parent = ParentRow {
            values: &values,
            key: &key,
            rowid: Some(rowid),
        };
        self.with_children(store, nested, relations, parent)
    }

    /// `UPDATE ... WHERE key AND role`. No row: the record does not exist for this caller,
    /// unless upsert is on and no row has the key at all, which inserts it (never a second
    /// row beside one the caller cannot see). A record with only related records runs no
    /// UPDATE but must exist for the caller.
    fn update(
        &self,
        store: &mut dyn RecordWriter,
        nested: &mut NestedWriter<'_>,
        record: &UpdateRecord,
        upsert: bool,
    ) -> Attempt {
        let relations = record.relations.as_ref();
        let changes = match Self::with_parents(store, nested, &record.changes, relations)? {
            Ok(changes) => changes,
            Err(error) => return Ok(Err(error)),
        };
        let key = self.key_condition(&record.key.values);
        let condition = self.guarded(key.clone());
        let changed = if changes.is_empty() {
            store
                .select(&self.table, &self.key_columns, &condition, 1)?
                .len() as u64
        } else {
            match store.update(&self.table, &changes, &condition, self.role.as_ref())? {
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
            return self.with_children(store, nested, relations, parent);
        }
        if !upsert || changes.is_empty() || store.exists(&self.table, &key)? {
            return Ok(Err(RecordError::NotFound(record.key.raw.clone())));
        }
        let values = self.upsert_values(&record.key, &changes);
        let rowid = match store.insert(&self.table, &values, self.role.as_ref())? {
            Ok(rowid) => rowid,
            Err(error) => return Ok(Err(error)),
        };
        let parent = ParentRow {
            values: &values,
            key: &record.key.values,
            rowid: Some(rowid),
        };
        self.with_children(store, nested, relations, parent)
    }

    /// `DELETE ... WHERE key AND role`; with `fields`, the row is read first and is the
    /// record's answer.
    fn delete(&self, store: &mut dyn RecordWriter, key: &RecordKey) -> Attempt {
        let before = match (
            self.select_keys(std::slice::from_ref(&key.values)),
            &self.reselect,
        ) {
            (Some(query), Some(reselect)) => match store.reselect(&query, reselect)?.pop() {
                Some(row) => Some(row),
                None => return Ok(Err(RecordError::NotFound(key.raw.clone()))),
            },
            _ => None,
        };
        let condition = self.guarded(self.key_condition(&key.values));
        match store.delete(&self.table, &condition)? {
            Ok(0) => Ok(Err(RecordError::NotFound(key.raw.clone()))),
            Ok(_) => Ok(Ok(Written {
                key: key.values.clone(),
                json: before.unwrap_or_else(|| self.identifier_json(&key.values)),
            })),
            Err(error) => Ok(Err(error)),
        }
    }

    /// The written rows read back with `fields`, in database order.
    fn read_back(
        &self,
        store: &mut dyn RecordWriter,
        keys: &[Vec<BoundValue>],
    ) -> Result<Option<Vec<Vec<u8>>>, ConnectorError> {
        let Some(reselect) = &self.reselect else {
            return Ok(None);
        };
        let chunk = if self.key_columns.len() == 1 {
            SINGLE_KEY_CHUNK
        } else {
            COMPOSITE_KEY_CHUNK
        };
        let mut rows = Vec::with_capacity(keys.len());
        for keys in keys.chunks(chunk) {
            if let Some(query) = self.select_keys(keys) {
                rows.extend(store.reselect(&query, reselect)?);
            }
        }
        Ok(Some(rows))
    }

    /// Every matching row in one UPDATE. With a role filter, each updated row is checked
    /// as written; one outside the filter fails the whole request with 403 (the connector
    /// rolls back: nothing is changed).
    fn update_matching(
        &self,
        store: &mut dyn RecordWriter,
        changes: &[ColumnValue],
        condition: &Condition,
    ) -> Result<(), ConnectorError> {
        store
            .update(&self.table, changes, condition, self.role.as_ref())?
            .map(drop)
            .map_err(RecordError::into_connector_error)
    }

    /// The rows matching `condition` with the plan's fields (by default the primary key),
    /// at most `listing_limit`, as `{"resource":[...]}`.
    fn listing(
        &self,
        store: &mut dyn RecordWriter,
        condition: &Condition,
    ) -> Result<WriteOutput, ConnectorError> {
        let (Some(query), Some(reselect)) = (self.select_matching(condition), &self.reselect)
        else {
            return Err(ConnectorError::Internal(
                "a filter write without a listing".to_owned(),
            ));
        };
        let rows = store.reselect(&query, reselect)?;
        self.finish(rows.into_iter().map(Ok).collect(), None)
    }
}
