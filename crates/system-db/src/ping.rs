//! A cheap "does the system database answer" for the readiness check.

use std::time::Duration;

use crate::{DbError, SystemDb};

impl SystemDb {
    /// Runs `SELECT 1` on a pooled connection, giving up after `timeout` (waiting for a free
    /// connection included). For a SQLite file this also checks that the file is still the
    /// one opened at start.
    ///
    /// # Errors
    ///
    /// [`DbError::Unavailable`] when no answer came in time or the database cannot be reached,
    /// [`DbError::Storage`] when the SQLite file was deleted or replaced.
    pub async fn ping(&self, timeout: Duration) -> Result<(), DbError> {
        let answer = tokio::time::timeout(timeout, async {
            let mut conn = self.handle().acquire().await?;
            sqlx::query("SELECT 1").execute(&mut *conn).await?;
            Ok::<_, DbError>(())
        })
        .await;
        answer.unwrap_or(Err(DbError::Unavailable(sqlx::Error::PoolTimedOut)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_open_database_answers_and_a_closed_one_does_not() {
        let db = SystemDb::connect("sqlite::memory:").await.expect("connect");
        let timeout = Duration::from_secs(2);
        assert!(db.ping(timeout).await.is_ok());
        db.close().await;
        assert!(matches!(
            db.ping(timeout).await,
            Err(DbError::Unavailable(_))
        ));
    }
}
