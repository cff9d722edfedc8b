//! Repository for the `user_custom` table: DreamFactory's `user/custom` resource, free-form
//! key/values a user keeps for themselves (UI preferences and the like), keyed by name.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::DbError;
use crate::codec::now_timestamp;
use crate::db::Handle;

macro_rules! custom_columns {
    () => {
        "id, user_id, name, value, created_date, last_modified_date, created_by_id, \
         last_modified_by_id"
    };
}

/// A stored value, serialised with DreamFactory's field names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserCustomRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub value: Option<String>,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub created_date: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub last_modified_date: String,
    pub created_by_id: Option<i64>,
    pub last_modified_by_id: Option<i64>,
}

/// Custom-value queries; get one from [`crate::SystemDb::user_custom`] or
/// [`crate::SystemTx::user_custom`]. Names are case-sensitive, as in DreamFactory.
pub struct UserCustom<'a> {
    handle: Handle<'a>,
}

impl<'a> UserCustom<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        UserCustom { handle }
    }

    /// The values of one user, by id (empty for an unknown user).
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn for_user(self, user_id: i64) -> Result<Vec<UserCustomRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            custom_columns!(),
            " FROM user_custom WHERE user_id = $1 ORDER BY id"
        ))
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(custom_from_row).collect()
    }

    /// The value `name` of `user_id`, if set.
    ///
    /// # Errors
    /// As [`UserCustom::for_user`].
    pub async fn get(self, user_id: i64, name: &str) -> Result<Option<UserCustomRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            custom_columns!(),
            " FROM user_custom WHERE user_id = $1 AND name = $2"
        ))
        .bind(user_id)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(custom_from_row).transpose()
    }

    /// Sets `name` to `value` for `user_id`, creating or replacing it in one statement (no
    /// read-then-write race between two requests of the same user).
    ///
    /// The audit columns name the user: this serves the user's own `user/custom` resource, so
    /// there is no separate actor (an admin writing on a user's behalf is not recorded).
    ///
    /// # Errors
    /// [`DbError::InvalidReference`] if the user does not exist, and as
    /// [`UserCustom::for_user`].
    pub async fn upsert(
        self,
        user_id: i64,
        name: &str,
        value: Option<&str>,
    ) -> Result<UserCustomRow, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO user_custom (user_id, name, value, created_date, last_modified_date, \
             created_by_id, last_modified_by_id) VALUES ($1, $2, $3, $4, $4, $1, $1) \
             ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value, \
             last_modified_date = excluded.last_modified_date, \
             last_modified_by_id = excluded.last_modified_by_id \
             RETURNING ",
            custom_columns!()
        ))
        .bind(user_id)
        .bind(name)
        .bind(value)
        .bind(now_timestamp())
        .fetch_one(&mut *conn)
        .await?;
        conn.confirm(custom_from_row(&row)).await
    }

    /// Deletes the value `name` of `user_id`; `false` if it was not set.
    ///
    /// # Errors
    /// As [`UserCustom::for_user`].
    pub async fn delete(self, user_id: i64, name: &str) -> Result<bool, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM user_custom WHERE user_id = $1 AND name = $2")
            .bind(user_id)
            .bind(name)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected() > 0)).await
    }
}

fn custom_from_row(row: &AnyRow) -> Result<UserCustomRow, DbError> {
    Ok(UserCustomRow {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        value: row.try_get("value")?,
        created_date: row.try_get("created_date")?,
        last_modified_date: row.try_get("last_modified_date")?,
        created_by_id: row.try_get("created_by_id")?,
        last_modified_by_id: row.try_get("last_modified_by_id")?,
    })
}
