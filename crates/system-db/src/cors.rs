//! Repository for the `cors` table: DreamFactory's CORS rules, one per request path pattern.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::DbError;
use crate::codec::{bind_nullable, get_flag, now_timestamp, text_patch};
use crate::db::Handle;

macro_rules! cors_columns {
    () => {
        "id, path, description, origin, header, exposed_header, method, max_age, \
         supports_credentials, enabled, created_date, last_modified_date, created_by_id, \
         last_modified_by_id"
    };
}

/// A stored CORS rule, serialised with DreamFactory's field names. `origin`, `header` and
/// `exposed_header` are comma lists as written; `method` is a verb mask (GET 1, POST 2, PUT 4,
/// PATCH 8, DELETE 16).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CorsRow {
    pub id: i64,
    pub path: String,
    pub description: Option<String>,
    pub origin: String,
    pub header: Option<String>,
    pub exposed_header: Option<String>,
    pub method: i64,
    pub max_age: i64,
    pub supports_credentials: bool,
    pub enabled: bool,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub created_date: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub last_modified_date: String,
    pub created_by_id: Option<i64>,
    pub last_modified_by_id: Option<i64>,
}

/// A CORS rule to create; `path` is unique.
#[derive(Clone, Debug, PartialEq)]
pub struct NewCors {
    pub path: String,
    pub description: Option<String>,
    pub origin: String,
    pub header: Option<String>,
    pub exposed_header: Option<String>,
    pub method: i64,
    pub max_age: i64,
    pub supports_credentials: bool,
    pub enabled: bool,
}

/// A partial update: only the `Some` fields change; for nullable columns `Some(None)` clears.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CorsPatch {
    pub path: Option<String>,
    pub description: Option<Option<String>>,
    pub origin: Option<String>,
    pub header: Option<Option<String>>,
    pub exposed_header: Option<Option<String>>,
    pub method: Option<i64>,
    pub max_age: Option<i64>,
    pub supports_credentials: Option<bool>,
    pub enabled: Option<bool>,
}

/// CORS rule queries; get one from [`crate::SystemDb::cors`] or [`crate::SystemTx::cors`].
pub struct Cors<'a> {
    handle: Handle<'a>,
}

impl<'a> Cors<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        Cors { handle }
    }

    /// Every rule, by id.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn list(self) -> Result<Vec<CorsRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            cors_columns!(),
            " FROM cors ORDER BY id"
        ))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(cors_from_row).collect()
    }

    /// The rule with this id, if any.
    ///
    /// # Errors
    /// As [`Cors::list`].
    pub async fn get(self, id: i64) -> Result<Option<CorsRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            cors_columns!(),
            " FROM cors WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(cors_from_row).transpose()
    }

    /// Creates a rule; `actor` is the acting user's id for the audit columns.
    ///
    /// # Errors
    /// [`DbError::Conflict`] (`path`) if a rule has this path, [`DbError::InvalidReference`]
    /// if `actor` does not exist, and as [`Cors::list`].
    pub async fn insert(self, cors: &NewCors, actor: Option<i64>) -> Result<CorsRow, DbError> {
        let now = now_timestamp();
        let mut conn = self.handle.acquire_write().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO cors (path, description, origin, header, exposed_header, method, \
             max_age, supports_credentials, enabled, created_date, last_modified_date, \
             created_by_id, last_modified_by_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $11) RETURNING ",
            cors_columns!()
        ))
        .bind(&cors.path)
        .bind(cors.description.as_deref())
        .bind(&cors.origin)
        .bind(cors.header.as_deref())
        .bind(cors.exposed_header.as_deref())
        .bind(cors.method)
        .bind(cors.max_age)
        .bind(cors.supports_credentials)
        .bind(cors.enabled)
        .bind(&now)
        .bind(actor)
        .fetch_one(&mut *conn)
        .await?;
        conn.confirm(cors_from_row(&row)).await
    }

    /// Applies `patch` and stamps `last_modified_date`/`last_modified_by_id`; `None` if there is
    /// no such rule.
    ///
    /// # Errors
    /// As [`Cors::insert`].
    pub async fn update(
        self,
        id: i64,
        patch: &CorsPatch,
        actor: Option<i64>,
    ) -> Result<Option<CorsRow>, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let query = sqlx::query(concat!(
            "UPDATE cors SET \
             path = COALESCE($2, path), \
             description = CASE WHEN $3 THEN $4 ELSE description END, \
             origin = COALESCE($5, origin), \
             header = CASE WHEN $6 THEN $7 ELSE header END, \
             exposed_header = CASE WHEN $8 THEN $9 ELSE exposed_header END, \
             method = COALESCE($10, method), \
             max_age = COALESCE($11, max_age), \
             supports_credentials = COALESCE($12, supports_credentials), \
             enabled = COALESCE($13, enabled), \
             last_modified_date = $14, \
             last_modified_by_id = $15 \
             WHERE id = $1 RETURNING ",
            cors_columns!()
        ))
        .bind(id)
        .bind(patch.path.as_deref());
        let query =
            bind_nullable(query, text_patch(&patch.description)).bind(patch.origin.as_deref());
        let query = bind_nullable(query, text_patch(&patch.header));
        let row = bind_nullable(query, text_patch(&patch.exposed_header))
            .bind(patch.method)
            .bind(patch.max_age)
            .bind(patch.supports_credentials)
            .bind(patch.enabled)
            .bind(now_timestamp())
            .bind(actor)
            .fetch_optional(&mut *conn)
            .await?;
        conn.confirm(row.as_ref().map(cors_from_row).transpose())
            .await
    }

    /// Deletes a rule; `false` if there was none.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn delete(self, id: i64) -> Result<bool, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM cors WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected() > 0)).await
    }
}

fn cors_from_row(row: &AnyRow) -> Result<CorsRow, DbError> {
    Ok(CorsRow {
        id: row.try_get("id")?,
        path: row.try_get("path")?,
        description: row.try_get("description")?,
        origin: row.try_get("origin")?,
        header: row.try_get("header")?,
        exposed_header: row.try_get("exposed_header")?,
        method: row.try_get("method")?,
        max_age: row.try_get("max_age")?,
        supports_credentials: get_flag(row, "supports_credentials")?,
        enabled: get_flag(row, "enabled")?,
        created_date: row.try_get("created_date")?,
        last_modified_date: row.try_get("last_modified_date")?,
        created_by_id: row.try_get("created_by_id")?,
        last_modified_by_id: row.try_get("last_modified_by_id")?,
    })
}
