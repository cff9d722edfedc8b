//! A small pool of read connections. Every rusqlite call runs on a blocking thread
//! (`spawn_blocking`); a request waits at most `acquire_timeout` for a connection.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use sluice_connector_core::ConnectorError;
use tokio::sync::Semaphore;

use crate::connection::ReadConnection;
use crate::options::SqliteOptions;

pub(crate) struct ReadPool {
    path: PathBuf,
    options: SqliteOptions,
    idle: Mutex<Vec<ReadConnection>>,
    /// One permit per connection: holding one means a connection is ours to take or open.
    permits: Arc<Semaphore>,
    /// Bumped by `invalidate`; a connection from an older generation flushes its
    /// statement cache before use, so statements prepared against a dropped schema go.
    generation: AtomicU64,
}

impl ReadPool {
    /// Opens the first connection now, so a missing or broken file fails at `open` rather
    /// than on the first request.
    pub(crate) fn open(path: PathBuf, options: SqliteOptions) -> Result<Self, ConnectorError> {
        let first = ReadConnection::open(&path, &options, 0)?;
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
            .map_err(|_closed| ConnectorError::Unavailable("the connection pool is closed".to_owned()))?;
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

    fn checkout(&self) -> Result<ReadConnection, ConnectorError> {
        let generation = self.generation.load(Ordering::Relaxed);
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        match idle {
            Some(mut connection) => {
                if connection.generation != generation {
                    connection.connection.flush_prepared_statement_cache();
                    connection.generation = generation;
                }
                Ok(connection)
            }
            None => ReadConnection::open(&self.path, &self.options, generation),
        }
    }

    fn checkin(&self, connection: ReadConnection) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(connection);
    }
}
