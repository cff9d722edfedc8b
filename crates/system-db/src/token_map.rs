//! Repository for the `token_map` table: the JWT ids of issued session tokens (never the tokens
//! themselves), so the gateway can find and revoke the sessions a change affects.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::DbError;
use crate::db::Handle;

/// Token queries; get one from [`crate::SystemDb::token_map`] or [`crate::SystemTx::token_map`].
/// Times are unix seconds; a token is live while `expires_at > now`, as in
/// [`crate::Revocations::active`]. The `live_*` methods return `(jti, expires_at)` ordered by
/// expiry, ready to hand to [`crate::Revocations::revoke`].
/// A recorded token that has not expired: what revoking it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveToken {
    pub jti: String,
    pub user_id: i64,
    /// Unix seconds; the revocation must be kept until then.
    pub expires_at: i64,
}

pub struct TokenMap<'a> {
    handle: Handle<'a>,
}

impl<'a> TokenMap<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        TokenMap { handle }
    }

    /// Records an issued token; `app_id` is the app whose API key the login used, if any.
    ///
    /// # Errors
    /// [`DbError::Conflict`] (`jti`) if the id was recorded before (jtis must be unique),
    /// [`DbError::InvalidReference`] if the user or app does not exist,
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn record(
        self,
        jti: &str,
        user_id: i64,
        app_id: Option<i64>,
        issued_at: i64,
        expires_at: i64,
    ) -> Result<(), DbError> {
        let mut conn = self.handle.acquire_write().await?;
        sqlx::query(
            "INSERT INTO token_map (jti, user_id, app_id, issued_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(jti)
        .bind(user_id)
        .bind(app_id)
        .bind(issued_at)
        .bind(expires_at)
        .execute(&mut *conn)
        .await?;
        conn.confirm(Ok(())).await
    }

    /// Live tokens of one user (password change, deactivation, deletion).
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn live_for_user(self, user_id: i64, now: i64) -> Result<Vec<LiveToken>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(
            "SELECT jti, user_id, expires_at FROM token_map WHERE user_id = $1 AND expires_at > $2 \
             ORDER BY expires_at, jti",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(live_from_row).collect()
    }

    /// Live tokens issued through one app (app deactivated, key regenerated, app deleted).
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn live_for_app(self, app_id: i64, now: i64) -> Result<Vec<LiveToken>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(
            "SELECT jti, user_id, expires_at FROM token_map WHERE app_id = $1 AND expires_at > $2 \
             ORDER BY expires_at, jti",
        )
        .bind(app_id)
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(live_from_row).collect()
    }

    /// Live tokens that may carry `role_id`: issued through an app whose default role it is,
    /// or for a (user, app) pair assigned to it in `user_to_app_to_role`.
    ///
    /// Deliberately a superset of the tokens whose *effective* role is `role_id` (a user with
    /// an override for an app whose default is `role_id` matches too): this is used to end
    /// sessions after the role changed, and ending one session too many only costs a login,
    /// while missing one would leave stale grants usable. Tokens issued without an app never
    /// match.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn live_for_role(self, role_id: i64, now: i64) -> Result<Vec<LiveToken>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(
            "SELECT t.jti, t.user_id, t.expires_at FROM token_map t \
             WHERE t.expires_at > $2 AND ( \
                 EXISTS (SELECT 1 FROM app a WHERE a.id = t.app_id AND a.role_id = $1) \
                 OR EXISTS (SELECT 1 FROM user_to_app_to_role m \
                     WHERE m.user_id = t.user_id AND m.app_id = t.app_id AND m.role_id = $1)) \
             ORDER BY t.expires_at, t.jti",
        )
        .bind(role_id)
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(live_from_row).collect()
    }

    /// Forgets one token (logout, or once it has been revoked); `false` if it was not recorded.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn forget(self, jti: &str) -> Result<bool, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM token_map WHERE jti = $1")
            .bind(jti)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected() > 0)).await
    }

    /// Deletes the records of tokens that have expired by `now` (an expired token is refused
    /// anyway, so there is nothing left to revoke); returns how many were removed.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn prune(self, now: i64) -> Result<u64, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM token_map WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected())).await
    }
}

fn live_from_row(row: &AnyRow) -> Result<LiveToken, DbError> {
    Ok(LiveToken {
        jti: row.try_get("jti")?,
        user_id: row.try_get("user_id")?,
        expires_at: row.try_get("expires_at")?,
    })
}
