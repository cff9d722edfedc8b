//! `/system/user` and `/system/admin`: one implementation, parameterised by the kind of
//! account it serves. `user` sees only non-administrators and `admin` only administrators; an
//! id of the other kind is a 404, and creating through `admin` makes an administrator.
//!
//! Secrets are write-only and never read back (`UserRow` does not serialise them). Every
//! change reaches the user cache at once; a password change, a deactivation or a deletion
//! revokes the user's sessions. No change may leave the instance without an active
//! administrator free of per-app roles, the only accounts that can use this API.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use sluice_system_db::{DbError, SystemTx, UserRow};

use super::input::parse;
use super::user_app_roles::{ASSIGNMENTS, apply_assignment_changes, assignment_changes};
use super::user_input::{UserInput, new_user, user_update};
use crate::auth::SystemAdmin;
use crate::auth::sessions::revoke_user_sessions;
use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;
use crate::system::fields::{Body, invalid_field, not_found};
use crate::system::matcher::Record;
use crate::system::resource::SystemResource;

const LOOKUPS: &str = "lookup_by_user_id";

const MSG_DELETE_SELF: &str = "You are not allowed to delete your own account.";
const MSG_DELETE_LAST_ADMIN: &str = "You are not allowed to delete the last active administrator.";
const MSG_RESTRICT_LAST_ADMIN: &str =
    "You are not allowed to deactivate or restrict the last active administrator.";
const MSG_NO_INVITES: &str =
    "Error processing user invite. No email service configured for user invite.";

/// The accounts of one kind: administrators when `ADMINS`, other users otherwise.
pub struct Accounts<const ADMINS: bool>;

/// `/system/user`.
pub type Users = Accounts<false>;
/// `/system/admin`.
pub type Admins = Accounts<true>;

/// A user as clients see it, with DreamFactory's appended `confirmed` and `expired`.
pub(super) fn record(row: &UserRow) -> Record {
    let mut record = match serde_json::to_value(row) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    // `y` is DreamFactory's legacy mark of a confirmed account; any other code is pending.
    let confirmed = row.confirm_code.as_deref().is_none_or(|code| code == "y");
    record.insert("confirmed".into(), json!(confirmed));
    // Sluice never issues invitation codes, so no invitation can have expired.
    record.insert("expired".into(), json!(false));
    record
}

/// Records for `rows` with the requested relations, each relation read with one query.
async fn records(
    state: &AppState,
    rows: &[UserRow],
    related: &[&str],
) -> Result<Vec<Record>, ApiError> {
    let mut assignments: HashMap<i64, Vec<Value>> = HashMap::new();
    if related.contains(&ASSIGNMENTS) {
        let all = match rows {
            [row] => state.db.user_app_roles().for_user(row.id).await?,
            _ => state.db.user_app_roles().list().await?,
        };
        for row in all {
            let value = serde_json::to_value(row).unwrap_or_default();
            assignments.entry(row.user_id).or_default().push(value);
        }
    }
    let mut lookups: HashMap<i64, Vec<Value>> = HashMap::new();
    if related.contains(&LOOKUPS) {
        for row in state.db.lookups().list().await? {
            if let Some(user_id) = row.user_id {
                let value = Value::Object(super::lookup::masked(&row));
                lookups.entry(user_id).or_default().push(value);
            }
        }
    }
    Ok(rows
        .iter()
        .map(|row| {
            let mut out = record(row);
            if related.contains(&ASSIGNMENTS) {
                let list = assignments.remove(&row.id).unwrap_or_default();
                out.insert(ASSIGNMENTS.into(), Value::Array(list));
            }
            if related.contains(&LOOKUPS) {
                let list = lookups.remove(&row.id).unwrap_or_default();
                out.insert(LOOKUPS.into(), Value::Array(list));
            }
            out
        })
        .collect())
}

impl<const ADMINS: bool> Accounts<ADMINS> {
    /// The user `id` if it is of this resource's kind.
    async fn find(state: &AppState, id: i64) -> Result<Option<UserRow>, ApiError> {
        let row = state.db.users().get(id).await?;
        Ok(row.filter(|row| row.is_sys_admin == ADMINS))
    }
}

impl<const ADMINS: bool> SystemResource for Accounts<ADMINS> {
    const NAME: &'static str = if ADMINS { "admin" } else { "user" };
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_active",
        "phone",
        "security_question",
        "default_app_id",
        "last_login_date",
        "oauth_provider",
        "adldap",
        "ldap_username",
        "saml",
        "created_date",
        "last_modified_date",
        "created_by_id",
        "last_modified_by_id",
        "confirmed",
        "expired",
    ];
    const RELATIONS: &'static [&'static str] = &[ASSIGNMENTS, LOOKUPS];
    type Input = UserInput;
    type ReadOnly = crate::routes::doc_schemas::UserReadOnly;

    async fn load_all(state: &AppState, related: &[&'static str]) -> Result<Vec<Record>, ApiError> {
        let mut rows = state.db.users().list().await?;
        rows.retain(|row| row.is_sys_admin == ADMINS);
        records(state, &rows, related).await
    }

    async fn load_one(
        state: &AppState,
        id: i64,
        related: &[&'static str],
    ) -> Result<Option<Record>, ApiError> {
        let Some(row) = Self::find(state, id).await? else {
            return Ok(None);
        };
        Ok(records(state, &[row], related).await?.pop())
    }

    async fn create(
        state: &AppState,
        admin: &SystemAdmin,
        body: &Body,
        params: &Params,
    ) -> Result<i64, ApiError> {
        refuse_invitations(params)?;
        let input: UserInput = parse(body)?;
        let changes = assignment_changes(input.user_to_app_to_role_by_user_id.as_deref())?;
        let new = new_user(state, input, ADMINS, admin.user_id()).await?;
        let mut tx = state.db.begin().await?;
        let row = tx.users().insert(&new).await.map_err(write_error)?;
        apply_assignment_changes(&mut tx, row.id, changes).await?;
        tx.commit().await?;
        tracing::info!(user.id = row.id, user.is_sys_admin = ADMINS, "user created");
        Ok(row.id)
    }

    async fn update(
        state: &AppState,
        admin: &SystemAdmin,
        id: i64,
        body: &Body,
        params: &Params,
    ) -> Result<(), ApiError> {
        refuse_invitations(params)?;
        let current = Self::find(state, id).await?.ok_or_else(|| not_found(id))?;
        let input: UserInput = parse(body)?;
        let changes = assignment_changes(input.user_to_app_to_role_by_user_id.as_deref())?;
        let update = user_update(state, input, &current, admin.user_id()).await?;
        let deactivated = update.patch.is_active == Some(false);
        let restricts = ADMINS && (deactivated || !changes.is_empty());
        let mut tx = state.db.begin().await?;
        tx.users()
            .update(id, &update.patch)
            .await
            .map_err(write_error)?
            .ok_or_else(|| not_found(id))?;
        if let Some(hash) = &update.password_hash {
            tx.users().set_password_hash(id, hash).await?;
        }
        apply_assignment_changes(&mut tx, id, changes).await?;
        if restricts {
            keep_manageable(&mut tx, MSG_RESTRICT_LAST_ADMIN).await?;
        }
        tx.commit().await?;
        if update.password_hash.is_some() || deactivated {
            revoke_user_sessions(state, id).await?;
        }
        tracing::info!(user.id = id, user.is_sys_admin = ADMINS, "user updated");
        Ok(())
    }

    async fn delete(state: &AppState, admin: &SystemAdmin, id: i64) -> Result<(), ApiError> {
        if id == admin.user_id() {
            return Err(ApiError::forbidden(MSG_DELETE_SELF));
        }
        // Before deleting: the deletion cascades the token map rows that name the sessions.
        revoke_user_sessions(state, id).await?;
        let mut tx = state.db.begin().await?;
        tx.users().delete(id).await?;
        if ADMINS {
            keep_manageable(&mut tx, MSG_DELETE_LAST_ADMIN).await?;
        }
        tx.commit().await?;
        tracing::info!(user.id = id, user.is_sys_admin = ADMINS, "user deleted");
        Ok(())
    }
}

/// Refuses a change (inside its transaction, which then rolls back) that would leave no
/// administrator able to use the system API.
async fn keep_manageable(tx: &mut SystemTx, message: &'static str) -> Result<(), ApiError> {
    if tx.users().count_unrestricted_admins().await? == 0 {
        return Err(ApiError::forbidden(message));
    }
    Ok(())
}

/// `send_invite=true` needs an email service, which Sluice does not have; refused before
/// anything is written (DreamFactory creates the user, fails, then deletes it again).
fn refuse_invitations(params: &Params) -> Result<(), ApiError> {
    if params.flag("send_invite") {
        return Err(ApiError::bad_request(MSG_NO_INVITES));
    }
    Ok(())
}

/// Email and username conflicts read as DreamFactory's `has already been taken` through the
/// generic mapping; a bad reference can only be the default app.
fn write_error(error: DbError) -> ApiError {
    match error {
        DbError::InvalidReference => {
            invalid_field("default_app_id", "The default app does not exist.")
        }
        other => ApiError::from(other),
    }
}
