//! A small pool of read connections. Every rusqlite call runs on a blocking thread
//! (`spawn_blocking`); a request waits at most `acquire_timeout` for a connection.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use sluice_connector_core::ConnectorError;
use tokio::sync::Semaphore;

use crate::connection::HardenedConnection;
use crate::options::SqliteOptions;

pub(crate) struct ReadPool {
    path: PathBuf,
    options: SqliteOptions,
    idle: Mutex<Vec<HardenedConnection>>,
    /// One permit per connection: holding one means a connection is ours to take or open.
    permits: Arc<Semaphore>,
    /// Bumped by `invalidate`; a connection from an older generation is closed instead of
    /// reused, so no statement prepared against the old schema survives and a file that
    /// was replaced or damaged meanwhile is seen as it is now.
    generation: AtomicU64,
}

impl ReadPool {
    /// Opens the first connection now, so a missing or broken file fails at `open` rather
    /// than on the first request.
    pub(crate) fn open(path: PathBuf, options: SqliteOptions) -> Result<Self, ConnectorError> {
        let first = HardenedConnection::open_read(&path, &options, 0)?;
        let size = options.pool_size.max(1);
        Ok(Self {
            path,
            options,
            idle: Mutex::new(vec![first]),
            permits: Arc::new(Semaphore::new(size)),
            generation: AtomicU64::new(0),
        })
    }

    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// Runs `job` on a pooled connection on a blocking thread, with the statement deadline
    /// armed.
    ///
    /// # Errors
    ///
    /// `Busy` when no connection frees up within `acquire_timeout`; whatever `job` returns;
    /// `Internal` if the blocking task panicked (the connection is then dropped).
    pub(crate) async fn run<T, F>(self: &Arc<Self>, job: F) -> Result<T, ConnectorError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<T, ConnectorError> + Send + 'static,
    {
        let permits = Arc::clone(&self.permits);
        let permit = tokio::time::timeout(self.options.acquire_timeout, permits.acquire_owned())
            .await
            .map_err(|_elapsed| ConnectorError::Busy)?
            .map_err(|_closed| {
                ConnectorError::Unavailable("the connection pool is closed".to_owned())
            })?;
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let connection = pool.checkout()?;
            connection.arm(pool.options.statement_timeout);
            let result = job(&connection.connection);
            connection.disarm();
            // A connection that saw the file vanish or turn corrupt is not reused; the
            // next request opens a fresh one and reports the state it finds.
            if !matches!(result, Err(ConnectorError::Unavailable(_))) {
                pool.checkin(connection);
            }
            result
        })
        .await
        .map_err(|_join| ConnectorError::Internal("a database read task failed".to_owned()))?
    }

    fn checkout(&self) -> Result<HardenedConnection, ConnectorError> {
        let generation = self.generation.load(Ordering::Relaxed);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        // Stale connections are dropped here; closing them is cheap.
        idle.retain(|connection| connection.generation == generation);
        let reusable = idle.pop();
        drop(idle);
        match reusable {
            Some(connection) => Ok(connection),
            None => HardenedConnection::open_read(&self.path, &self.options, generation),
        }
    }

    fn checkin(&self, connection: HardenedConnection) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(connection);
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn pool(options: SqliteOptions) -> (tempfile::TempDir, Arc<ReadPool>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("db.sqlite");
        rusqlite::Connection::open(&path)
            .and_then(|c| c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);"))
            .expect("database created");
        let pool = ReadPool::open(path, options).expect("pool opens");
        (dir, Arc::new(pool))
    }

    #[tokio::test]
    async fn a_statement_running_past_its_time_limit_is_busy() {
        let (_dir, pool) = pool(SqliteOptions {
            statement_timeout: Duration::from_millis(100),
            ..SqliteOptions::default()
        });
        let started = Instant::now();
        let result = pool
            .run(|connection| {
                let endless = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) \
                               SELECT COUNT(*) FROM c";
                connection
                    .query_row(endless, [], |row| row.get::<_, i64>(0))
                    .map_err(crate::error::map_error)
            })
            .await;
        assert!(matches!(result, Err(ConnectorError::Busy)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        // The connection is fine for the next job.
        let one = pool
            .run(|c| {
                c.query_row("SELECT x FROM t", [], |r| r.get::<_, i64>(0))
                    .map_err(crate::error::map_error)
            })
            .await;
        assert_eq!(one.ok(), Some(1));
    }

    #[tokio::test]
    async fn waiting_too_long_for_a_connection_is_busy() {
        let (_dir, pool) = pool(SqliteOptions {
            pool_size: 1,
            acquire_timeout: Duration::from_millis(50),
            ..SqliteOptions::default()
        });
        let holder = {
            let pool = Arc::clone(&pool);
            tokio::spawn(async move {
                pool.run(|_| {
                    std::thread::sleep(Duration::from_millis(500));
                    Ok(())
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let waiting = pool.run(|_| Ok(())).await;
        assert!(matches!(waiting, Err(ConnectorError::Busy)), "{waiting:?}");
        assert!(holder.await.expect("joined").is_ok());
        assert!(pool.run(|_| Ok(())).await.is_ok(), "free again afterwards");
    }

    #[tokio::test]
    async fn invalidate_retires_pooled_connections() {
        let (_dir, pool) = pool(SqliteOptions::default());
        let idle = || {
            pool.idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .len()
        };
        pool.run(|_| Ok(())).await.expect("runs");
        assert_eq!(idle(), 1);
        pool.invalidate();
        pool.run(|_| Ok(()))
            .await
            .expect("runs on a fresh connection");
        let generations: Vec<u64> = pool
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|c| c.generation)
            .collect();
        assert_eq!(generations, vec![1]);
    }
}
