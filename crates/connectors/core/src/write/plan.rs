//! The driver-independent plan of one write: every record checked and typed, every target
//! resolved, the role's condition ready to be ANDed into each statement and checked on each
//! written row. A connector only turns it into statements and reports what happened.

use std::sync::Arc;

use crate::condition::{ComparisonOp, Condition};
use crate::json::RowWriter;
use crate::plan::{OrderTerm, Projection, SelectQuery};
use crate::related::RelatedPlan;
use crate::schema::{ColumnRef, TableSchema};
use crate::value::BoundValue;
use crate::write::WriteKind;
use crate::write::nested::{NestedContext, RecordRelations};
use crate::write::outcome::RecordError;

/// How a batch treats a failed record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchMode {
    /// The default: stop at the first failure; the records before it stay written.
    StopOnError,
    /// `continue=true`: write every record that can be written, report the others.
    Continue,
    /// `rollback=true`: stop at the first failure and write nothing at all.
    Rollback,
}

/// One column's new value, already typed by the column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnValue {
    pub column: ColumnRef,
    pub value: BoundValue,
}

/// A row to insert: its values in table order (empty only when a belongs_to relationship
/// fills in the rest), and the related records it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertRecord {
    pub values: Vec<ColumnValue>,
    /// Nested writes: run them with [`WritePlan::nested_writer`], belongs_to before the
    /// INSERT, has_many / many_many after it.
    pub relations: Option<RecordRelations>,
}

/// The identifier of one targeted record: one value per identifier column.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordKey {
    /// As the client wrote it, for `Record with identifier '...' not found.` (composite
    /// identifiers from records are joined with commas).
    pub raw: String,
    pub values: Vec<BoundValue>,
}

/// An update of one identified record. `changes` never contains an identifier column or
/// an auto-increment key, and is empty only when the record carries related records (the
/// record must then exist for the caller, but no UPDATE runs).
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateRecord {
    pub key: RecordKey,
    pub changes: Vec<ColumnValue>,
    /// Nested writes, as for [`InsertRecord::relations`].
    pub relations: Option<RecordRelations>,
}

/// What the write does. Per-record variants keep request order; a record that failed
/// checking is an `Err` in its place, so a connector reports it at the right index and
/// stops there (or not) by the plan's [`BatchMode`].
#[derive(Debug, Clone)]
pub enum WriteAction {
    /// `POST`: one INSERT per record.
    Insert(Vec<Result<InsertRecord, RecordError>>),
    /// `PUT` / `PATCH` of identified records: one UPDATE per record, `WHERE key AND role`.
    /// With `upsert`, a record whose key matches no row at all is inserted instead (see
    /// [`WritePlan::upsert_values`]); a row that exists but is outside the role's filter
    /// stays "not found".
    Update {
        records: Vec<Result<UpdateRecord, RecordError>>,
        upsert: bool,
    },
    /// `DELETE` of identified records: one DELETE per record, `WHERE key AND role`.
    Delete(Vec<Result<RecordKey, RecordError>>),
    /// `PUT` / `PATCH` with `filter`: one UPDATE of every row matching `condition` (the
    /// client's filter AND the role's). The answer lists the rows matching it afterwards.
    UpdateMatching {
        changes: Vec<ColumnValue>,
        condition: Condition,
    },
    /// `DELETE` with `filter`: the rows matching `condition` are listed, then deleted by
    /// one statement.
    DeleteMatching { condition: Condition },
    /// `DELETE` with `force=true`: every row the role may see (`WHERE role`), answered
    /// with `{"success":true}`.
    DeleteAll,
}

/// The fields to read written rows back with (`fields` and `related` on
/// writes).
#[derive(Debug, Clone)]
pub struct Reselect {
    /// The fields, then the link columns of `related`.
    pub projection: Vec<Projection>,
    /// Writes the fields (`rows.width()` of them).
    pub rows: RowWriter,
    /// `related`: followed for the rows read back, as on reads.
    pub related: RelatedPlan,
}

/// A [`WriteRequest`](crate::WriteRequest) checked against one table.
#[derive(Debug, Clone)]
pub struct WritePlan {
    /// The table as the caller may see it (hidden fields removed, see
    /// [`RowAccess`](crate::RowAccess)).
    pub table: Arc<TableSchema>,
    pub kind: WriteKind,
    pub mode: BatchMode,
    /// The `/{id}` form: a bare object, and a failure is the record's own error.
    pub single: bool,
    /// The role's row condition. Every UPDATE and DELETE must be restricted by it, and
    /// every row an INSERT or UPDATE writes must satisfy it afterwards, or that record is
    /// undone and fails with [`RecordError::Forbidden`].
    pub role: Option<Condition>,
    /// The identifier columns (`id_field`, else the primary key). Empty only for inserts
    /// into a table without a (visible) primary key, whose records then answer `{}`.
    pub key_columns: Vec<ColumnRef>,
    /// `fields` was given: read the written rows back (for the `*Matching` actions always
    /// set, defaulting to the primary key).
    pub reselect: Option<Reselect>,
    /// Upper bound of the rows listed after an `UpdateMatching` / `DeleteMatching`.
    pub listing_limit: u64,
    pub action: WriteAction,
    pub(crate) identifier_writer: RowWriter,
    pub(crate) nested: NestedContext,
}

impl WritePlan {
    /// `key columns = values`, the condition identifying one record.
    pub fn key_condition(&self, key: &[BoundValue]) -> Condition {
        Condition::And(
            self.key_columns
                .iter()
                .zip(key)
                .map(|(&column, value)| Condition::Compare {
                    column,
                    op: ComparisonOp::Eq,
                    value: value.clone(),
                })
                .collect(),
        )
    }

    /// `condition AND role`, as a tree.
    pub fn guarded(&self, condition: Condition) -> Condition {
        match &self.role {
            Some(role) => Condition::And(vec![condition, role.clone()]),
            None => condition,
        }
    }

    /// The identifier of an inserted row: the values the record gave, and for an
    /// auto-increment key it left out (or set to `null`), the row id the database
    /// assigned. A key column the record did not set and the database did not fill is
    /// `null`, as in DreamFactory.
    pub fn inserted_key(&self, values: &[ColumnValue], assigned_rowid: i64) -> Vec<BoundValue> {
        self.key_columns
            .iter()
            .map(|&column| {
                let given = values
                    .iter()
                    .find(|value| value.column == column && value.value != BoundValue::Null);
                match given {
                    Some(given) => given.value.clone(),
                    None if self.table.column(column).auto_increment => {
                        BoundValue::Integer(assigned_rowid)
                    }
                    None => BoundValue::Null,
                }
            })
            .collect()
    }

    /// The row an upsert inserts: the identifier values plus the changes, in table order.
    pub fn upsert_values(&self, key: &RecordKey, changes: &[ColumnValue]) -> Vec<ColumnValue> {
        let mut values: Vec<ColumnValue> = self
            .key_columns
            .iter()
            .zip(&key.values)
            .map(|(&column, value)| ColumnValue {
                column,
                value: value.clone(),
            })
            .collect();
        values.extend(changes.iter().cloned());
        values.sort_by_key(|value| value.column.index());
        values
    }

    /// Whether any record carries related records to write.
    pub fn has_relations(&self) -> bool {
        match &self.action {
            WriteAction::Insert(records) => records
                .iter()
                .any(|r| r.as_ref().is_ok_and(|r| r.relations.is_some())),
            WriteAction::Update { records, .. } => records
                .iter()
                .any(|r| r.as_ref().is_ok_and(|r| r.relations.is_some())),
            _ => false,
        }
    }

    /// `{"id":7}`: the identifier object DreamFactory answers each record with.
    pub fn identifier_json(&self, key: &[BoundValue]) -> Vec<u8> {
        let mut buf = Vec::with_capacity(16);
        let written = self.identifier_writer.write_row(&mut buf, |index| {
            Ok::<_, std::convert::Infallible>(
                key.get(index)
                    .map_or(crate::CellValue::Null, BoundValue::as_cell),
            )
        });
        match written {
            Ok(()) => buf,
            Err(never) => match never {},
        }
    }

    /// The read-back of the written records (`fields`): `WHERE key IN (...) AND role`,
    /// in database (identifier) order. `None` when `fields` was not asked for.
    pub fn select_keys(&self, keys: &[Vec<BoundValue>]) -> Option<SelectQuery> {
        let condition = match self.key_columns[..] {
            [column] => Condition::In {
                column,
                values: keys.iter().filter_map(|key| key.first().cloned()).collect(),
                negated: false,
            },
            _ => Condition::Or(keys.iter().map(|key| self.key_condition(key)).collect()),
        };
        self.select(self.guarded(condition), None)
    }

    /// The listing of an `UpdateMatching` / `DeleteMatching`: the rows matching
    /// `condition` (which already holds the role's), at most `listing_limit` of them.
    pub fn select_matching(&self, condition: &Condition) -> Option<SelectQuery> {
        self.select(condition.clone(), Some(self.listing_limit))
    }

    fn select(&self, condition: Condition, limit: Option<u64>) -> Option<SelectQuery> {
        let reselect = self.reselect.as_ref()?;
        let order_by = if self.key_columns.is_empty() {
            self.table.primary_key()
        } else {
            &self.key_columns
        }
        .iter()
        .map(|&column| OrderTerm {
            column,
            descending: false,
            nulls: None,
        })
        .collect();
        Some(SelectQuery {
            table: Arc::clone(&self.table),
            projection: reselect.projection.clone(),
            condition: Some(condition),
            group_by: Vec::new(),
            order_by,
            limit,
            offset: 0,
        })
    }
}
