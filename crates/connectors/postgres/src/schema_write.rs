//! `_schema` writes: every change is a list of DDL statements run in one transaction
//! (PostgreSQL's DDL is transactional), so a failed change leaves nothing behind.
//!
//! Field changes use PostgreSQL's own `ALTER TABLE`: `RENAME COLUMN`, `ALTER COLUMN ...
//! TYPE ... USING "c"::type` (the values converted by PostgreSQL's casts), `SET` / `DROP NOT
//! NULL`, `SET` / `DROP DEFAULT`, `ADD COLUMN` for fields the table does not have and
//! `DROP COLUMN` for those a table-level PUT leaves out. No table is rebuilt.

use serde_json::{Map, Value};
use sluice_connector_core::{
    ColumnSchema, ConnectorError, FieldChange, FieldDefinition, SchemaChange, SchemaSnapshot,
    TableSchema, field_name,
};

use crate::ddl::{column_definition, default_literal, quoted, sql_type};
use crate::error::map_error;

/// Keys of a field change that `ALTER COLUMN` applies; `label`, `description` and the
/// other keys DreamFactory keeps as metadata change nothing in the database.
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
const TYPE_KEYS: &[&str] = &[
    "type",
    "length",
    "size",
    "precision",
    "scale",
    "fixed_length",
];

const INVALID_CHANGE: &str = "The schema change is not valid for this table (a NOT NULL field \
     without a default on a table with records, values that do not convert to the new type, \
     or a field still used by an index, key or view); nothing was changed.";

/// Applies `change` against `snapshot` (the schema before it) in one transaction.
pub(crate) async fn apply(
    client: &mut deadpool_postgres::Object,
    schema: &str,
    snapshot: &SchemaSnapshot,
    change: &SchemaChange,
) -> Result<(), ConnectorError> {
    let statements = statements(&quoted_schema(schema), snapshot, change)?;
    let transaction = client.transaction().await.map_err(map_error)?;
    for sql in &statements {
        transaction.batch_execute(sql).await.map_err(ddl_error)?;
    }
    transaction.commit().await.map_err(ddl_error)
}

/// The service's schema as an identifier (it comes from configuration, not a request).
fn quoted_schema(schema: &str) -> String {
    quote_existing(schema)
}

/// A name from the catalog (a table or column that exists, whatever its spelling), quoted
/// with every `"` doubled. Names from a request go through `ddl::quoted` instead.
fn quote_existing(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Constraint failures and impossible conversions of DDL are the client's 400s without
/// SQL text; anything else is the request's error.
fn ddl_error(error: tokio_postgres::Error) -> ConnectorError {
    let class = error.code().map(|code| &code.code()[..2]);
    match class {
        Some("22" | "23" | "42" | "2B") => {
            tracing::debug!(error = %error, "schema change refused");
            ConnectorError::bad_request(INVALID_CHANGE)
        }
        _ => map_error(error),
    }
}

fn statements(
    schema: &str,
    snapshot: &SchemaSnapshot,
    change: &SchemaChange,
) -> Result<Vec<String>, ConnectorError> {
    Ok(match change {
        SchemaChange::CreateTable {
            name,
            fields,
            merge,
        } => {
            let table = format!("{schema}.{}", quoted(name)?);
            if let Some(existing) = snapshot.table(name) {
                if !merge {
                    return Err(ConnectorError::bad_request(format!(
                        "A table with name '{name}' already exist in the database."
                    )));
                }
                let new: Vec<Value> = fields
                    .iter()
                    .filter(|f| field_name(f).is_ok_and(|n| existing.column_ref(n).is_none()))
                    .cloned()
                    .collect();
                return add_columns(schema, &table, &new);
            }
            if fields.is_empty() {
                return Err(ConnectorError::bad_request(
                    "No valid fields exist in the received table schema.",
                ));
            }
            let columns = fields
                .iter()
                .map(|field| column_definition(schema, field))
                .collect::<Result<Vec<_>, _>>()?;
            vec![format!("CREATE TABLE {table} ({})", columns.join(", "))]
        }
        SchemaChange::DropTable(name) => {
            let table = existing(snapshot, name)?;
            let kind = if table.is_view() { "VIEW" } else { "TABLE" };
            vec![format!(
                "DROP {kind} {schema}.{}",
                quote_existing(table.name())
            )]
        }
        SchemaChange::AddFields { table, fields } => {
            let table = existing(snapshot, table)?;
            add_columns(
                schema,
                &format!("{schema}.{}", quote_existing(table.name())),
                fields,
            )?
        }
        SchemaChange::DropField { table, field } => {
            let table = existing(snapshot, table)?;
            let column = column_of(table, field)?;
            vec![format!(
                "ALTER TABLE {schema}.{} DROP COLUMN {}",
                quote_existing(table.name()),
                quote_existing(&column.name)
            )]
        }
        SchemaChange::AlterFields {
            table,
            fields,
            drop_missing,
        } => alter(schema, existing(snapshot, table)?, fields, *drop_missing)?,
    })
}

fn add_columns(schema: &str, table: &str, fields: &[Value]) -> Result<Vec<String>, ConnectorError> {
    fields
        .iter()
        .map(|field| {
            Ok(format!(
                "ALTER TABLE {table} ADD COLUMN {}",
                column_definition(schema, field)?
            ))
        })
        .collect()
}

/// An existing table or view, or DreamFactory's 404.
fn existing<'s>(
    snapshot: &'s SchemaSnapshot,
    name: &str,
) -> Result<&'s TableSchema, ConnectorError> {
    snapshot
        .table(name)
        .map(AsRef::as_ref)
        .ok_or_else(|| ConnectorError::TableNotFound(name.to_owned()))
}

fn column_of<'t>(table: &'t TableSchema, field: &str) -> Result<&'t ColumnSchema, ConnectorError> {
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

fn alter(
    schema: &str,
    table: &TableSchema,
    fields: &[FieldChange],
    drop_missing: bool,
) -> Result<Vec<String>, ConnectorError> {
    if fields.is_empty() {
        return Err(ConnectorError::bad_request(
            "No valid fields exist in the received table schema.",
        ));
    }
    let target = format!("{schema}.{}", quote_existing(table.name()));
    let mut statements = Vec::new();
    for change in fields {
        match table.column_ref(&change.field) {
            Some(column) => alter_column(
                &target,
                table.column(column),
                &change.definition,
                &mut statements,
            )?,
            None => {
                let mut definition = change.definition.clone();
                definition
                    .entry("name")
                    .or_insert_with(|| Value::String(change.field.clone()));
                statements.push(format!(
                    "ALTER TABLE {target} ADD COLUMN {}",
                    column_definition(schema, &Value::Object(definition))?
                ));
            }
        }
    }
    if drop_missing {
        for column in table.columns() {
            let named = fields
                .iter()
                .any(|f| f.field.eq_ignore_ascii_case(&column.name));
            if !named {
                statements.push(format!(
                    "ALTER TABLE {target} DROP COLUMN {}",
                    quote_existing(&column.name)
                ));
            }
        }
    }
    Ok(statements)
}

/// The statements changing one existing column; the rename comes last so the others
/// still name it as it was.
fn alter_column(
    target: &str,
    column: &ColumnSchema,
    definition: &Map<String, Value>,
    statements: &mut Vec<String>,
) -> Result<(), ConnectorError> {
    if let Some(key) = CONSTRAINT_KEYS
        .iter()
        .find(|key| definition.contains_key(**key))
    {
        return Err(ConnectorError::bad_request(format!(
            "Changing '{key}' of an existing field is not supported for PostgreSQL services; \
             drop and add the field instead."
        )));
    }
    let name = quote_existing(&column.name);
    let alter = format!("ALTER TABLE {target} ALTER COLUMN {name}");
    if TYPE_KEYS.iter().any(|key| definition.contains_key(*key)) {
        let mut field = definition.clone();
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
        let parsed = FieldDefinition::parse(&Value::Object(field), quoted)?;
        if parsed.is_id() || parsed.is_timestamp_on() {
            return Err(ConnectorError::bad_request(format!(
                "An existing field can not become '{}'; drop and add the field instead.",
                parsed.df_type
            )));
        }
        let sql_type = sql_type(&parsed);
        statements.push(format!("{alter} TYPE {sql_type} USING {name}::{sql_type}"));
    }
    match definition.get("allow_null").and_then(Value::as_bool) {
        Some(true) => statements.push(format!("{alter} DROP NOT NULL")),
        Some(false) => statements.push(format!("{alter} SET NOT NULL")),
        None => {}
    }
    match definition.get("default") {
        Some(Value::Null) => statements.push(format!("{alter} DROP DEFAULT")),
        Some(value @ (Value::Bool(_) | Value::Number(_) | Value::String(_))) => {
            let boolean = column.df_type.as_str() == "boolean";
            statements.push(format!(
                "{alter} SET DEFAULT {}",
                default_literal(value, boolean)
            ));
        }
        Some(_) => {
            return Err(ConnectorError::bad_request(
                "Invalid 'default': only literal values are supported.",
            ));
        }
        None => {}
    }
    if let Some(new_name) = definition.get("name") {
        let Some(new_name) = new_name.as_str() else {
            return Err(ConnectorError::bad_request(
                "Invalid schema detected - a field name must be a string.",
            ));
        };
        if new_name != column.name {
            statements.push(format!(
                "ALTER TABLE {target} RENAME COLUMN {name} TO {}",
                quoted(new_name)?
            ));
        }
    }
    Ok(())
}
