//! Repository for the `limits` table: DreamFactory's API rate limits. The gateway computes
//! `key_text` (unique) from the other fields, so a write always stores a whole limit.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::DbError;
use crate::codec::{AnyQuery, get_flag, now_timestamp};
use crate::db::Handle;

macro_rules! limit_columns {
    () => {
        "id, type, key_text, rate, period, user_id, role_id, service_id, endpoint, verb, name, \
         description, is_active, created_date, last_modified_date"
    };
}

/// A stored limit, serialised with DreamFactory's field names.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LimitRow {
    pub id: i64,
    #[serde(flatten)]
    pub limit: NewLimit,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub created_date: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub last_modified_date: String,
}

/// A whole limit as written; `key_text` is unique. `period` is the stored index (0 minute,
/// 1 hour, 2 day, 3 7-day, 4 30-day).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NewLimit {
    #[serde(rename = "type")]
    pub kind: String,
    pub key_text: String,
    pub rate: i64,
    pub period: i64,
    pub user_id: Option<i64>,
    pub role_id: Option<i64>,
    pub service_id: Option<i64>,
    pub endpoint: Option<String>,
    pub verb: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub is_active: bool,
}

/// Limit queries; get one from [`crate::SystemDb::limits`] or [`crate::SystemTx::limits`].
pub struct Limits<'a> {
    handle: Handle<'a>,
}

impl<'a> Limits<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        Limits { handle }
    }

    /// Every limit, by id.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn list(self) -> Result<Vec<LimitRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            limit_columns!(),
            " FROM limits ORDER BY id"
        ))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(limit_from_row).collect()
    }

    /// The limit with this id, if any.
    ///
    /// # Errors
    /// As [`Limits::list`].
    pub async fn get(self, id: i64) -> Result<Option<LimitRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            limit_columns!(),
            " FROM limits WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(limit_from_row).transpose()
    }

    /// Creates a limit.
    ///
    /// # Errors
    /// [`DbError::Conflict`] if a limit has this `key_text`, [`DbError::InvalidReference`] if
    /// the user, role or service does not exist, and as [`Limits::list`].
    pub async fn insert(self, limit: &NewLimit) -> Result<LimitRow, DbError> {
        let now = now_timestamp();
        let mut conn = self.handle.acquire_write().await?;
        let query = sqlx::query(concat!(
            "INSERT INTO limits (type, key_text, rate, period, user_id, role_id, service_id, \
             endpoint, verb, name, description, is_active, created_date, last_modified_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING ",
            limit_columns!()
        ));
        let row = bind_limit(query, limit)
            .bind(&now)
            .fetch_one(&mut *conn)
            .await?;
        conn.confirm(limit_from_row(&row)).await
    }

    /// Replaces every written field of a limit and stamps `last_modified_date`; `None` if there
    /// is no such limit.
    ///
    /// # Errors
    /// As [`Limits::insert`].
    pub async fn update(self, id: i64, limit: &NewLimit) -> Result<Option<LimitRow>, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let query = sqlx::query(concat!(
            "UPDATE limits SET type = $2, key_text = $3, rate = $4, period = $5, user_id = $6, \
             role_id = $7, service_id = $8, endpoint = $9, verb = $10, name = $11, \
             description = $12, is_active = $13, last_modified_date = $14 \
             WHERE id = $1 RETURNING ",
            limit_columns!()
        ))
        .bind(id);
        let row = bind_limit(query, limit)
            .bind(now_timestamp())
            .fetch_optional(&mut *conn)
            .await?;
        conn.confirm(row.as_ref().map(limit_from_row).transpose())
            .await
    }

    /// Deletes a limit; `false` if there was none.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn delete(self, id: i64) -> Result<bool, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM limits WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected() > 0)).await
    }
}

/// Binds a limit's written fields, in column order from `type` to `is_active`.
fn bind_limit<'q>(query: AnyQuery<'q>, limit: &'q NewLimit) -> AnyQuery<'q> {
    query
        .bind(&limit.kind)
        .bind(&limit.key_text)
        .bind(limit.rate)
        .bind(limit.period)
        .bind(limit.user_id)
        .bind(limit.role_id)
        .bind(limit.service_id)
        .bind(limit.endpoint.as_deref())
        .bind(limit.verb.as_deref())
        .bind(&limit.name)
        .bind(limit.description.as_deref())
        .bind(limit.is_active)
}

fn limit_from_row(row: &AnyRow) -> Result<LimitRow, DbError> {
    Ok(LimitRow {
        id: row.try_get("id")?,
        limit: NewLimit {
            kind: row.try_get("type")?,
            key_text: row.try_get("key_text")?,
            rate: row.try_get("rate")?,
            period: row.try_get("period")?,
            user_id: row.try_get("user_id")?,
            role_id: row.try_get("role_id")?,
            service_id: row.try_get("service_id")?,
            endpoint: row.try_get("endpoint")?,
            verb: row.try_get("verb")?,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            is_active: get_flag(row, "is_active")?,
        },
        created_date: row.try_get("created_date")?,
        last_modified_date: row.try_get("last_modified_date")?,
    })
}
