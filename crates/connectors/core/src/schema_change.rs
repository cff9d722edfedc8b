//! Schema changes of `_schema` writes, as the connector receives them.
//! Field definitions stay DreamFactory JSON (`{"name","type","length",...}`); each
//! connector validates them and turns them into its own DDL.

use serde_json::{Map, Value};

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
