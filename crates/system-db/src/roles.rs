//! Repository for the `role` table. The queries on a role's service access rows
//! (`role_service_access`) are methods of the same [`Roles`] value, written in `role_access.rs`.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::DbError;
use crate::codec::{bind_nullable, get_flag, now_timestamp};
use crate::db::Handle;

macro_rules! role_columns {
    () => {
        "id, name, description, is_active, created_date, last_modified_date, created_by_id, \
         last_modified_by_id"
    };
}

/// A stored role, serialised with DreamFactory's field names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoleRow {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub is_active: bool,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub created_date: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub last_modified_date: String,
    pub created_by_id: Option<i64>,
    pub last_modified_by_id: Option<i64>,
}

/// A role to create. Validation (name rules) is the caller's.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRole {
    pub name: String,
    pub description: Option<String>,
    pub is_active: bool,
}

impl NewRole {
    /// An active role without a description.
    pub fn new(name: impl Into<String>) -> NewRole {
        NewRole {
            name: name.into(),
            description: None,
            is_active: true,
        }
    }
}

/// A partial update: only the `Some` fields change; `Some(None)` clears the description.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RolePatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub is_active: Option<bool>,
}

/// Role queries; get one from [`crate::SystemDb::roles`] or [`crate::SystemTx::roles`].
pub struct Roles<'a> {
    pub(crate) handle: Handle<'a>,
}

impl<'a> Roles<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        Roles { handle }
    }

    /// All roles, by id.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn list(self) -> Result<Vec<RoleRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            role_columns!(),
            " FROM role ORDER BY id"
        ))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(role_from_row).collect()
    }

    /// The role with this id, if any.
    ///
    /// # Errors
    /// As [`Roles::list`].
    pub async fn get(self, id: i64) -> Result<Option<RoleRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            role_columns!(),
            " FROM role WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(role_from_row).transpose()
    }

    /// Creates a role; `actor` is the acting user's id for the audit columns.
    ///
    /// # Errors
    /// [`DbError::Conflict`] (`name`) if the name is taken in any letter case,
    /// [`DbError::InvalidReference`] if `actor` is not a user, and as [`Roles::list`].
    pub async fn insert(self, role: &NewRole, actor: Option<i64>) -> Result<RoleRow, DbError> {
        let now = now_timestamp();
        let mut conn = self.handle.acquire_write().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO role (name, description, is_active, created_date, last_modified_date, \
             created_by_id, last_modified_by_id) VALUES ($1, $2, $3, $4, $4, $5, $5) RETURNING ",
            role_columns!()
        ))
        .bind(&role.name)
        .bind(role.description.as_deref())
        .bind(role.is_active)
        .bind(&now)
        .bind(actor)
        .fetch_one(&mut *conn)
        .await?;
        conn.confirm(role_from_row(&row)).await
    }

    /// Applies `patch` and stamps `last_modified_date`/`last_modified_by_id`; `None` if there is
    /// no such role.
    ///
    /// # Errors
    /// As [`Roles::insert`].
    pub async fn update(
        self,
        id: i64,
        patch: &RolePatch,
        actor: Option<i64>,
    ) -> Result<Option<RoleRow>, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let query = sqlx::query(concat!(
            "UPDATE role SET \
             name = COALESCE($2, name), \
             description = CASE WHEN $3 THEN $4 ELSE description END, \
             is_active = COALESCE($5, is_active), \
             last_modified_date = $6, \
             last_modified_by_id = $7 \
             WHERE id = $1 RETURNING ",
            role_columns!()
        ))
        .bind(id)
        .bind(patch.name.as_deref());
        let row = bind_nullable(query, patch.description.as_ref().map(Option::as_deref))
            .bind(patch.is_active)
            .bind(now_timestamp())
            .bind(actor)
            .fetch_optional(&mut *conn)
            .await?;
        conn.confirm(row.as_ref().map(role_from_row).transpose())
            .await
    }

    /// Deletes a role; `false` if there was none.
    ///
    /// Its service access rows, user-to-app assignments, role lookups and limits go with it
    /// (cascades); apps that used it as their default role keep existing without one
    /// (`role_id` becomes NULL). Token records stay; to end the sessions that used the role,
    /// read them with [`crate::TokenMap::live_for_role`] *before* deleting, because afterwards
    /// nothing links them to the role any more.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn delete(self, id: i64) -> Result<bool, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM role WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected() > 0)).await
    }
}

fn role_from_row(row: &AnyRow) -> Result<RoleRow, DbError> {
    Ok(RoleRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        is_active: get_flag(row, "is_active")?,
        created_date: row.try_get("created_date")?,
        last_modified_date: row.try_get("last_modified_date")?,
        created_by_id: row.try_get("created_by_id")?,
        last_modified_by_id: row.try_get("last_modified_by_id")?,
    })
}
