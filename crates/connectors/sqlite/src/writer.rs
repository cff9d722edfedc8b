//! The one writer connection of a database. Writes of this process are serialised here
//! (an async mutex, so waiting requests hold no thread), so they never meet "database is
//! locked" among themselves; only another process holding the write lock past the busy
//! timeout makes a write fail, with `ConnectorError::Busy`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::Connection;
use sluice_connector_core::ConnectorError;
use tokio::sync::Mutex;

use crate::connection::HardenedConnection;
use crate::options::SqliteOptions;

pub(crate) struct Writer {
    path: PathBuf,
    options: SqliteOptions,
    /// Opened on the first write, so a service whose file is read-only can still be read.
    slot: Arc<Mutex<Option<HardenedConnection>>>,
    /// Bumped by `invalidate`: the connection of an older generation is reopened, so no
    /// statement prepared against an old schema survives.
    generation: AtomicU64,
}

impl Writer {
    pub(crate) fn new(path: PathBuf, options: SqliteOptions) -> Self {
        Self {
            path,
            options,
            slot: Arc::new(Mutex::new(None)),
            generation: AtomicU64::new(0),
        }
    }

    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// Runs `job` on the writer connection on a blocking thread, with the statement
    /// deadline armed over the whole job.
    ///
    /// # Errors
    ///
    /// `Busy` when another write of this process holds the writer past `acquire_timeout`;
    /// the connection's open errors; whatever `job` returns; `Internal` if the job
    /// panicked.
    pub(crate) async fn run<T, F>(self: &Arc<Self>, job: F) -> Result<T, ConnectorError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ConnectorError> + Send + 'static,
    {
        let slot = Arc::clone(&self.slot);
        let mut guard = tokio::time::timeout(self.options.acquire_timeout, slot.lock_owned())
            .await
            .map_err(|_elapsed| ConnectorError::Busy)?;
        let writer = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let generation = writer.generation.load(Ordering::Relaxed);
            let connection = match guard.take() {
                Some(connection) if connection.generation == generation => connection,
                _ => HardenedConnection::open_write(&writer.path, &writer.options, generation)?,
            };
            // A job that panicked may have left its transaction open.
            if !connection.connection.is_autocommit() {
                let _ = connection.connection.execute_batch("ROLLBACK");
            }
            connection.arm(writer.options.statement_timeout);
            let result = job(&connection.connection);
            connection.disarm();
            // A connection that saw the file vanish or turn corrupt is not reused.
            if !matches!(result, Err(ConnectorError::Unavailable(_))) {
                *guard = Some(connection);
            }
            result
        })
        .await
        .map_err(|_join| ConnectorError::Internal("a database write task failed".to_owned()))?
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::error::map_error;

    fn writer(options: SqliteOptions) -> (tempfile::TempDir, Arc<Writer>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("db.sqlite");
        Connection::open(&path)
            .and_then(|c| c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);"))
            .expect("database created");
        (dir, Arc::new(Writer::new(path, options)))
    }

    #[tokio::test]
    async fn a_write_running_past_its_time_limit_is_busy_and_the_writer_recovers() {
        let (_dir, writer) = writer(SqliteOptions {
            statement_timeout: Duration::from_millis(100),
            ..SqliteOptions::default()
        });
        let started = Instant::now();
        let result = writer
            .run(|connection| {
                let endless = "INSERT INTO t WITH RECURSIVE c(n) AS \
                               (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c";
                connection.execute(endless, []).map_err(map_error)
            })
            .await;
        assert!(matches!(result, Err(ConnectorError::Busy)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let rows = writer
            .run(|c| {
                c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get::<_, i64>(0))
                    .map_err(map_error)
            })
            .await;
        assert_eq!(rows.ok(), Some(1), "the interrupted insert left nothing");
    }

    #[tokio::test]
    async fn waiting_too_long_for_the_writer_is_busy() {
        let (_dir, writer) = writer(SqliteOptions {
            acquire_timeout: Duration::from_millis(50),
            ..SqliteOptions::default()
        });
        let holder = {
            let writer = Arc::clone(&writer);
            tokio::spawn(async move {
                writer
                    .run(|_| {
                        std::thread::sleep(Duration::from_millis(400));
                        Ok(())
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let waiting = writer.run(|_| Ok(())).await;
        assert!(matches!(waiting, Err(ConnectorError::Busy)), "{waiting:?}");
        assert!(holder.await.expect("joined").is_ok());
        assert!(
            writer.run(|_| Ok(())).await.is_ok(),
            "free again afterwards"
        );
    }
}
