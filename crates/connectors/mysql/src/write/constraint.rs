//! A failed write statement as the client may see it: constraint violations become the
//! record's 400 naming the field, with the same messages as the SQLite and PostgreSQL
//! connectors; everything else goes through `error::map_error`. The server's message is
//! read here only to find the column or key it names, and logged at debug level, never
//! returned.

use sluice_connector_core::{ConnectorError, RecordError, TableSchema};

use crate::error::map_error;

/// What the failed statement was doing, which decides what a foreign key failure means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Statement {
    /// An INSERT or UPDATE.
    Writing,
    Deleting,
}

/// The record's failure for a constraint violation or a value its column cannot hold, or
/// the request's error for anything else (connection lost, deadlock, ...).
/// `index_columns` answers the columns of a unique index of the table, by name.
pub(crate) fn record_failure(
    table: &TableSchema,
    error: mysql_async::Error,
    statement: Statement,
    index_columns: impl FnOnce(&str) -> Result<Vec<String>, ConnectorError>,
) -> Result<RecordError, ConnectorError> {
    let mysql_async::Error::Server(server) = &error else {
        return Err(map_error(error));
    };
    tracing::debug!(error = %error, table.name = table.name(), "write statement refused");
    let message = match server.code {
        // Duplicate entry for a primary key or unique index.
        1062 | 1586 => {
            let columns = match duplicate_index(&server.message) {
                Some("PRIMARY") => Some(
                    table
                        .primary_key()
                        .iter()
                        .map(|&column| table.column(column).name.clone())
                        .collect(),
                ),
                Some(index) => index_columns(index)?
                    .iter()
                    .map(|name| visible(table, name))
                    .collect::<Option<Vec<_>>>(),
                None => None,
            };
            return Ok(RecordError::duplicate(columns.as_deref()));
        }
        // A NULL for a NOT NULL column; no value for a column without a default.
        1048 | 1364 => match quoted(&server.message).and_then(|name| visible(table, name)) {
            Some(column) => format!("Field '{column}' can not be NULL."),
            None => "A required field can not be NULL.".to_owned(),
        },
        // A parent row that other rows still refer to.
        1451 => "Record can not be deleted because other records refer to it.".to_owned(),
        1452 if statement == Statement::Deleting => {
            "Record can not be deleted because other records refer to it.".to_owned()
        }
        1452 => foreign_key_message(table, &server.message),
        // CHECK constraint (MySQL 8, MariaDB).
        3819 | 4025 => format!(
            "Record violates a check constraint of table '{}'.",
            table.name()
        ),
        // A trigger's SIGNAL.
        1644 => "Record was rejected by the database.".to_owned(),
        // A value for a generated column (MySQL, MariaDB).
        3105 | 1906 => "A field the database generates can not be given a value.".to_owned(),
        // Out of range, too long, not a date or number (strict mode).
        1264 | 1265 | 1292 | 1366 | 1367 | 1406 | 1411 | 1441 | 3140 => {
            "A value does not match the type of its column.".to_owned()
        }
        _ => return Err(map_error(error)),
    };
    Ok(RecordError::BadRequest(message))
}

/// The index a duplicate-entry message names (`... for key 'email'`; MySQL 8 writes
/// `'table.email'`).
fn duplicate_index(message: &str) -> Option<&str> {
    let (_, key) = message.rsplit_once("for key '")?;
    let key = key.strip_suffix('\'').unwrap_or(key);
    Some(key.rsplit_once('.').map_or(key, |(_, name)| name))
}

/// `Field 'a', 'b' refers to a record of 'parent' that does not exist.`, from the
/// `FOREIGN KEY (`a`, `b`)` the server's message quotes.
fn foreign_key_message(table: &TableSchema, message: &str) -> String {
    let columns: Option<Vec<&str>> = message
        .split_once("FOREIGN KEY (")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(list, _)| {
            list.split(", ")
                .map(|name| name.trim_matches('`'))
                .collect()
        });
    let key = columns.and_then(|columns| {
        table.foreign_keys().iter().find(|key| {
            key.columns.len() == columns.len()
                && key
                    .columns
                    .iter()
                    .zip(&columns)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
                && key
                    .columns
                    .iter()
                    .all(|column| visible(table, column).is_some())
        })
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

/// The text between the first pair of single quotes.
fn quoted(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once('\'')?;
    Some(rest.split_once('\'')?.0)
}

/// `name` as the table's column the caller may see.
fn visible(table: &TableSchema, name: &str) -> Option<String> {
    let column = table.column_ref(name)?;
    Some(table.column(column).name.clone())
}

#[cfg(test)]
mod tests {
    use sluice_connector_core::ColumnSchema;

    use super::*;

    fn table() -> TableSchema {
        let mut id = ColumnSchema::from_declared("id", "int");
        id.is_primary_key = true;
        TableSchema::new(
            "t",
            false,
            vec![id, ColumnSchema::from_declared("email", "varchar(20)")],
            vec![],
        )
    }

    #[test]
    fn messages_name_their_index_and_column() {
        let primary = duplicate_index("Duplicate entry '1' for key 'PRIMARY'");
        assert_eq!(primary, Some("PRIMARY"));
        let mysql8 = duplicate_index("Duplicate entry 'a' for key 't.email'");
        assert_eq!(mysql8, Some("email"));
        assert_eq!(quoted("Column 'email' cannot be null"), Some("email"));
        let table = table();
        assert_eq!(visible(&table, "EMAIL"), Some("email".to_owned()));
    }
}
