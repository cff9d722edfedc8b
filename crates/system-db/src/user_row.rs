//! The `UserRow` type and its mapping from a `user` row, kept apart from the `Users` queries
//! so each file stays readable.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::DbError;
use crate::codec::get_flag;

/// A stored user, every column included.
///
/// `Serialize` skips the fields DreamFactory hides (`password`, `security_answer`,
/// `remember_token`, `confirm_code`, `is_sys_admin`); `Debug` redacts the secret ones.
#[derive(Clone, PartialEq, Serialize)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: String,
    /// PHC-format password hash (column `password`); `None` until a password is set.
    #[serde(skip)]
    pub password_hash: Option<String>,
    #[serde(skip)]
    pub is_sys_admin: bool,
    pub is_active: bool,
    pub phone: Option<String>,
    pub security_question: Option<String>,
    /// Hash of the security answer (column `security_answer`).
    #[serde(skip)]
    pub security_answer_hash: Option<String>,
    #[serde(skip)]
    pub confirm_code: Option<String>,
    pub default_app_id: Option<i64>,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub last_login_date: Option<String>,
    pub oauth_provider: Option<String>,
    pub adldap: Option<String>,
    pub ldap_username: Option<String>,
    pub saml: Option<String>,
    #[serde(skip)]
    pub remember_token: Option<String>,
    pub created_date: String,
    pub last_modified_date: String,
    pub created_by_id: Option<i64>,
    pub last_modified_by_id: Option<i64>,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |secret: &Option<String>| secret.as_ref().map(|_| "<redacted>");
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("password_hash", &redacted(&self.password_hash))
            .field("is_sys_admin", &self.is_sys_admin)
            .field("is_active", &self.is_active)
            .field(
                "security_answer_hash",
                &redacted(&self.security_answer_hash),
            )
            .field("confirm_code", &redacted(&self.confirm_code))
            .field("remember_token", &redacted(&self.remember_token))
            .field("default_app_id", &self.default_app_id)
            .field("last_login_date", &self.last_login_date)
            .finish_non_exhaustive()
    }
}

pub(crate) fn user_from_row(row: &AnyRow) -> Result<UserRow, DbError> {
    Ok(UserRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        username: row.try_get("username")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password")?,
        is_sys_admin: get_flag(row, "is_sys_admin")?,
        is_active: get_flag(row, "is_active")?,
        phone: row.try_get("phone")?,
        security_question: row.try_get("security_question")?,
        security_answer_hash: row.try_get("security_answer")?,
        confirm_code: row.try_get("confirm_code")?,
        default_app_id: row.try_get("default_app_id")?,
        last_login_date: row.try_get("last_login_date")?,
        oauth_provider: row.try_get("oauth_provider")?,
        adldap: row.try_get("adldap")?,
        ldap_username: row.try_get("ldap_username")?,
        saml: row.try_get("saml")?,
        remember_token: row.try_get("remember_token")?,
        created_date: row.try_get("created_date")?,
        last_modified_date: row.try_get("last_modified_date")?,
        created_by_id: row.try_get("created_by_id")?,
        last_modified_by_id: row.try_get("last_modified_by_id")?,
    })
}
