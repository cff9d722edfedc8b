//! Schema changes of `_schema` writes (wire reference 6.4), as the connector receives them.
//! Field definitions stay DreamFactory JSON (`{"name","type","length",...}`); each
//! connector validates them and turns them into its own DDL.

use serde_json::Value;

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
    /// Rename one column.
    RenameField {
        table: String,
        field: String,
        new_name: String,
    },
}
