//! One JSON record to typed column values, before any SQL runs.

use serde_json::{Map, Value};

use crate::access::{LookupSource, LookupValue};
use crate::clock::now_timestamp;
use crate::df_type::{DfType, ValueClass};
use crate::plan::RequestedId;
use crate::resolve::{RawValue, type_value};
use crate::schema::{ColumnRef, ColumnSchema, TableSchema};
use crate::value::BoundValue;
use crate::write::nested::{RecordRelations, split_relations};
use crate::write::outcome::RecordError;
use crate::write::plan::{ColumnValue, InsertRecord, RecordKey};

pub(crate) const NO_VALID_FIELDS: &str = "No valid fields were found in record.";
const EXPRESSION_REFUSED: &str = "SQL expression is not permitted.";

/// Whether the record becomes a new row or changes an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    Insert,
    Update,
}

/// Reads records against the table as the caller may see it: hidden columns are as
/// unknown as names the table does not have.
pub(crate) struct RecordReader<'a> {
    pub(crate) table: &'a TableSchema,
    pub(crate) lookups: Option<&'a dyn LookupSource>,
    pub(crate) user_id: Option<i64>,
}

impl RecordReader<'_> {
    /// The record's values for the visible columns it names (case-insensitively), in
    /// table order; unknown keys are ignored.
    ///
    /// - `Insert`: a required column (NOT NULL, no default, not auto-increment) that is
    ///   missing → `Required field 'x' can not be NULL.`
    /// - `Update`: auto-increment keys (`id` type) and `excluded` (the identifier columns)
    ///   are never changed.
    ///
    /// Errors are checked in column order, as DreamFactory does, and `No valid fields were
    /// found in record.` comes last, when nothing usable is left.
    ///
    /// `filled` are columns a relationship fills in later (the foreign key of a belongs_to
    /// written first): they count as given.
    pub(crate) fn values(
        &self,
        record: &Map<String, Value>,
        purpose: Purpose,
        excluded: &[ColumnRef],
        filled: &[ColumnRef],
    ) -> Result<Vec<ColumnValue>, RecordError> {
        let given = self.by_column(record);
        let mut values = Vec::with_capacity(record.len());
        let mut server_filled = 0;
        for column in self.table.column_refs() {
            let schema = self.table.column(column);
            if purpose == Purpose::Update
                && (schema.df_type == DfType::Id || excluded.contains(&column))
            {
                continue;
            }
            if schema.df_type.is_server_filled() {
                if let Some(value) = self.server_value(schema.df_type, purpose) {
                    values.push(ColumnValue { column, value });
                    server_filled += 1;
                }
                continue;
            }
            match given[column.index()] {
                Some(value) => values.push(ColumnValue {
                    column,
                    value: self.typed(schema, value)?,
                }),
                None if purpose == Purpose::Insert
                    && is_required(schema)
                    && !filled.contains(&column) =>
                {
                    return Err(RecordError::bad_request(format!(
                        "Required field '{}' can not be NULL.",
                        schema.name
                    )));
                }
                None => {}
            }
        }
        if values.len() == server_filled && filled.is_empty() {
            return Err(RecordError::bad_request(NO_VALID_FIELDS));
        }
        Ok(values)
    }

    /// What the gateway writes into a server-filled column, whatever
    /// the client sent: the session user's id, or the current time. `None` leaves the
    /// column alone (an update of an `on_create` column, or no user behind the request).
    fn server_value(&self, df_type: DfType, purpose: Purpose) -> Option<BoundValue> {
        let on_update = matches!(df_type, DfType::UserIdOnUpdate | DfType::TimestampOnUpdate);
        if purpose == Purpose::Update && !on_update {
            return None;
        }
        match df_type {
            DfType::TimestampOnCreate | DfType::TimestampOnUpdate => {
                Some(BoundValue::Text(now_timestamp()))
            }
            _ => self.user_id.map(BoundValue::Integer),
        }
    }

    /// The value `record` gives for the single-column identifier `column` (typed like an id
    /// in the URL), or `None` when it is missing or `null`.
    pub(crate) fn id(
        &self,
        record: &Map<String, Value>,
        column: ColumnRef,
    ) -> Result<Option<BoundValue>, RecordError> {
        let text = match self.by_column(record)[column.index()] {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Null) | None => return Ok(None),
            Some(other) => other.to_string(),
        };
        let typed =
            RequestedId::typed(self.table, &[column], &text).map_err(RecordError::from_check)?;
        Ok(typed.values.into_iter().next())
    }

    /// Whether `record` has a key naming `column` (case-insensitively) whose value is `null`.
    pub(crate) fn is_null(&self, record: &Map<String, Value>, column: ColumnRef) -> bool {
        matches!(self.by_column(record)[column.index()], Some(Value::Null))
    }

    /// The identifier values the record carries for `key_columns` (typed like ids in the
    /// URL), or `Required id field(s) not found in record {index}.` when one is missing
    /// or `null`.
    pub(crate) fn key(
        &self,
        record: &Map<String, Value>,
        key_columns: &[ColumnRef],
        index: usize,
    ) -> Result<RecordKey, RecordError> {
        let given = self.by_column(record);
        let mut raw = Vec::with_capacity(key_columns.len());
        let mut values = Vec::with_capacity(key_columns.len());
        for &column in key_columns {
            let text = match given[column.index()] {
                Some(Value::String(text)) => text.clone(),
                Some(Value::Null) | None => {
                    return Err(RecordError::bad_request(format!(
                        "Required id field(s) not found in record {index}."
                    )));
                }
                Some(other) => other.to_string(),
            };
            let typed = RequestedId::typed(self.table, &[column], &text)
                .map_err(RecordError::from_check)?;
            values.extend(typed.values);
            raw.push(text);
        }
        Ok(RecordKey {
            raw: raw.join(","),
            values,
        })
    }

    /// The value given for each column, by column index; a later key differing only in
    /// case replaces an earlier one.
    fn by_column<'r>(&self, record: &'r Map<String, Value>) -> Vec<Option<&'r Value>> {
        let mut given = vec![None; self.table.columns().len()];
        for (name, value) in record {
            if let Some(column) = self.table.column_ref(name) {
                given[column.index()] = Some(value);
            }
        }
        given
    }

    /// Types one value by its column. `{"expression": ...}` is refused (raw SQL from a
    /// client is never run), and a string that is exactly `{name}` is the lookup's value,
    /// bound like any other value.
    ///
    /// Stricter than filter values, as DreamFactory's `typecastToNative` is: any other
    /// array or object is refused (it would otherwise be stored as its JSON text in a text
    /// column), and an integer column takes only integers (`1.5`, `"1.5"` and `"1e3"` are
    /// not, although a filter may compare the column with them).
    fn typed(&self, column: &ColumnSchema, value: &Value) -> Result<BoundValue, RecordError> {
        if let Value::Object(object) = value
            && object.contains_key("expression")
        {
            return Err(RecordError::bad_request(EXPRESSION_REFUSED));
        }
        if value.is_array() || value.is_object() {
            return Err(RecordError::bad_request(format!(
                "Field '{}' must be a single value, not an array or object.",
                column.name
            )));
        }
        let looked_up = match value {
            Value::String(text) => lookup_name(text).and_then(|name| self.lookup(name)),
            _ => None,
        };
        let value = looked_up.as_ref().unwrap_or(value);
        let typed = type_value(column, RawValue::Json(value)).map_err(RecordError::from_check)?;
        if column.df_type.value_class() == ValueClass::Integer
            && matches!(typed, BoundValue::Real(_))
        {
            return Err(RecordError::bad_request(format!(
                "Field '{}' must be a valid integer.",
                column.name
            )));
        }
        // `null` for a column the database fills (a serial, an identity, SQLite's rowid
        // key) asks for the assigned value, as leaving the field out does.
        if typed == BoundValue::Null && !column.allow_null && !column.auto_increment {
            return Err(RecordError::bad_request(format!(
                "Field '{}' can not be NULL.",
                column.name
            )));
        }
        Ok(typed)
    }

    /// A public scalar lookup, or `None`: unknown and private lookups leave the text as
    /// written (DreamFactory leaves unknown lookups untouched; a private value must never
    /// be stored where the client can read it back).
    fn lookup(&self, name: &str) -> Option<Value> {
        if name == "user.id"
            && let Some(id) = self.user_id
        {
            return Some(Value::from(id));
        }
        match self.lookups?.lookup(name)? {
            LookupValue {
                value,
                private: false,
            } if !(value.is_array() || value.is_object()) => Some(value),
            _ => None,
        }
    }
}

/// `{name}` with nothing around it and no braces inside.
fn lookup_name(text: &str) -> Option<&str> {
    let name = text.strip_prefix('{')?.strip_suffix('}')?;
    (!name.is_empty() && !name.contains(['{', '}'])).then_some(name)
}

/// DreamFactory's `required`: NOT NULL, no default, not filled in by the database.
fn is_required(column: &ColumnSchema) -> bool {
    !column.allow_null && column.default.is_none() && !column.auto_increment
}

/// A record to insert: its values and the related records it carries.
pub(crate) fn insert_record(
    reader: &RecordReader<'_>,
    record: &Map<String, Value>,
) -> Result<InsertRecord, RecordError> {
    let relations = split_relations(reader.table, record)?;
    let filled = relations
        .as_ref()
        .map(|r| r.filled(reader.table))
        .unwrap_or_default();
    let values = reader.values(record, Purpose::Insert, &[], &filled)?;
    Ok(InsertRecord { values, relations })
}

/// The changes of an update and the related records it carries; with related records the
/// changes may be empty.
pub(crate) fn changes(
    reader: &RecordReader<'_>,
    record: &Map<String, Value>,
    key_columns: &[ColumnRef],
) -> Result<(Vec<ColumnValue>, Option<RecordRelations>), RecordError> {
    let relations = split_relations(reader.table, record)?;
    let filled = relations
        .as_ref()
        .map(|r| r.filled(reader.table))
        .unwrap_or_default();
    match reader.values(record, Purpose::Update, key_columns, &filled) {
        Ok(changes) => Ok((changes, relations)),
        Err(RecordError::BadRequest(message))
            if message == NO_VALID_FIELDS && relations.is_some() =>
        {
            Ok((Vec::new(), relations))
        }
        Err(error) => Err(error),
    }
}
