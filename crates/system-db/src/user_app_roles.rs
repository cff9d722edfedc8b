//! Repository for the `user_to_app_to_role` table: which role a user gets when calling through
//! a given app, overriding the app's default role. At most one row per (user, app).

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::DbError;
use crate::db::Handle;

/// One assignment, serialised with DreamFactory's field names. The table has no audit columns
/// (DreamFactory's has none either).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UserAppRoleRow {
    pub id: i64,
    pub user_id: i64,
    pub app_id: i64,
    pub role_id: i64,
}

/// Assignment queries; get one from [`crate::SystemDb::user_app_roles`] or
/// [`crate::SystemTx::user_app_roles`].
pub struct UserAppRoles<'a> {
    handle: Handle<'a>,
}

impl<'a> UserAppRoles<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        UserAppRoles { handle }
    }

    /// Every assignment, by id.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn list(self) -> Result<Vec<UserAppRoleRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows =
            sqlx::query("SELECT id, user_id, app_id, role_id FROM user_to_app_to_role ORDER BY id")
                .fetch_all(&mut *conn)
                .await?;
        rows.iter().map(assignment_from_row).collect()
    }

    /// The assignments of one user, by id (empty for an unknown user).
    ///
    /// # Errors
    /// As [`UserAppRoles::list`].
    pub async fn for_user(self, user_id: i64) -> Result<Vec<UserAppRoleRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(
            "SELECT id, user_id, app_id, role_id FROM user_to_app_to_role WHERE user_id = $1 \
             ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(assignment_from_row).collect()
    }

    /// The role assigned to `user_id` for `app_id`, if any; `None` means the app's default
    /// role applies (resolving that is the caller's).
    ///
    /// # Errors
    /// As [`UserAppRoles::list`].
    pub async fn role_for(self, user_id: i64, app_id: i64) -> Result<Option<i64>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let role_id = sqlx::query_scalar(
            "SELECT role_id FROM user_to_app_to_role WHERE user_id = $1 AND app_id = $2",
        )
        .bind(user_id)
        .bind(app_id)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(role_id)
    }

    /// Assigns `role_id` to `user_id` for `app_id`.
    ///
    /// # Errors
    /// [`DbError::Conflict`] (`user_id,app_id`) if the user already has a role for that app,
    /// [`DbError::InvalidReference`] if the user, app or role does not exist, and as
    /// [`UserAppRoles::list`].
    pub async fn insert(
        self,
        user_id: i64,
        app_id: i64,
        role_id: i64,
    ) -> Result<UserAppRoleRow, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let row = sqlx::query(
            "INSERT INTO user_to_app_to_role (user_id, app_id, role_id) VALUES ($1, $2, $3) \
             RETURNING id, user_id, app_id, role_id",
        )
        .bind(user_id)
        .bind(app_id)
        .bind(role_id)
        .fetch_one(&mut *conn)
        .await?;
        conn.confirm(assignment_from_row(&row)).await
    }

    /// Points assignment `id` at another app and role (the user stays); `None` if there is no
    /// such assignment.
    ///
    /// # Errors
    /// As [`UserAppRoles::insert`].
    pub async fn update(
        self,
        id: i64,
        app_id: i64,
        role_id: i64,
    ) -> Result<Option<UserAppRoleRow>, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let row = sqlx::query(
            "UPDATE user_to_app_to_role SET app_id = $2, role_id = $3 WHERE id = $1 \
             RETURNING id, user_id, app_id, role_id",
        )
        .bind(id)
        .bind(app_id)
        .bind(role_id)
        .fetch_optional(&mut *conn)
        .await?;
        conn.confirm(row.as_ref().map(assignment_from_row).transpose())
            .await
    }

    /// Deletes an assignment; `false` if there was none.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn delete(self, id: i64) -> Result<bool, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM user_to_app_to_role WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected() > 0)).await
    }
}

fn assignment_from_row(row: &AnyRow) -> Result<UserAppRoleRow, DbError> {
    Ok(UserAppRoleRow {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        app_id: row.try_get("app_id")?,
        role_id: row.try_get("role_id")?,
    })
}
