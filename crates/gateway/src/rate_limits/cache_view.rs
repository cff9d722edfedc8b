//! The counters as `/system/limit_cache` shows them: one entry per limit, and per active
//! non-administrator user for an each-user limit, with the key, the rate (`max`), the
//! requests counted in the current window (`attempts`) and what is left (`remaining`, 0
//! during a lock-out).

use serde::Serialize;
use sluice_system_db::{LimitRow, UserRow};

use super::kinds::{Scope, limit_type};
use crate::error::ApiError;
use crate::state::AppState;

const MSG_STORE_DOWN: &str = "The rate-limit counters cannot be reached right now. Retry the \
request after the time in Retry-After.";

/// One counter of one limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheEntry {
    /// The limit's id.
    pub id: i64,
    pub key: String,
    pub max: i64,
    pub attempts: i64,
    pub remaining: i64,
}

/// The counter keys of `row`: its `key_text`, or for an each-user limit one per user in
/// `users`, with the user's id after `each_user:`.
fn keys_of(row: &LimitRow, users: &[UserRow]) -> Vec<String> {
    let each_user = limit_type(&row.limit.kind).is_some_and(|kind| kind.user == Scope::EachUser);
    if !each_user {
        return vec![row.limit.key_text.clone()];
    }
    users
        .iter()
        .map(|user| {
            row.limit
                .key_text
                .replacen("each_user:", &format!("each_user:{}", user.id), 1)
        })
        .collect()
}

/// The users each-user limits expand to: the active ones who are not administrators.
async fn counted_users(state: &AppState, rows: &[LimitRow]) -> Result<Vec<UserRow>, ApiError> {
    let any_each_user = rows
        .iter()
        .any(|row| limit_type(&row.limit.kind).is_some_and(|kind| kind.user == Scope::EachUser));
    if !any_each_user {
        return Ok(Vec::new());
    }
    let users = state.db.users().list().await?;
    Ok(users
        .into_iter()
        .filter(|user| user.is_active && !user.is_sys_admin)
        .collect())
}

/// The counter keys of `rows`, each with its limit.
pub async fn keys(state: &AppState, rows: &[LimitRow]) -> Result<Vec<(i64, String)>, ApiError> {
    let users = counted_users(state, rows).await?;
    Ok(rows
        .iter()
        .flat_map(|row| keys_of(row, &users).into_iter().map(|key| (row.id, key)))
        .collect())
}

/// The entries of `rows`, in their order.
///
/// # Errors
///
/// 503 when Redis cannot be reached; as the system database.
pub async fn entries(state: &AppState, rows: &[LimitRow]) -> Result<Vec<CacheEntry>, ApiError> {
    let keys = keys(state, rows).await?;
    let names: Vec<String> = keys.iter().map(|(_, key)| key.clone()).collect();
    let counters = state
        .rate_limits
        .store
        .read(&names)
        .await
        .map_err(|_| ApiError::unavailable(MSG_STORE_DOWN))?;
    let now = state.clock.now_millis();
    Ok(keys
        .into_iter()
        .zip(counters)
        .map(|((id, key), counter)| {
            let max = rows
                .iter()
                .find(|row| row.id == id)
                .map_or(0, |row| row.limit.rate);
            let attempts = counter.attempts_at(now);
            let remaining = if counter.is_locked(now) {
                0
            } else {
                (max - attempts).max(0)
            };
            CacheEntry {
                id,
                key,
                max,
                attempts,
                remaining,
            }
        })
        .collect())
}

/// Resets the counters of `rows` (every user's, for an each-user limit).
///
/// # Errors
///
/// As [`entries`].
pub async fn reset(state: &AppState, rows: &[LimitRow]) -> Result<(), ApiError> {
    let keys: Vec<String> = keys(state, rows)
        .await?
        .into_iter()
        .map(|(_, key)| key)
        .collect();
    state
        .rate_limits
        .store
        .reset(&keys)
        .await
        .map_err(|_| ApiError::unavailable(MSG_STORE_DOWN))
}

/// Resets every counter.
///
/// # Errors
///
/// 503 when Redis cannot be reached.
pub async fn reset_all(state: &AppState) -> Result<(), ApiError> {
    state
        .rate_limits
        .store
        .reset_all()
        .await
        .map_err(|_| ApiError::unavailable(MSG_STORE_DOWN))
}
