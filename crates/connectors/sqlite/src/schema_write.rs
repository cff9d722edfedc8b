//! `_schema` writes on the writer connection: the DDL authorizer is installed for the job
//! only, and every change runs in one transaction, so a failed change leaves nothing behind.

use rusqlite::Connection;
use serde_json::Value;
use sluice_connector_core::{ConnectorError, SchemaChange, SchemaSnapshot};

use crate::authorizer::{authorize_ddl, authorize_dml, is_sqlite_internal, under_policy};
use sluice_connector_core::field_name;

use crate::ddl::{column_definition, quoted};
use crate::error::map_error;
use crate::schema_alter::AlterPlan;

/// Applies `change` against `schema` (the snapshot before it) in one transaction.
pub(crate) fn apply(
    connection: &Connection,
    schema: &SchemaSnapshot,
    change: &SchemaChange,
) -> Result<(), ConnectorError> {
    if let SchemaChange::AlterFields {
        table,
        fields,
        drop_missing,
    } = change
    {
        let table = schema
            .table(&existing(schema, table)?)
            .cloned()
            .ok_or_else(|| ConnectorError::TableNotFound(table.clone()))?;
        let plan = AlterPlan::new(&table, fields, *drop_missing)?;
        // A rebuild drops the table, which with foreign keys on would delete (or cascade
        // into) the rows referring to it; they are checked after the copy instead. The
        // setting can only change outside a transaction.
        let keys_off = plan.needs_rebuild();
        if keys_off {
            set_foreign_keys(connection, false)?;
        }
        let result = with_ddl_policy(connection, |connection| {
            transaction(connection, |connection| plan.execute(connection, &table))
        });
        if keys_off {
            set_foreign_keys(connection, true)?;
        }
        return result;
    }
    let statements = statements(schema, change)?;
    with_ddl_policy(connection, |connection| {
        transaction(connection, |connection| {
            for sql in &statements {
                connection.execute_batch(sql).map_err(ddl_error)?;
            }
            Ok(())
        })
    })
}

/// Turns foreign key enforcement off or on; the writer's policy refuses PRAGMAs, so it is
/// lifted for this fixed statement only.
fn set_foreign_keys(connection: &Connection, on: bool) -> Result<(), ConnectorError> {
    let sql = if on {
        "PRAGMA foreign_keys = ON"
    } else {
        "PRAGMA foreign_keys = OFF"
    };
    under_policy(connection, None, authorize_dml, || {
        connection.execute_batch(sql).map_err(map_error)
    })
}

/// Runs `job` under the DDL policy and puts the writer's policy back.
fn with_ddl_policy(
    connection: &Connection,
    job: impl FnOnce(&Connection) -> Result<(), ConnectorError>,
) -> Result<(), ConnectorError> {
    under_policy(connection, Some(authorize_ddl), authorize_dml, || {
        job(connection)
    })
}

fn transaction(
    connection: &Connection,
    job: impl FnOnce(&Connection) -> Result<(), ConnectorError>,
) -> Result<(), ConnectorError> {
    connection
        .execute_batch("BEGIN IMMEDIATE")
        .map_err(map_error)?;
    match job(connection) {
        Ok(()) => connection.execute_batch("COMMIT").map_err(map_error),
        Err(error) => {
            let _ = connection.execute_batch("ROLLBACK");
            Err(error)
        }
    }
}

/// Constraint failures of DDL (e.g. a NOT NULL column added without a default to a table
/// with rows, a column still used by an index) are the client's, as 400s without SQL text.
pub(crate) fn ddl_error(error: rusqlite::Error) -> ConnectorError {
    match error {
        rusqlite::Error::SqliteFailure(code, _)
            if code.code == rusqlite::ErrorCode::Unknown
                || code.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            ConnectorError::bad_request(
                "The schema change is not valid for this table (a NOT NULL field without a \
                 default on a table with records, or a field still used by an index, key or \
                 view); nothing was changed.",
            )
        }
        other => map_error(other),
    }
}

/// The DB spelling of an existing user table, or DreamFactory's 404.
fn existing(schema: &SchemaSnapshot, name: &str) -> Result<String, ConnectorError> {
    schema
        .table(name)
        .filter(|t| !is_sqlite_internal(t.name()))
        .map(|t| t.name().to_owned())
        .ok_or_else(|| ConnectorError::TableNotFound(name.to_owned()))
}

fn statements(
    schema: &SchemaSnapshot,
    change: &SchemaChange,
) -> Result<Vec<String>, ConnectorError> {
    Ok(match change {
        SchemaChange::CreateTable {
            name,
            fields,
            merge,
        } => {
            let table = quoted(name)?;
            if schema.table(name).is_some() {
                if !merge {
                    return Err(ConnectorError::bad_request(format!(
                        "A table with name '{name}' already exist in the database."
                    )));
                }
                let known = schema
                    .table(name)
                    .map(|t| t.columns().to_vec())
                    .unwrap_or_default();
                let new: Vec<Value> = fields
                    .iter()
                    .filter(|f| {
                        field_name(f)
                            .is_ok_and(|n| !known.iter().any(|c| c.name.eq_ignore_ascii_case(n)))
                    })
                    .cloned()
                    .collect();
                return add_columns(&table, &new);
            }
            if fields.is_empty() {
                return Err(ConnectorError::bad_request(
                    "No valid fields exist in the received table schema.",
                ));
            }
            let columns = fields
                .iter()
                .map(column_definition)
                .collect::<Result<Vec<_>, _>>()?;
            vec![format!("CREATE TABLE {table} ({})", columns.join(", "))]
        }
        SchemaChange::DropTable(name) => {
            vec![format!("DROP TABLE {}", quoted(&existing(schema, name)?)?)]
        }
        SchemaChange::AddFields { table, fields } => {
            add_columns(&quoted(&existing(schema, table)?)?, fields)?
        }
        SchemaChange::DropField { table, field } => {
            let (table, column) = column_of(schema, table, field)?;
            vec![format!("ALTER TABLE {table} DROP COLUMN {column}")]
        }
        SchemaChange::AlterFields { .. } => {
            return Err(ConnectorError::Internal(
                "field changes are applied by AlterPlan".to_owned(),
            ));
        }
    })
}

fn add_columns(table: &str, fields: &[Value]) -> Result<Vec<String>, ConnectorError> {
    fields
        .iter()
        .map(|field| {
            Ok(format!(
                "ALTER TABLE {table} ADD COLUMN {}",
                column_definition(field)?
            ))
        })
        .collect()
}

fn column_of(
    schema: &SchemaSnapshot,
    table: &str,
    field: &str,
) -> Result<(String, String), ConnectorError> {
    let name = existing(schema, table)?;
    let found = schema
        .table(&name)
        .and_then(|t| t.column_ref(field).map(|c| t.column(c).name.clone()));
    let column = found.ok_or_else(|| {
        ConnectorError::bad_request(format!("Field '{field}' not found in table '{name}'."))
    })?;
    Ok((quoted(&name)?, quoted(&column)?))
}
