//! Issuing and revoking sessions. Every issued token is recorded (by its id only) in the
//! system database's token map, so that a password change, a deactivated or deleted user, app
//! or role can revoke exactly the sessions it must.

use serde_json::{Value, json};
use sluice_system_db::{LiveToken, UserRow};

use super::directory::RoleEntry;
use super::tokens::Claims;
use crate::clock;
use crate::error::ApiError;
use crate::state::AppState;

/// Issues a token for `user` (signed in through `app_id`, if an API key was sent) and records
/// it in the token map.
pub async fn issue(
    state: &AppState,
    user: &UserRow,
    issuer: &str,
    app_id: Option<i64>,
) -> Result<(String, Claims), ApiError> {
    let now = clock::now_unix();
    let (token, claims) = state.tokens.issue(user.id, &user.email, issuer, now);
    let horizon = state.tokens.revocation_horizon(&claims);
    state
        .db
        .token_map()
        .record(&claims.jti, user.id, app_id, claims.iat, horizon)
        .await?;
    Ok((token, claims))
}

/// Revokes one token: persisted (so it survives a restart) and added to the in-memory set.
pub async fn revoke(state: &AppState, claims: &Claims) -> Result<(), ApiError> {
    let horizon = state.tokens.revocation_horizon(claims);
    revoke_jti(state, &claims.jti, claims.user_id, horizon).await
}

async fn revoke_jti(
    state: &AppState,
    jti: &str,
    user_id: i64,
    horizon: i64,
) -> Result<(), ApiError> {
    state.db.revocations().revoke(jti, user_id, horizon).await?;
    state
        .tokens
        .remember_revoked(jti.to_string(), horizon, clock::now_unix());
    state.db.token_map().forget(jti).await?;
    Ok(())
}

/// Every live session of a user (password changed, user deactivated or deleted).
pub async fn revoke_user_sessions(state: &AppState, user_id: i64) -> Result<usize, ApiError> {
    let live = state
        .db
        .token_map()
        .live_for_user(user_id, clock::now_unix())
        .await?;
    revoke_all(state, live).await
}

/// Every live session opened through an app (app deactivated or deleted).
pub async fn revoke_app_sessions(state: &AppState, app_id: i64) -> Result<usize, ApiError> {
    let live = state
        .db
        .token_map()
        .live_for_app(app_id, clock::now_unix())
        .await?;
    revoke_all(state, live).await
}

/// Every live session whose role is `role_id` (role deactivated or deleted).
pub async fn revoke_role_sessions(state: &AppState, role_id: i64) -> Result<usize, ApiError> {
    let live = state
        .db
        .token_map()
        .live_for_role(role_id, clock::now_unix())
        .await?;
    revoke_all(state, live).await
}

async fn revoke_all(state: &AppState, live: Vec<LiveToken>) -> Result<usize, ApiError> {
    for token in &live {
        revoke_jti(state, &token.jti, token.user_id, token.expires_at).await?;
    }
    Ok(live.len())
}

/// DreamFactory's public session info (Session::getPublicInfo). `role`/`role_id` only when a
/// role applies.
pub fn session_body(
    state: &AppState,
    user: &UserRow,
    token: &str,
    claims: &Claims,
    role: Option<&RoleEntry>,
) -> Value {
    let mut body = json!({
        "session_token": token,
        "session_id": token,
        "id": user.id,
        "name": user.name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_sys_admin": user.is_sys_admin,
        // Only an administrator's session (`system/admin/session`) can be the root's.
        "is_root_admin": false,
        "last_login_date": user.last_login_date,
        "host": state.host_name,
        "token_expiry_date": clock::format_unix_df(claims.exp),
    });
    if let Some(role) = role {
        body["role"] = json!(role.row.name);
        body["role_id"] = json!(role.row.id);
    }
    body
}
