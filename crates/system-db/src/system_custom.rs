//! Repository for the `system_custom` table: DreamFactory's `system/custom`, instance-wide
//! key/values (the admin app keeps its settings there), keyed by name.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::DbError;
use crate::codec::now_timestamp;
use crate::db::Handle;

macro_rules! custom_columns {
    () => {
        "name, value, created_date, last_modified_date, created_by_id, last_modified_by_id"
    };
}

/// A stored value; `value` is a JSON document (the gateway encodes and decodes it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemCustomRow {
    pub name: String,
    pub value: Option<String>,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub created_date: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub last_modified_date: String,
    pub created_by_id: Option<i64>,
    pub last_modified_by_id: Option<i64>,
}

/// Instance-wide custom values; get one from [`crate::SystemDb::system_custom`] or
/// [`crate::SystemTx::system_custom`]. Names are case-sensitive, as in DreamFactory.
pub struct SystemCustom<'a> {
    handle: Handle<'a>,
}

impl<'a> SystemCustom<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        SystemCustom { handle }
    }

    /// Every value, by name (DreamFactory's default order: the primary key).
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn list(self) -> Result<Vec<SystemCustomRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            custom_columns!(),
            " FROM system_custom ORDER BY name"
        ))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(custom_from_row).collect()
    }

    /// The value stored under `name`, if any.
    ///
    /// # Errors
    /// As [`SystemCustom::list`].
    pub async fn get(self, name: &str) -> Result<Option<SystemCustomRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            custom_columns!(),
            " FROM system_custom WHERE name = $1"
        ))
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(custom_from_row).transpose()
    }

    /// Stores `value` under `name`, creating or replacing it; `actor` is the acting user.
    ///
    /// # Errors
    /// As [`SystemCustom::list`].
    pub async fn upsert(
        self,
        name: &str,
        value: Option<&str>,
        actor: Option<i64>,
    ) -> Result<SystemCustomRow, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO system_custom (name, value, created_date, last_modified_date, \
             created_by_id, last_modified_by_id) VALUES ($1, $2, $3, $3, $4, $4) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, \
             last_modified_date = excluded.last_modified_date, \
             last_modified_by_id = excluded.last_modified_by_id RETURNING ",
            custom_columns!()
        ))
        .bind(name)
        .bind(value)
        .bind(now_timestamp())
        .bind(actor)
        .fetch_one(&mut *conn)
        .await?;
        conn.confirm(custom_from_row(&row)).await
    }

    /// Deletes the value under `name`; `false` if there was none.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn delete(self, name: &str) -> Result<bool, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM system_custom WHERE name = $1")
            .bind(name)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected() > 0)).await
    }
}

fn custom_from_row(row: &AnyRow) -> Result<SystemCustomRow, DbError> {
    Ok(SystemCustomRow {
        name: row.try_get("name")?,
        value: row.try_get("value")?,
        created_date: row.try_get("created_date")?,
        last_modified_date: row.try_get("last_modified_date")?,
        created_by_id: row.try_get("created_by_id")?,
        last_modified_by_id: row.try_get("last_modified_by_id")?,
    })
}
