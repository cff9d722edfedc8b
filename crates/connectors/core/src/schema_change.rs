//! Schema changes of `_schema` writes, as the connector receives them.
//! Field definitions stay DreamFactory JSON (`{"name","type","length",...}`); each
//! connector validates them and turns them into its own DDL.

use serde_json::{Map, Value};

use crate::error::ConnectorError;
use crate::field_definition::{FieldDefinition, field_name};
use crate::schema::{ColumnSchema, SchemaSnapshot, TableSchema};

/// One change; a connector applies it in one transaction, or not at all.
#[derive(Debug, Clone)]
pub enum SchemaChange {
    /// Create `name` with `fields`; with `merge`, an existing table gets the missing fields
    /// added instead (DreamFactory's default for `POST /_schema`).
    CreateTable {
        name: String,
        fields: Vec<Value>,
        merge: bool,
    },
    DropTable(String),
    /// Add fields to an existing table.
    AddFields {
        table: String,
        fields: Vec<Value>,
    },
    /// Drop one column.
    DropField {
        table: String,
        field: String,
    },
    /// Change fields of an existing table: each named field that exists is changed (a new
    /// `name` renames it; other keys change its definition), others are added; with
    /// `drop_missing` (a table-level PUT), fields not named are dropped.
    AlterFields {
        table: String,
        fields: Vec<FieldChange>,
        drop_missing: bool,
    },
}

/// One field of an `AlterFields` change.
#[derive(Debug, Clone)]
pub struct FieldChange {
    /// The field's current name, or the new field's name.
    pub field: String,
    /// DreamFactory field keys to apply (`name`, `type`, `length`, `allow_null`, ...).
    pub definition: Map<String, Value>,
}

/// A DDL statement the database refused (a NOT NULL field added to a table with records,
/// values that do not convert, a field a key still uses): the client's 400, without the
/// database's text.
pub const INVALID_SCHEMA_CHANGE: &str = "The schema change is not valid for this table (a NOT \
     NULL field without a default on a table with records, values that do not convert to the \
     new type, or a field still used by an index, key or view); nothing was changed.";

/// Keys of a field change that would change a key or constraint of an existing column;
/// `label`, `description` and the other keys DreamFactory keeps as metadata change nothing.
const CONSTRAINT_KEYS: &[&str] = &[
    "is_primary_key",
    "is_unique",
    "picklist",
    "ref_table",
    "ref_field",
    "ref_on_update",
    "ref_on_delete",
    "auto_increment",
];

/// Keys of a field change that change the column's type.
const TYPE_KEYS: &[&str] = &[
    "type",
    "length",
    "size",
    "precision",
    "scale",
    "fixed_length",
];

/// The table or view `name`, or DreamFactory's 404.
///
/// # Errors
///
/// `TableNotFound`.
pub fn existing_table<'s>(
    snapshot: &'s SchemaSnapshot,
    name: &str,
) -> Result<&'s TableSchema, ConnectorError> {
    snapshot
        .table(name)
        .map(AsRef::as_ref)
        .ok_or_else(|| ConnectorError::TableNotFound(name.to_owned()))
}

/// The column `field` of `table`, found case-insensitively.
///
/// # Errors
///
/// `BadRequest` when the table has no such field.
pub fn existing_column<'t>(
    table: &'t TableSchema,
    field: &str,
) -> Result<&'t ColumnSchema, ConnectorError> {
    table
        .column_ref(field)
        .map(|column| table.column(column))
        .ok_or_else(|| {
            ConnectorError::bad_request(format!(
                "Field '{field}' not found in table '{}'.",
                table.name()
            ))
        })
}

/// What a `CreateTable` change does: create the table, or merge into the existing one.
pub enum CreateTarget<'s> {
    /// The table does not exist: create it with the change's fields (there is one at least).
    New,
    /// The table exists and the change merges: add `fields`, those it does not have yet.
    Merge {
        table: &'s TableSchema,
        fields: Vec<Value>,
    },
}

/// Decides what creating `name` with `fields` does in `snapshot`.
///
/// # Errors
///
/// `BadRequest` when the table exists and `merge` is off, or a new table has no field.
pub fn create_target<'s>(
    snapshot: &'s SchemaSnapshot,
    name: &str,
    fields: &[Value],
    merge: bool,
) -> Result<CreateTarget<'s>, ConnectorError> {
    match snapshot.table(name) {
        Some(_) if !merge => Err(table_exists(name)),
        Some(table) => Ok(CreateTarget::Merge {
            table,
            fields: fields
                .iter()
                .filter(|f| field_name(f).is_ok_and(|n| table.column_ref(n).is_none()))
                .cloned()
                .collect(),
        }),
        None if fields.is_empty() => Err(no_valid_fields()),
        None => Ok(CreateTarget::New),
    }
}

/// DreamFactory's answer to creating a table that exists (without `merge`).
pub fn table_exists(name: &str) -> ConnectorError {
    ConnectorError::bad_request(format!(
        "A table with name '{name}' already exist in the database."
    ))
}

/// DreamFactory's answer to a table change without a field.
pub fn no_valid_fields() -> ConnectorError {
    ConnectorError::bad_request("No valid fields exist in the received table schema.")
}

impl FieldChange {
    /// Refuses a change of a key or constraint of an existing field, for engines that
    /// change columns in place (`engine` names them in the message).
    ///
    /// # Errors
    ///
    /// `BadRequest` naming the first such key.
    pub fn refuse_constraint_change(&self, engine: &str) -> Result<(), ConnectorError> {
        match CONSTRAINT_KEYS
            .iter()
            .find(|key| self.definition.contains_key(**key))
        {
            Some(key) => Err(ConnectorError::bad_request(format!(
                "Changing '{key}' of an existing field is not supported for {engine} services; \
                 drop and add the field instead."
            ))),
            None => Ok(()),
        }
    }

    /// The column's new type when the change names one of its keys: the keys not given
    /// are the column's (its type, a string's length), checked with `name` as a new field
    /// would be. `None` when the type stays.
    ///
    /// # Errors
    ///
    /// `BadRequest` for an invalid definition, or a type an existing column can not become
    /// (`id` types, `timestamp_on_*`).
    pub fn retyped(
        &self,
        column: &ColumnSchema,
        name: impl Fn(&str) -> Result<String, ConnectorError>,
    ) -> Result<Option<FieldDefinition>, ConnectorError> {
        if !TYPE_KEYS
            .iter()
            .any(|key| self.definition.contains_key(*key))
        {
            return Ok(None);
        }
        let mut field = self.definition.clone();
        field.insert("name".to_owned(), Value::String(column.name.clone()));
        field
            .entry("type")
            .or_insert_with(|| Value::String(column.df_type.as_str().to_owned()));
        if column.df_type.as_str() == "string"
            && let Some(length) = column.length
        {
            field.entry("length").or_insert_with(|| length.into());
        }
        field.insert("allow_null".to_owned(), Value::Bool(true));
        let parsed = FieldDefinition::parse(&Value::Object(field), name)?;
        if parsed.is_id() || parsed.is_timestamp_on() {
            return Err(ConnectorError::bad_request(format!(
                "An existing field can not become '{}'; drop and add the field instead.",
                parsed.df_type
            )));
        }
        Ok(Some(parsed))
    }

    /// The field's new name when the change renames it.
    ///
    /// # Errors
    ///
    /// `BadRequest` when `name` is not a string.
    pub fn new_name(&self, column: &ColumnSchema) -> Result<Option<&str>, ConnectorError> {
        match self.definition.get("name") {
            None => Ok(None),
            Some(Value::String(name)) if *name == column.name => Ok(None),
            Some(Value::String(name)) => Ok(Some(name)),
            Some(_) => Err(ConnectorError::bad_request(
                "Invalid schema detected - a field name must be a string.",
            )),
        }
    }

    /// The definition of a field the table does not have yet, named as the change names it
    /// unless its keys name it otherwise.
    pub fn new_field(&self) -> Value {
        let mut definition = self.definition.clone();
        definition
            .entry("name")
            .or_insert_with(|| Value::String(self.field.clone()));
        Value::Object(definition)
    }
}
