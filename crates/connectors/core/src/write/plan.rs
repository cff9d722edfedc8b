//! The driver-independent plan of one write: every record checked and typed, every target
//! resolved, the role's condition ready to be ANDed into each statement and checked on each
//! written row. A connector only turns it into statements and reports what happened.

use std::sync::Arc;

use crate::condition::{ComparisonOp, Condition};
use crate::json::RowWriter;
use crate::plan::{OrderTerm, Projection, SelectQuery};
use crate::schema::{ColumnRef, TableSchema};
use crate::value::BoundValue;
use crate::write::WriteKind;
use crate::write::outcome::RecordError;

/// How a batch treats a failed record (wire reference 4.4).
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

/// A row to insert: its values in table order (never empty).
#[derive(Debug, Clone, PartialEq)]
pub struct InsertRecord {
    pub values: Vec<ColumnValue>,
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
/// an auto-increment key, and is never empty.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateRecord {
    pub key: RecordKey,
    pub changes: Vec<ColumnValue>,
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

/// The fields to read written rows back with (`fields` on writes, wire reference 4.3).
#[derive(Debug, Clone)]
pub struct Reselect {
    pub projection: Vec<Projection>,
    pub rows: RowWriter,
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
    pub fn inserted_key(&self, record: &InsertRecord, assigned_rowid: i64) -> Vec<BoundValue> {
        self.key_columns
            .iter()
            .map(|&column| {
                let given = record
                    .values
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
    pub fn upsert_values(&self, record: &UpdateRecord) -> Vec<ColumnValue> {
        let mut values: Vec<ColumnValue> = self
            .key_columns
            .iter()
            .zip(&record.key.values)
            .map(|(&column, value)| ColumnValue {
                column,
                value: value.clone(),
            })
            .collect();
        values.extend(record.changes.iter().cloned());
        values.sort_by_key(|value| value.column.index());
        values
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
