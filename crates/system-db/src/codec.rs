//! Conversions between Rust values and the column encodings both dialects share
//! (see the migrations' header): TEXT timestamps, TEXT JSON, integer-or-boolean flags.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row};

use crate::DbError;

pub(crate) type AnyQuery<'q> = Query<'q, Any, AnyArguments>;

/// Timestamps (`*_date` columns) are stored as DreamFactory shows them, `YYYY-MM-DD HH:MM:SS`
/// UTC, by the formatter every part of Sluice uses. They are bound from Rust rather than left
/// to column defaults because the two dialects' `now()` render differently.
pub(crate) use sluice_connector_core::clock::{format_timestamp, now_timestamp};

/// Reads a boolean column: INTEGER 0/1 on SQLite, BOOLEAN on PostgreSQL. The Any driver decodes
/// each only as its own type, so try the SQLite (default) shape first and fall back.
pub(crate) fn get_flag<I>(row: &AnyRow, column: I) -> Result<bool, sqlx::Error>
where
    I: sqlx::ColumnIndex<AnyRow> + Copy,
{
    match row.try_get::<i64, _>(column) {
        Ok(value) => Ok(value != 0),
        Err(sqlx::Error::ColumnDecode { .. }) => row.try_get::<bool, _>(column),
        Err(other) => Err(other),
    }
}

/// Reads a TEXT column holding a JSON document.
pub(crate) fn get_json(row: &AnyRow, column: &'static str) -> Result<serde_json::Value, DbError> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|source| DbError::CorruptJson { column, source })
}

/// Binds a patch field for a nullable column as the pair (`is set`, `new value`), consumed in
/// SQL as `col = CASE WHEN $n THEN $n+1 ELSE col END`. Plain `COALESCE($n, col)` (used for NOT
/// NULL columns) could not distinguish "leave unchanged" from "set to NULL".
pub(crate) fn bind_nullable<'q, 't, T>(
    query: AnyQuery<'q>,
    value: Option<Option<T>>,
) -> AnyQuery<'q>
where
    T: sqlx::Encode<'t, Any> + sqlx::Type<Any> + 't,
{
    query.bind(value.is_some()).bind(value.flatten())
}

/// Borrows a nullable text patch field (`Option<Option<String>>`) for [`bind_nullable`].
pub(crate) fn text_patch(field: &Option<Option<String>>) -> Option<Option<&str>> {
    field.as_ref().map(Option::as_deref)
}
