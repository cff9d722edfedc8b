//! Repository for the `system_setting` table: small internal key/values.

use crate::DbError;
use crate::db::Handle;

/// Setting queries; get one from [`crate::SystemDb::settings`] or [`crate::SystemTx::settings`].
pub struct Settings<'a> {
    handle: Handle<'a>,
}

impl<'a> Settings<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        Settings { handle }
    }

    /// The value stored under `name`, if any.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn get_setting(self, name: &str) -> Result<Option<String>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let value = sqlx::query_scalar("SELECT value FROM system_setting WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?;
        Ok(value)
    }

    /// Stores `value` under `name`, replacing any previous value.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn set_setting(self, name: &str, value: &str) -> Result<(), DbError> {
        let mut conn = self.handle.acquire_write().await?;
        sqlx::query(
            "INSERT INTO system_setting (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&mut *conn)
        .await?;
        conn.confirm(Ok(())).await
    }
}
