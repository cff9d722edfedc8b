//! Repository for the `token_revocation` table: JWT ids that must be refused until they expire.

use sqlx::Row;

use crate::DbError;
use crate::db::Handle;

/// Revocation queries; get one from [`crate::SystemDb::revocations`] or
/// [`crate::SystemTx::revocations`]. Times are unix seconds.
pub struct Revocations<'a> {
    handle: Handle<'a>,
}

impl<'a> Revocations<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        Revocations { handle }
    }

    /// Records that token `jti` of `user_id` is revoked until `expires_at`. Revoking the same
    /// jti again is a no-op (the first expiry is kept), so logout can be retried safely.
    ///
    /// # Errors
    /// [`DbError::InvalidReference`] if the user does not exist, [`DbError::Unavailable`],
    /// [`DbError::Database`].
    pub async fn revoke(self, jti: &str, user_id: i64, expires_at: i64) -> Result<(), DbError> {
        let mut conn = self.handle.acquire_write().await?;
        sqlx::query(
            "INSERT INTO token_revocation (jti, user_id, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (jti) DO NOTHING",
        )
        .bind(jti)
        .bind(user_id)
        .bind(expires_at)
        .execute(&mut *conn)
        .await?;
        conn.confirm(Ok(())).await
    }

    /// Revocations still in force at `now`, as `(jti, expires_at)` ordered by expiry: what the
    /// gateway loads into its in-memory deny list at startup.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn active(self, now: i64) -> Result<Vec<(String, i64)>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(
            "SELECT jti, expires_at FROM token_revocation WHERE expires_at > $1 \
             ORDER BY expires_at, jti",
        )
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("jti")?, row.try_get("expires_at")?)))
            .collect()
    }

    /// Until when token `jti` is revoked; `None` when it is not.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn expiry(self, jti: &str) -> Result<Option<i64>, DbError> {
        let mut conn = self.handle.acquire().await?;
        Ok(
            sqlx::query_scalar("SELECT expires_at FROM token_revocation WHERE jti = $1")
                .bind(jti)
                .fetch_optional(&mut *conn)
                .await?,
        )
    }

    /// Deletes revocations of tokens that have expired by `now` (an expired token is refused
    /// anyway); returns how many were removed.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn prune(self, now: i64) -> Result<u64, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM token_revocation WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected())).await
    }
}
