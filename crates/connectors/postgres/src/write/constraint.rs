//! A failed write statement as the client may see it: constraint violations become the
//! record's 400 naming the field, with the SQLite connector's messages; everything else goes
//! through `error::map_error`. PostgreSQL's message and detail are read here to find the
//! columns (the detail's `Key (a, b)=(...)`), and logged at debug level, never returned.

use sluice_connector_core::{ConnectorError, RecordError, TableSchema};
use tokio_postgres::error::{DbError, SqlState};

use crate::error::map_error;

/// What the failed statement was doing, which decides what a foreign key failure means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Statement {
    /// An INSERT or UPDATE.
    Writing,
    Deleting,
}

/// The record's failure for a constraint violation or a value its column cannot hold, or
/// the request's error for anything else (connection lost, timeout, ...).
pub(crate) fn record_failure(
    table: &TableSchema,
    error: tokio_postgres::Error,
    statement: Statement,
) -> Result<RecordError, ConnectorError> {
    let Some(db) = error.as_db_error() else {
        return Err(map_error(error));
    };
    tracing::debug!(error = %error, table.name = table.name(), "write statement refused");
    let code = db.code();
    let message = if *code == SqlState::UNIQUE_VIOLATION {
        return Ok(RecordError::duplicate(key_columns(table, db).as_deref()));
    } else if *code == SqlState::NOT_NULL_VIOLATION {
        match db.column().and_then(|name| visible(table, name)) {
            Some(column) => format!("Field '{column}' can not be NULL."),
            None => "A required field can not be NULL.".to_owned(),
        }
    } else if *code == SqlState::FOREIGN_KEY_VIOLATION {
        foreign_key_message(table, db, statement)
    } else if *code == SqlState::CHECK_VIOLATION {
        format!(
            "Record violates a check constraint of table '{}'.",
            table.name()
        )
    } else if *code == SqlState::RAISE_EXCEPTION {
        "Record was rejected by the database.".to_owned()
    } else if *code == SqlState::GENERATED_ALWAYS {
        "A field the database generates can not be given a value.".to_owned()
    } else if code.code().starts_with("22") {
        "A value does not match the type of its column.".to_owned()
    } else if code.code().starts_with("23") {
        format!("Record violates a constraint of table '{}'.", table.name())
    } else {
        return Err(map_error(error));
    };
    Ok(RecordError::BadRequest(message))
}

/// A failed `COMMIT`: a deferred constraint still violated is the request's 400 (nothing
/// was written); anything else is the request's error.
pub(crate) fn commit_failure(error: tokio_postgres::Error) -> ConnectorError {
    match error.code() {
        Some(code) if code.code().starts_with("23") => {
            tracing::debug!(error = %error, "commit refused");
            ConnectorError::bad_request(
                "The request violates a foreign key constraint. No changes were made.",
            )
        }
        _ => map_error(error),
    }
}

/// Deleting (or changing a key other rows refer to): the row is still referenced.
/// Writing: the foreign key of the table on the columns the detail names gives the table
/// the missing row belongs to.
fn foreign_key_message(table: &TableSchema, db: &DbError, statement: Statement) -> String {
    let referenced = db
        .detail()
        .is_some_and(|detail| detail.contains("is still referenced"));
    if statement == Statement::Deleting || referenced {
        return "Record can not be deleted because other records refer to it.".to_owned();
    }
    let Some(columns) = key_columns(table, db) else {
        return "Record violates a foreign key constraint.".to_owned();
    };
    let key = table.foreign_keys().iter().find(|key| {
        key.columns.len() == columns.len()
            && key
                .columns
                .iter()
                .zip(&columns)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    });
    match key {
        Some(key) => format!(
            "Field '{}' refers to a record of '{}' that does not exist.",
            key.columns.join("', '"),
            key.ref_table
        ),
        None => "Record violates a foreign key constraint.".to_owned(),
    }
}

/// The columns PostgreSQL names in a detail `Key (a, b)=(...) ...`, in the database's
/// spelling. `None` when any of them is not a column the caller may see (a hidden field is
/// never named) or the detail names an expression.
fn key_columns(table: &TableSchema, db: &DbError) -> Option<Vec<String>> {
    let detail = db.detail()?;
    let list = detail.strip_prefix("Key (")?.split_once(")=(")?.0;
    list.split(", ")
        .map(|name| visible(table, name.trim_matches('"')))
        .collect()
}

/// `name` as the table's column the caller may see.
fn visible(table: &TableSchema, name: &str) -> Option<String> {
    let column = table.column_ref(name)?;
    Some(table.column(column).name.clone())
}
