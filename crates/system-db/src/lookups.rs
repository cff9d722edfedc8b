//! Repository for the `lookup` table: DreamFactory's system, app, role and user lookups in one
//! table, the scope being whichever of `app_id`, `role_id`, `user_id` is set (none = system).

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::DbError;
use crate::codec::{bind_nullable, get_flag, now_timestamp, text_patch};
use crate::db::Handle;

macro_rules! lookup_columns {
    () => {
        "id, app_id, role_id, user_id, name, value, private, description, created_date, \
         last_modified_date, created_by_id, last_modified_by_id"
    };
}

/// A stored lookup, serialised with DreamFactory's field names.
///
/// `Serialize` writes `value` even when `private` is set: the gateway needs it to substitute
/// `{lookup}` references and must mask it itself in API responses. `Debug` redacts it then.
#[derive(Clone, PartialEq, Serialize)]
pub struct LookupRow {
    pub id: i64,
    pub app_id: Option<i64>,
    pub role_id: Option<i64>,
    pub user_id: Option<i64>,
    pub name: String,
    pub value: Option<String>,
    pub private: bool,
    pub description: Option<String>,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub created_date: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub last_modified_date: String,
    pub created_by_id: Option<i64>,
    pub last_modified_by_id: Option<i64>,
}

impl std::fmt::Debug for LookupRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = if self.private {
            self.value.as_ref().map(|_| "<redacted>")
        } else {
            self.value.as_deref()
        };
        f.debug_struct("LookupRow")
            .field("id", &self.id)
            .field("app_id", &self.app_id)
            .field("role_id", &self.role_id)
            .field("user_id", &self.user_id)
            .field("name", &self.name)
            .field("value", &value)
            .field("private", &self.private)
            .finish_non_exhaustive()
    }
}

/// A lookup to create. At most one of `app_id`, `role_id`, `user_id` may be set; with none it
/// is a system lookup. A name is unique within its scope.
#[derive(Clone, Default, PartialEq)]
pub struct NewLookup {
    pub app_id: Option<i64>,
    pub role_id: Option<i64>,
    pub user_id: Option<i64>,
    pub name: String,
    pub value: Option<String>,
    pub private: bool,
    pub description: Option<String>,
}

// Manual impl: a private lookup's value is a secret (a password a script uses, say).
impl std::fmt::Debug for NewLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewLookup")
            .field("app_id", &self.app_id)
            .field("role_id", &self.role_id)
            .field("user_id", &self.user_id)
            .field("name", &self.name)
            .field("private", &self.private)
            .finish_non_exhaustive()
    }
}

/// A partial update: only the `Some` fields change; for nullable columns `Some(None)` clears.
/// Moving a lookup to another scope means clearing the old scope column in the same patch.
#[derive(Clone, Default, PartialEq)]
pub struct LookupPatch {
    pub app_id: Option<Option<i64>>,
    pub role_id: Option<Option<i64>>,
    pub user_id: Option<Option<i64>>,
    pub name: Option<String>,
    pub value: Option<Option<String>>,
    pub private: Option<bool>,
    pub description: Option<Option<String>>,
}

impl std::fmt::Debug for LookupPatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookupPatch")
            .field("app_id", &self.app_id)
            .field("role_id", &self.role_id)
            .field("user_id", &self.user_id)
            .field("name", &self.name)
            .field("private", &self.private)
            .finish_non_exhaustive()
    }
}

/// Lookup queries; get one from [`crate::SystemDb::lookups`] or [`crate::SystemTx::lookups`].
pub struct Lookups<'a> {
    handle: Handle<'a>,
}

impl<'a> Lookups<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        Lookups { handle }
    }

    /// Every lookup of every scope, by id.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn list(self) -> Result<Vec<LookupRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            lookup_columns!(),
            " FROM lookup ORDER BY id"
        ))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(lookup_from_row).collect()
    }

    /// The lookup with this id, if any.
    ///
    /// # Errors
    /// As [`Lookups::list`].
    pub async fn get(self, id: i64) -> Result<Option<LookupRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            lookup_columns!(),
            " FROM lookup WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(lookup_from_row).transpose()
    }

    /// Creates a lookup; `actor` is the acting user's id for the audit columns.
    ///
    /// # Errors
    /// [`DbError::ConstraintViolation`] if more than one of `app_id`, `role_id`, `user_id` is
    /// set (the table's `ck_lookup_single_scope`), [`DbError::Conflict`] (`name`) if the name
    /// is taken in that scope, [`DbError::InvalidReference`] if the app, role, user or `actor`
    /// does not exist, and as [`Lookups::list`].
    pub async fn insert(
        self,
        lookup: &NewLookup,
        actor: Option<i64>,
    ) -> Result<LookupRow, DbError> {
        let now = now_timestamp();
        let mut conn = self.handle.acquire_write().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO lookup (app_id, role_id, user_id, name, value, private, description, \
             created_date, last_modified_date, created_by_id, last_modified_by_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $9) RETURNING ",
            lookup_columns!()
        ))
        .bind(lookup.app_id)
        .bind(lookup.role_id)
        .bind(lookup.user_id)
        .bind(&lookup.name)
        .bind(lookup.value.as_deref())
        .bind(lookup.private)
        .bind(lookup.description.as_deref())
        .bind(&now)
        .bind(actor)
        .fetch_one(&mut *conn)
        .await?;
        conn.confirm(lookup_from_row(&row)).await
    }

    /// Applies `patch` and stamps `last_modified_date`/`last_modified_by_id`; `None` if there is
    /// no such lookup. The single-scope check applies to the row as patched.
    ///
    /// # Errors
    /// As [`Lookups::insert`].
    pub async fn update(
        self,
        id: i64,
        patch: &LookupPatch,
        actor: Option<i64>,
    ) -> Result<Option<LookupRow>, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let query = sqlx::query(concat!(
            "UPDATE lookup SET \
             app_id = CASE WHEN $2 THEN $3 ELSE app_id END, \
             role_id = CASE WHEN $4 THEN $5 ELSE role_id END, \
             user_id = CASE WHEN $6 THEN $7 ELSE user_id END, \
             name = COALESCE($8, name), \
             value = CASE WHEN $9 THEN $10 ELSE value END, \
             private = COALESCE($11, private), \
             description = CASE WHEN $12 THEN $13 ELSE description END, \
             last_modified_date = $14, \
             last_modified_by_id = $15 \
             WHERE id = $1 RETURNING ",
            lookup_columns!()
        ))
        .bind(id);
        let query = bind_nullable(query, patch.app_id);
        let query = bind_nullable(query, patch.role_id);
        let query = bind_nullable(query, patch.user_id).bind(patch.name.as_deref());
        let query = bind_nullable(query, text_patch(&patch.value)).bind(patch.private);
        let row = bind_nullable(query, text_patch(&patch.description))
            .bind(now_timestamp())
            .bind(actor)
            .fetch_optional(&mut *conn)
            .await?;
        conn.confirm(row.as_ref().map(lookup_from_row).transpose())
            .await
    }

    /// Deletes a lookup; `false` if there was none.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn delete(self, id: i64) -> Result<bool, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM lookup WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected() > 0)).await
    }
}

fn lookup_from_row(row: &AnyRow) -> Result<LookupRow, DbError> {
    Ok(LookupRow {
        id: row.try_get("id")?,
        app_id: row.try_get("app_id")?,
        role_id: row.try_get("role_id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        value: row.try_get("value")?,
        private: get_flag(row, "private")?,
        description: row.try_get("description")?,
        created_date: row.try_get("created_date")?,
        last_modified_date: row.try_get("last_modified_date")?,
        created_by_id: row.try_get("created_by_id")?,
        last_modified_by_id: row.try_get("last_modified_by_id")?,
    })
}
