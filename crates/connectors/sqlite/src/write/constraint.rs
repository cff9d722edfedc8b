//! A failed write statement as the client may see it: constraint
//! violations become 400s that name the field, everything else goes through
//! `error::map_error`. SQLite's own message is read here to find the column, and logged at
//! debug level, but never returned.

use rusqlite::{Connection, ErrorCode, ffi};
use sluice_connector_core::{ColumnValue, ConnectorError, RecordError, TableSchema};

use crate::compile::compile_reference_exists;
use crate::error::map_error;
use crate::execute::binds;

/// What the failed statement was doing, which decides what a foreign key failure means.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Statement<'v> {
    /// An INSERT or UPDATE writing these values.
    Writing(&'v [ColumnValue]),
    Deleting,
}

/// The record's failure for a constraint violation, or the request's error for anything
/// else (busy, disk full, corrupt file, ...).
pub(crate) fn record_failure(
    connection: &Connection,
    table: &TableSchema,
    error: rusqlite::Error,
    statement: Statement<'_>,
) -> Result<RecordError, ConnectorError> {
    let rusqlite::Error::SqliteFailure(failure, detail) = &error else {
        return Err(map_error(error));
    };
    tracing::debug!(error = %error, table.name = table.name(), "write statement refused");
    let detail = detail.as_deref().unwrap_or_default();
    let message = match (failure.code, failure.extended_code) {
        (_, ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => {
            return Ok(RecordError::duplicate(
                named_columns(table, detail).as_deref(),
            ));
        }
        (_, ffi::SQLITE_CONSTRAINT_NOTNULL) => match named_columns(table, detail).as_deref() {
            Some([column]) => format!("Field '{column}' can not be NULL."),
            _ => "A required field can not be NULL.".to_owned(),
        },
        (_, ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => foreign_key_message(connection, table, statement),
        (_, ffi::SQLITE_CONSTRAINT_CHECK) => format!(
            "Record violates a check constraint of table '{}'.",
            table.name()
        ),
        (_, ffi::SQLITE_CONSTRAINT_TRIGGER) => "Record was rejected by the database.".to_owned(),
        (_, ffi::SQLITE_CONSTRAINT_DATATYPE) | (ErrorCode::TypeMismatch, _) => {
            "A value does not match the type of its column.".to_owned()
        }
        (ErrorCode::ConstraintViolation, _) => {
            format!("Record violates a constraint of table '{}'.", table.name())
        }
        _ => return Err(map_error(error)),
    };
    Ok(RecordError::BadRequest(message))
}

/// A failed `COMMIT`: a deferred foreign key still violated is the request's 400 (nothing
/// was written); anything else is the request's error.
pub(crate) fn commit_failure(error: rusqlite::Error) -> ConnectorError {
    match error.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => {
            tracing::debug!(error = %error, "commit refused");
            ConnectorError::bad_request(
                "The request violates a foreign key constraint. No changes were made.",
            )
        }
        _ => map_error(error),
    }
}

/// The columns SQLite names in `... constraint failed: t.a, t.b`, in the database's
/// spelling. `None` when any of them is not a column the caller may see (a hidden field is
/// never named) or the message names an index instead.
fn named_columns(table: &TableSchema, detail: &str) -> Option<Vec<String>> {
    let (_, list) = detail.split_once("constraint failed: ")?;
    let prefix = format!("{}.", table.name());
    list.split(", ")
        .map(|qualified| {
            let name = qualified
                .strip_prefix(&prefix)
                .or_else(|| qualified.rsplit_once('.').map(|(_, name)| name))?;
            let column = table.column_ref(name)?;
            Some(table.column(column).name.clone())
        })
        .collect()
}

/// Deleting: the row is still referenced. Writing: the first foreign key of the table
/// whose columns were all written with non-null values and whose referenced row does not
/// exist names the field.
fn foreign_key_message(
    connection: &Connection,
    table: &TableSchema,
    statement: Statement<'_>,
) -> String {
    let Statement::Writing(values) = statement else {
        return "Record can not be deleted because other records refer to it.".to_owned();
    };
    for key in table.foreign_keys() {
        let written: Option<Vec<_>> = key
            .columns
            .iter()
            .map(|name| {
                let column = table.column_ref(name)?;
                values
                    .iter()
                    .find(|value| value.column == column)
                    .map(|value| value.value.clone())
                    .filter(|value| *value != sluice_connector_core::BoundValue::Null)
            })
            .collect();
        let Some(written) = written else { continue };
        let compiled = compile_reference_exists(key, &written);
        // A key whose parent cannot be read (a dangling declaration) names nothing; the
        // generic message below is still a 400, never a 500 for a diagnosis.
        let found = connection
            .prepare_cached(&compiled.sql)
            .and_then(|mut check| check.exists(binds(&compiled)));
        if let Err(error) = &found {
            tracing::debug!(error = %error, "foreign key diagnosis failed");
        }
        if found == Ok(false) {
            return format!(
                "Field '{}' refers to a record of '{}' that does not exist.",
                key.columns.join("', '"),
                key.ref_table
            );
        }
    }
    "Record violates a foreign key constraint.".to_owned()
}
