//! Checking login credentials, shared by `user/session` and `system/admin/session`: the
//! throttle, one password verification whatever the account's state, and the upgrade of
//! imported bcrypt hashes to argon2id.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::HttpRequest;
use sluice_system_db::UserRow;

use super::caller::hint_context;
use super::password::{PasswordCheck, check_password, hash_password};
use crate::clock;
use crate::error::ApiError;
use crate::state::AppState;

pub const MSG_INVALID_CREDENTIALS: &str = "Invalid credentials supplied.";

/// Who may sign in through a login route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// `system/admin/session`: active users with `is_sys_admin`.
    Administrators,
    /// `user/session`: active users without it.
    Users,
}

impl Audience {
    /// The same for every failed login of this route, so it reveals nothing about accounts.
    fn invalid_credentials(self) -> ApiError {
        let hint = match self {
            Audience::Administrators => {
                "Check the email and password. Only administrators sign in here; other users \
                 sign in at /api/v2/user/session."
            }
            Audience::Users => {
                "Check the email and password. Administrators sign in at \
                 /api/v2/system/admin/session, not here."
            }
        };
        ApiError::unauthorized(MSG_INVALID_CREDENTIALS).with_context(hint_context(hint))
    }

    /// Whether `user` is an active account of this audience.
    pub fn admits(self, user: &UserRow) -> bool {
        user.is_active
            && match self {
                Audience::Administrators => user.is_sys_admin,
                Audience::Users => !user.is_sys_admin,
            }
    }
}

/// The TCP peer's address (why not `X-Forwarded-For`: see `auth::throttle`).
pub fn client_address(request: &HttpRequest) -> Option<IpAddr> {
    request.peer_addr().map(|peer| peer.ip())
}

/// DreamFactory's login body fields, with its messages for missing ones.
///
/// # Errors
///
/// 400 `Login request is missing required email.` / `... password.`
pub fn required_credentials(
    email: Option<String>,
    password: Option<String>,
) -> Result<(String, String), ApiError> {
    let email = email
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .ok_or_else(|| ApiError::bad_request("Login request is missing required email."))?;
    let password = password
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::bad_request("Login request is missing required password."))?;
    Ok((email, password))
}

/// Checks `email` and `password` for someone in `audience`. Unknown, inactive and
/// wrong-audience accounts cost the same verification and get the same 401 as a wrong
/// password, so the answer reveals nothing about the account.
///
/// # Errors
///
/// 429 from the throttle (password not checked); 401 `Invalid credentials supplied.`
pub async fn authenticate(
    state: &AppState,
    address: Option<IpAddr>,
    email: &str,
    password: &str,
    audience: Audience,
) -> Result<UserRow, ApiError> {
    state.login_throttle.check(address, email)?;
    let user = state
        .db
        .users()
        .find_by_email(email)
        .await?
        .filter(|user| audience.admits(user));
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let check = check_password(password.to_string(), stored).await;
    let user = match user {
        Some(user) if check.matches() => user,
        _ => {
            state.login_throttle.record_failure(address, email);
            return Err(audience.invalid_credentials());
        }
    };
    state.login_throttle.record_success(email);
    if check == PasswordCheck::MatchLegacy {
        upgrade_legacy_hash(state, user.id, password).await;
    }
    Ok(user)
}

/// Replaces an imported bcrypt hash with an argon2id one. A failure only postpones the
/// upgrade to the next login, so it does not fail this one.
async fn upgrade_legacy_hash(state: &AppState, user_id: i64, password: &str) {
    let stored = match hash_password(password.to_string()).await {
        Ok(hash) => state.db.users().set_password_hash(user_id, &hash).await,
        Err(error) => {
            tracing::warn!(user.id = user_id, %error, "could not re-hash a bcrypt password");
            return;
        }
    };
    match stored {
        Ok(()) => {
            tracing::info!(user.id = user_id, "bcrypt password re-hashed with argon2id");
        }
        Err(error) => {
            tracing::warn!(user.id = user_id, %error, "could not store a re-hashed password");
        }
    }
}

/// Records a successful login (`last_login_date`) and returns the user as now stored.
///
/// # Errors
///
/// 500/503 if the system database fails; 401 if the user vanished meanwhile.
pub async fn record_login(state: &AppState, user_id: i64) -> Result<Arc<UserRow>, ApiError> {
    state
        .db
        .users()
        .set_last_login(user_id, clock::now())
        .await?;
    state
        .users
        .get(&state.db, user_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized(MSG_INVALID_CREDENTIALS))
}

/// The body of `POST .../session`: `{"email", "password"}` (other keys are ignored).
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub email: Option<String>,
    pub password: Option<String>,
}
