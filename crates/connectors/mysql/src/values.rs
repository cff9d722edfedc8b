//! Values crossing the driver: binds go out as the binary protocol's values, cells come
//! back borrowed from the row.

use mysql_async::consts::ColumnType;
use mysql_async::{Column, Params, Row, Value};
use sluice_connector_core::{BoundValue, CellValue, ConnectorError};

/// The statement's parameters. Core types every value by its column's DreamFactory type;
/// MySQL converts a string to the compared column's type (a date, a decimal), and strict
/// mode makes a value that does not fit an error rather than a silent zero.
pub(crate) fn params(binds: &[BoundValue]) -> Params {
    if binds.is_empty() {
        return Params::Empty;
    }
    Params::Positional(binds.iter().map(to_value).collect())
}

fn to_value(value: &BoundValue) -> Value {
    match value {
        BoundValue::Null => Value::NULL,
        BoundValue::Integer(i) => Value::Int(*i),
        BoundValue::Real(f) => Value::Double(*f),
        BoundValue::Text(text) => Value::Bytes(text.as_bytes().to_vec()),
        BoundValue::Blob(bytes) => Value::Bytes(bytes.clone()),
    }
}

/// MySQL's number of the `binary` character set: bytes, not text.
const BINARY_CHARSET: u16 = 63;

/// Whether a column's bytes are binary data (`blob`, `varbinary`), not text. Numbers such
/// as DECIMAL also report the binary character set, so only string types count.
fn is_binary(column: &Column) -> bool {
    column.character_set() == BINARY_CHARSET
        && matches!(
            column.column_type(),
            ColumnType::MYSQL_TYPE_STRING
                | ColumnType::MYSQL_TYPE_VAR_STRING
                | ColumnType::MYSQL_TYPE_VARCHAR
                | ColumnType::MYSQL_TYPE_BLOB
                | ColumnType::MYSQL_TYPE_TINY_BLOB
                | ColumnType::MYSQL_TYPE_MEDIUM_BLOB
                | ColumnType::MYSQL_TYPE_LONG_BLOB
        )
}

/// Cell `index` of `row`. Integers and doubles arrive as numbers, DECIMAL as its text,
/// strings as their bytes; temporal values were converted to text by the compiler.
pub(crate) fn cell(row: &Row, index: usize) -> Result<CellValue<'_>, ConnectorError> {
    let Some(value) = row.as_ref(index) else {
        return Err(ConnectorError::Internal(
            "a row has fewer values than were selected".to_owned(),
        ));
    };
    Ok(match value {
        Value::NULL => CellValue::Null,
        Value::Int(i) => CellValue::Integer(*i),
        Value::UInt(u) => match i64::try_from(*u) {
            Ok(i) => CellValue::Integer(i),
            // Above i64::MAX (a `bigint unsigned`): the nearest double, as for decimals.
            Err(_) => CellValue::Real(*u as f64),
        },
        Value::Float(f) => CellValue::Real(f64::from(*f)),
        Value::Double(f) => CellValue::Real(*f),
        Value::Bytes(bytes) => match row.columns_ref().get(index).is_some_and(is_binary) {
            true => CellValue::Blob(bytes),
            false => CellValue::Text(bytes),
        },
        Value::Date(..) | Value::Time(..) => {
            return Err(ConnectorError::Internal(
                "a temporal value arrived in binary form".to_owned(),
            ));
        }
    })
}

/// Cell `index` as text (catalog queries), `None` for NULL.
pub(crate) fn text(row: &Row, index: usize) -> Result<Option<String>, ConnectorError> {
    Ok(match cell(row, index)? {
        CellValue::Null => None,
        CellValue::Integer(i) => Some(i.to_string()),
        CellValue::Real(f) => Some(f.to_string()),
        CellValue::Text(bytes) | CellValue::Blob(bytes) => {
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
    })
}

/// Cell `index` as text that must be there.
pub(crate) fn required_text(row: &Row, index: usize) -> Result<String, ConnectorError> {
    text(row, index)?.ok_or_else(|| {
        ConnectorError::Internal("the catalog answered NULL where a name was expected".to_owned())
    })
}
