//! Nested writes: keys of a written record that name one of its
//! table's relationships carry related records.
//!
//! - belongs_to (an object) is written **before** the record: without a primary key it is
//!   inserted, with one it is updated when it exists (and has more than its key) or
//!   inserted, and the record's foreign key is set to it;
//! - has_many (a list) **after** it: records without a key are inserted with the foreign
//!   key set; a key alone adopts the record; a key and other fields updates it (and adopts
//!   it); the foreign key given as `null` disowns it (deletes it when the column is NOT NULL
//!   and `allow_related_delete=true`);
//! - many_many (a list) after it too: far records are inserted or updated as above, and the
//!   junction rows linking them are created when missing; `"{table}.{pk}": null` in an item
//!   removes the link.
//!
//! Every statement goes through the [`RecordStore`] of the connector, inside the request's
//! transaction, and is checked with the role's access to its table for the verb
//! DreamFactory's internal request would use (`GET`, `POST`, `PATCH`, `DELETE`), row filter
//! and hidden fields included. Each statement is atomic; a failure stops the record's
//! nested writes and fails the record with DreamFactory's wrapped message. Like
//! DreamFactory, what was written before the failure stays unless `rollback=true`.

mod children;
mod parent;
mod relations;
mod save;

pub use relations::RecordRelations;
pub(crate) use relations::split_relations;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::access::TableAccess;
use crate::condition::{ComparisonOp, Condition};
use crate::error::ConnectorError;
use crate::related::{TableVerb, TableView, table_view};
use crate::relation::{Relation, RelationKind};
use crate::schema::{ColumnRef, SchemaSnapshot, TableSchema};
use crate::value::BoundValue;
use crate::write::outcome::RecordError;
use crate::write::plan::{ColumnValue, WritePlan};
use crate::write::record::RecordReader;

/// The statements nested writes need, run by the connector inside the request's
/// transaction. Each is atomic: a statement that fails or is refused leaves nothing behind.
pub trait RecordStore {
    /// `INSERT`; `check` is the role's condition the written row must satisfy (otherwise
    /// the row is undone and the result is [`RecordError::Forbidden`]). Answers the new
    /// row's rowid.
    ///
    /// # Errors
    ///
    /// `Ok(Err(_))` for the record's own failure (a constraint, the check); `Err` for the
    /// request's (busy, disk full, ...).
    fn insert(
        &mut self,
        table: &TableSchema,
        values: &[ColumnValue],
        check: Option<&Condition>,
    ) -> Result<Result<i64, RecordError>, ConnectorError>;

    /// `UPDATE ... SET changes WHERE condition`, answering the rows changed; a row the
    /// change would leave outside `check` undoes the statement ([`RecordError::Forbidden`]).
    ///
    /// # Errors
    ///
    /// As [`RecordStore::insert`].
    fn update(
        &mut self,
        table: &TableSchema,
        changes: &[ColumnValue],
        condition: &Condition,
        check: Option<&Condition>,
    ) -> Result<Result<u64, RecordError>, ConnectorError>;

    /// `DELETE ... WHERE condition`, answering the rows deleted.
    ///
    /// # Errors
    ///
    /// As [`RecordStore::insert`].
    fn delete(
        &mut self,
        table: &TableSchema,
        condition: &Condition,
    ) -> Result<Result<u64, RecordError>, ConnectorError>;

    /// `SELECT columns WHERE condition LIMIT limit`, the values of each row.
    ///
    /// # Errors
    ///
    /// The request's error.
    fn select(
        &mut self,
        table: &TableSchema,
        columns: &[ColumnRef],
        condition: &Condition,
        limit: u64,
    ) -> Result<Vec<Vec<BoundValue>>, ConnectorError>;
}

/// What nested writes need from the request, kept in the plan.
#[derive(Clone)]
pub(crate) struct NestedContext {
    pub(crate) schema: Arc<SchemaSnapshot>,
    pub(crate) access: TableAccess,
    pub(crate) allow_related_delete: bool,
    pub(crate) max_depth: usize,
}

impl fmt::Debug for NestedContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NestedContext")
            .field("allow_related_delete", &self.allow_related_delete)
            .field("max_depth", &self.max_depth)
            .finish_non_exhaustive()
    }
}

/// A written record as nested writes see it: what it was written with, its identifier
/// (for the table's key columns) and its rowid when it was inserted.
#[derive(Debug, Clone, Copy)]
pub struct ParentRow<'a> {
    pub values: &'a [ColumnValue],
    pub key: &'a [BoundValue],
    pub rowid: Option<i64>,
}

/// Why one nested step failed, before the relationship's wrapper is put around it.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The line after the wrapper: DreamFactory's message of the failed internal request.
    message: String,
    /// The underlying error object.
    error: Value,
}

impl Failure {
    /// A statement on a related table failed: DreamFactory's internal request answers with
    /// its batch error.
    fn statement(participle: &str, error: &RecordError) -> Self {
        Self {
            message: format!("Batch Error: Not all requested records could be {participle}."),
            error: error.to_json(),
        }
    }

    /// A check failed before any statement.
    fn check(status: u16, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            error: json!({"code": status, "context": null, "message": message,
                          "status_code": status}),
            message,
        }
    }

    fn from_view(error: ConnectorError) -> Result<Self, ConnectorError> {
        match error {
            ConnectorError::Forbidden(message) => Ok(Self::check(403, message)),
            other => Err(other),
        }
    }
}

/// A nested step: the request's error, or the step's outcome.
type Step<T> = Result<Result<T, Failure>, ConnectorError>;

/// The value of a step, or its failure returned from the enclosing step.
macro_rules! attempt {
    ($step:expr) => {
        match $step? {
            Ok(value) => value,
            Err(failure) => return Ok(Err(failure)),
        }
    };
}

/// The value of a check, or its failure returned from the enclosing step.
macro_rules! check {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(failure) => return Ok(Err(failure)),
        }
    };
}

pub(crate) use attempt;
pub(crate) use check;

/// `name` in `table` as the caller may see it; a hidden column closes the relationship.
fn visible(table: &TableSchema, name: &str, relation: &Relation) -> Result<ColumnRef, Failure> {
    table.column_ref(name).ok_or_else(|| {
        Failure::check(
            400,
            format!("Invalid relationship '{}' requested.", relation.name),
        )
    })
}

/// An identifier as the client would have written it, for `Record with identifier 'x' not
/// found.`
fn raw(value: &BoundValue) -> String {
    match value {
        BoundValue::Null => String::new(),
        BoundValue::Integer(i) => i.to_string(),
        BoundValue::Real(f) => f.to_string(),
        BoundValue::Text(text) => text.clone(),
        BoundValue::Blob(bytes) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The value `column` was written with, if not `NULL`.
fn written(values: &[ColumnValue], column: ColumnRef) -> Option<BoundValue> {
    values
        .iter()
        .find(|v| v.column == column && v.value != BoundValue::Null)
        .map(|v| v.value.clone())
}

/// DreamFactory's wrapper of a relationship's failure; `index` is the related record's
/// position in a list.
fn wrap(relation: &Relation, index: Option<usize>, failure: Failure) -> RecordError {
    let prefix = match relation.kind {
        RelationKind::BelongsTo => "Failed to update belongs-to assignment.",
        RelationKind::HasMany => "Failed to update many to one assignment.",
        RelationKind::ManyMany => "Failed to update many to one map assignment.",
    };
    let mut context = json!({"related": relation.name, "error": failure.error});
    if let Some(index) = index {
        context["index"] = json!(index);
    }
    RecordError::Related {
        message: format!("{prefix}\n{}", failure.message),
        context,
    }
}

/// `column = value`.
fn equals(column: ColumnRef, value: BoundValue) -> Condition {
    Condition::Compare {
        column,
        op: ComparisonOp::Eq,
        value,
    }
}

/// `condition AND role`.
fn guarded(condition: Condition, role: Option<&Condition>) -> Condition {
    match role {
        Some(role) => Condition::And(vec![condition, role.clone()]),
        None => condition,
    }
}

/// Runs the nested writes of the records of one plan; caches the role's view of each
/// related table per verb.
pub struct NestedWriter<'p> {
    plan: &'p WritePlan,
    views: HashMap<(String, TableVerb), TableView>,
}

impl WritePlan {
    /// The runner of this plan's nested writes (see [`RecordRelations`]).
    pub fn nested_writer(&self) -> NestedWriter<'_> {
        NestedWriter {
            plan: self,
            views: HashMap::new(),
        }
    }
}

impl NestedWriter<'_> {
    fn context(&self) -> &NestedContext {
        &self.plan.nested
    }

    /// A table of the snapshot, in full (for types and keys; visibility is the views').
    fn full_table(&self, name: &str) -> Result<Arc<TableSchema>, ConnectorError> {
        self.context().schema.table(name).cloned().ok_or_else(|| {
            ConnectorError::Internal(format!("related table '{name}' is not in the schema"))
        })
    }

    /// Reads records against `table` with the request's lookups and user.
    fn reader<'t>(&'t self, table: &'t TableSchema) -> RecordReader<'t> {
        RecordReader {
            table,
            lookups: self.context().access.lookups(),
            user_id: self.context().access.user_id(),
        }
    }

    /// The belongs_to records of a record of the plan's table, written before it: the
    /// foreign key values they give the record.
    ///
    /// # Errors
    ///
    /// `Ok(Err(_))`: the record fails with DreamFactory's wrapped message (records written
    /// before the failure stay, as in DreamFactory, unless the batch rolls back); `Err`:
    /// the request fails.
    pub fn before(
        &mut self,
        store: &mut dyn RecordStore,
        relations: &RecordRelations,
    ) -> Result<Result<Vec<ColumnValue>, RecordError>, ConnectorError> {
        let table = Arc::clone(&self.plan.table);
        let mut set = Vec::with_capacity(relations.parents.len());
        for (relation, parent) in &relations.parents {
            match self.belongs_to(store, &table, relation, parent, 1)? {
                Ok(value) => set.push(value),
                Err(error) => return Ok(Err(error)),
            }
        }
        Ok(Ok(set))
    }

    /// The has_many and many_many records of a record of the plan's table, written after
    /// it (`parent`).
    ///
    /// # Errors
    ///
    /// As [`NestedWriter::before`].
    pub fn after(
        &mut self,
        store: &mut dyn RecordStore,
        relations: &RecordRelations,
        parent: ParentRow<'_>,
    ) -> Result<Result<(), RecordError>, ConnectorError> {
        let table = Arc::clone(&self.plan.table);
        let key_columns = self.plan.key_columns.clone();
        self.children(store, &table, &key_columns, relations, parent, 1)
    }

    /// `table` as the caller may use it with `verb`.
    fn view(&mut self, table: &str, verb: TableVerb) -> Step<TableView> {
        let cache_key = (table.to_ascii_lowercase(), verb);
        if let Some(view) = self.views.get(&cache_key) {
            return Ok(Ok(view.clone()));
        }
        let context = &self.plan.nested;
        match table_view(
            &context.schema,
            context.access.related(),
            context.access.lookups(),
            table,
            verb,
        ) {
            Ok(view) => {
                self.views.insert(cache_key, view.clone());
                Ok(Ok(view))
            }
            Err(error) => Failure::from_view(error).map(Err),
        }
    }
}

/// The single-column primary key of a related table (as the caller may see it, for a
/// restricted copy): how related records are addressed.
fn primary_key(table: &TableSchema) -> Result<ColumnRef, Failure> {
    match table.primary_key() {
        [key] => Ok(*key),
        [] => Err(Failure::check(
            400,
            format!(
                "Records of table '{}' can not be related: it has no primary key the caller \
                 may read.",
                table.name()
            ),
        )),
        _ => Err(Failure::check(
            501,
            "Relating records with multiple field primary keys is not currently supported.",
        )),
    }
}
