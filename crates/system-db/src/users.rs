//! Repository for the `user` table (admins are users with `is_sys_admin`).

use chrono::{DateTime, Utc};

use crate::codec::{bind_nullable, format_timestamp, now_timestamp, text_patch};
use crate::db::Handle;
use crate::user_row::user_from_row;
use crate::{DbError, UserRow};

macro_rules! user_columns {
    () => {
        "id, name, username, first_name, last_name, email, password, is_sys_admin, is_active, \
         phone, security_question, security_answer, confirm_code, default_app_id, \
         last_login_date, oauth_provider, adldap, ldap_username, saml, remember_token, \
         created_date, last_modified_date, created_by_id, last_modified_by_id"
    };
}

/// A user to create. Hashing, name derivation and validation are the caller's.
#[derive(Clone, Default, PartialEq)]
pub struct NewUser {
    pub name: String,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: String,
    pub password_hash: Option<String>,
    pub is_sys_admin: bool,
    /// Note that `NewUser::default()` leaves this `false`, like DreamFactory's invited users.
    pub is_active: bool,
    pub phone: Option<String>,
    pub security_question: Option<String>,
    pub security_answer_hash: Option<String>,
    pub confirm_code: Option<String>,
    pub default_app_id: Option<i64>,
    pub oauth_provider: Option<String>,
    pub adldap: Option<String>,
    pub ldap_username: Option<String>,
    pub saml: Option<String>,
    /// The acting user (audit); `None` for the first admin or self-registration.
    pub created_by_id: Option<i64>,
}

// Manual impl so that hashes never reach logs.
impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("is_sys_admin", &self.is_sys_admin)
            .field("is_active", &self.is_active)
            .finish_non_exhaustive()
    }
}

/// A partial update: only the `Some` fields change; for nullable columns `Some(None)` clears.
/// The password is changed with [`Users::set_password_hash`] instead.
#[derive(Clone, Default, PartialEq)]
pub struct UserPatch {
    pub name: Option<String>,
    pub username: Option<Option<String>>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub email: Option<String>,
    pub is_sys_admin: Option<bool>,
    pub is_active: Option<bool>,
    pub phone: Option<Option<String>>,
    pub security_question: Option<Option<String>>,
    pub security_answer_hash: Option<Option<String>>,
    pub confirm_code: Option<Option<String>>,
    pub default_app_id: Option<Option<i64>>,
    pub oauth_provider: Option<Option<String>>,
    pub adldap: Option<Option<String>>,
    pub ldap_username: Option<Option<String>>,
    pub saml: Option<Option<String>>,
    pub remember_token: Option<Option<String>>,
    /// The acting user, stored as `last_modified_by_id` (always written, `None` = unknown).
    pub last_modified_by_id: Option<i64>,
}

impl std::fmt::Debug for UserPatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserPatch")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("is_sys_admin", &self.is_sys_admin)
            .field("is_active", &self.is_active)
            .finish_non_exhaustive()
    }
}

/// User queries; get one from [`crate::SystemDb::users`] or [`crate::SystemTx::users`].
pub struct Users<'a> {
    handle: Handle<'a>,
}

impl<'a> Users<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        Users { handle }
    }

    /// All users, admins included, by id.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn list(self) -> Result<Vec<UserRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            r#" FROM "user" ORDER BY id"#
        ))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// The user with this email, compared case-insensitively (emails are unique that way).
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn find_by_email(self, email: &str) -> Result<Option<UserRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            r#" FROM "user" WHERE lower(email) = lower($1)"#
        ))
        .bind(email)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// The user with this id, if any.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn get(self, id: i64) -> Result<Option<UserRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            r#" FROM "user" WHERE id = $1"#
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Creates a user.
    ///
    /// # Errors
    /// [`DbError::Conflict`] (`email` or `username`, case-insensitive),
    /// [`DbError::InvalidReference`] for an unknown `default_app_id`/`created_by_id`, and as
    /// [`Users::get`].
    pub async fn insert(self, user: &NewUser) -> Result<UserRow, DbError> {
        let now = now_timestamp();
        let mut conn = self.handle.acquire_write().await?;
        let row = sqlx::query(concat!(
            r#"INSERT INTO "user" (name, username, first_name, last_name, email, password, "#,
            "is_sys_admin, is_active, phone, security_question, security_answer, confirm_code, \
             default_app_id, oauth_provider, adldap, ldap_username, saml, created_date, \
             last_modified_date, created_by_id, last_modified_by_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             $17, $18, $18, $19, $19) RETURNING ",
            user_columns!()
        ))
        .bind(&user.name)
        .bind(user.username.as_deref())
        .bind(user.first_name.as_deref())
        .bind(user.last_name.as_deref())
        .bind(&user.email)
        .bind(user.password_hash.as_deref())
        .bind(user.is_sys_admin)
        .bind(user.is_active)
        .bind(user.phone.as_deref())
        .bind(user.security_question.as_deref())
        .bind(user.security_answer_hash.as_deref())
        .bind(user.confirm_code.as_deref())
        .bind(user.default_app_id)
        .bind(user.oauth_provider.as_deref())
        .bind(user.adldap.as_deref())
        .bind(user.ldap_username.as_deref())
        .bind(user.saml.as_deref())
        .bind(&now)
        .bind(user.created_by_id)
        .fetch_one(&mut *conn)
        .await?;
        conn.confirm(user_from_row(&row)).await
    }

    /// Replaces the password hash and bumps `last_modified_date`.
    ///
    /// # Errors
    /// [`DbError::NotFound`] if there is no such user, and as [`Users::get`].
    pub async fn set_password_hash(self, id: i64, hash: &str) -> Result<(), DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query(
            r#"UPDATE "user" SET password = $2, last_modified_date = $3 WHERE id = $1"#,
        )
        .bind(id)
        .bind(hash)
        .bind(now_timestamp())
        .execute(&mut *conn)
        .await?;
        conn.confirm(found(result.rows_affected())).await
    }

    /// Records a successful login (does not count as a modification of the user).
    ///
    /// # Errors
    /// [`DbError::NotFound`] if there is no such user, and as [`Users::get`].
    pub async fn set_last_login(self, id: i64, when: DateTime<Utc>) -> Result<(), DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query(r#"UPDATE "user" SET last_login_date = $2 WHERE id = $1"#)
            .bind(id)
            .bind(format_timestamp(when))
            .execute(&mut *conn)
            .await?;
        conn.confirm(found(result.rows_affected())).await
    }

    /// Number of users with `is_sys_admin`, active or not (zero means first-run setup).
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn count_admins(self) -> Result<u64, DbError> {
        let mut conn = self.handle.acquire().await?;
        let count: i64 =
            sqlx::query_scalar(r#"SELECT COUNT(*) FROM "user" WHERE is_sys_admin = TRUE"#)
                .fetch_one(&mut *conn)
                .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The root administrator: the first administrator created (the lowest id), active or
    /// not; `None` before there is any administrator.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn root_admin_id(self) -> Result<Option<i64>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let id: Option<i64> =
            sqlx::query_scalar(r#"SELECT MIN(id) FROM "user" WHERE is_sys_admin = TRUE"#)
                .fetch_one(&mut *conn)
                .await?;
        Ok(id)
    }

    /// Number of active administrators without per-app roles: the accounts that may use the
    /// system API (an administrator with role rows is role-restricted).
    /// The gateway refuses changes that would leave none, so the instance stays manageable.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn count_unrestricted_admins(self) -> Result<u64, DbError> {
        let mut conn = self.handle.acquire().await?;
        let count: i64 = sqlx::query_scalar(
            r#"SELECT COUNT(*) FROM "user" u WHERE u.is_sys_admin = TRUE AND u.is_active = TRUE
               AND NOT EXISTS (SELECT 1 FROM user_to_app_to_role r WHERE r.user_id = u.id)"#,
        )
        .fetch_one(&mut *conn)
        .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Deletes a user; `false` if there was none.
    ///
    /// Their app-role assignments, user-scoped lookups, custom values, issued-token records and
    /// revocations go with them (cascades); rows they created or modified keep existing with
    /// `created_by_id`/`last_modified_by_id` set to NULL. Since revocations of their tokens
    /// disappear too, the gateway must refuse a token whose user no longer exists instead of
    /// relying on a revocation (or read [`crate::TokenMap::live_for_user`] first).
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn delete(self, id: i64) -> Result<bool, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query(r#"DELETE FROM "user" WHERE id = $1"#)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected() > 0)).await
    }

    /// Applies `patch` and stamps `last_modified_date`; `None` if there is no such user.
    ///
    /// # Errors
    /// As [`Users::insert`].
    pub async fn update(self, id: i64, patch: &UserPatch) -> Result<Option<UserRow>, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let query = sqlx::query(concat!(
            r#"UPDATE "user" SET "#,
            "name = COALESCE($2, name), \
             username = CASE WHEN $3 THEN $4 ELSE username END, \
             first_name = CASE WHEN $5 THEN $6 ELSE first_name END, \
             last_name = CASE WHEN $7 THEN $8 ELSE last_name END, \
             email = COALESCE($9, email), \
             is_sys_admin = COALESCE($10, is_sys_admin), \
             is_active = COALESCE($11, is_active), \
             phone = CASE WHEN $12 THEN $13 ELSE phone END, \
             security_question = CASE WHEN $14 THEN $15 ELSE security_question END, \
             security_answer = CASE WHEN $16 THEN $17 ELSE security_answer END, \
             confirm_code = CASE WHEN $18 THEN $19 ELSE confirm_code END, \
             default_app_id = CASE WHEN $20 THEN $21 ELSE default_app_id END, \
             oauth_provider = CASE WHEN $22 THEN $23 ELSE oauth_provider END, \
             adldap = CASE WHEN $24 THEN $25 ELSE adldap END, \
             ldap_username = CASE WHEN $26 THEN $27 ELSE ldap_username END, \
             saml = CASE WHEN $28 THEN $29 ELSE saml END, \
             remember_token = CASE WHEN $30 THEN $31 ELSE remember_token END, \
             last_modified_date = $32, \
             last_modified_by_id = $33 \
             WHERE id = $1 RETURNING ",
            user_columns!()
        ))
        .bind(id)
        .bind(patch.name.as_deref());
        let query = bind_nullable(query, text_patch(&patch.username));
        let query = bind_nullable(query, text_patch(&patch.first_name));
        let query = bind_nullable(query, text_patch(&patch.last_name))
            .bind(patch.email.as_deref())
            .bind(patch.is_sys_admin)
            .bind(patch.is_active);
        let query = bind_nullable(query, text_patch(&patch.phone));
        let query = bind_nullable(query, text_patch(&patch.security_question));
        let query = bind_nullable(query, text_patch(&patch.security_answer_hash));
        let query = bind_nullable(query, text_patch(&patch.confirm_code));
        let query = bind_nullable(query, patch.default_app_id);
        let query = bind_nullable(query, text_patch(&patch.oauth_provider));
        let query = bind_nullable(query, text_patch(&patch.adldap));
        let query = bind_nullable(query, text_patch(&patch.ldap_username));
        let query = bind_nullable(query, text_patch(&patch.saml));
        let row = bind_nullable(query, text_patch(&patch.remember_token))
            .bind(now_timestamp())
            .bind(patch.last_modified_by_id)
            .fetch_optional(&mut *conn)
            .await?;
        conn.confirm(row.as_ref().map(user_from_row).transpose())
            .await
    }
}

fn found(rows_affected: u64) -> Result<(), DbError> {
    if rows_affected == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}
