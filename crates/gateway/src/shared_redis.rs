//! The optional Redis that several nodes share (`redis.url`): the readiness check and the
//! rate-limit counters (`rate_limits/redis_store.rs`) use it.
//!
//! One multiplexed connection serves every caller: requests are pipelined on it, so it needs
//! no pool (a pool measured twice as slow per round trip). A connection that fails is dropped
//! and the next caller opens a new one, so Redis coming back needs no restart.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Cmd, FromRedisValue, RedisError};

pub struct SharedRedis {
    client: Client,
    connection: Mutex<Option<MultiplexedConnection>>,
}

impl std::fmt::Debug for SharedRedis {
    // The client holds the URL, which may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedRedis").finish_non_exhaustive()
    }
}

impl SharedRedis {
    /// A client for `url`; nothing is connected until first used, so a node starts while
    /// Redis is still down (readiness says so).
    ///
    /// # Errors
    ///
    /// The URL does not parse (the settings check it first).
    pub fn new(url: &str) -> Result<Self, RedisError> {
        Ok(Self {
            client: Client::open(url)?,
            connection: Mutex::new(None),
        })
    }

    /// Whether Redis answers `PING` within `timeout` (connecting first if needed).
    pub async fn ping(&self, timeout: Duration) -> bool {
        let answer = tokio::time::timeout(timeout, async {
            let mut connection = self.connection(timeout).await?;
            redis::cmd("PING")
                .query_async::<String>(&mut connection)
                .await
        })
        .await;
        match answer {
            Ok(Ok(pong)) => pong == "PONG",
            Ok(Err(error)) => {
                tracing::warn!(%error, kind = ?error.kind(), "redis did not answer PING");
                self.forget_connection();
                false
            }
            Err(_elapsed) => {
                tracing::warn!(
                    timeout_ms = timeout.as_millis(),
                    "redis did not answer PING in time"
                );
                self.forget_connection();
                false
            }
        }
    }

    /// Runs `command` on the shared connection, connecting first if needed, within
    /// `timeout` in all. A failure drops the connection, so the next caller reconnects.
    ///
    /// # Errors
    ///
    /// Redis cannot be reached in time, or answered with an error.
    pub async fn query<T: FromRedisValue>(
        &self,
        command: &Cmd,
        timeout: Duration,
    ) -> Result<T, RedisError> {
        let answer = tokio::time::timeout(timeout, async {
            let mut connection = self.connection(timeout).await?;
            command.query_async::<T>(&mut connection).await
        })
        .await
        .unwrap_or_else(|_elapsed| {
            Err(RedisError::from(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "redis did not answer in time",
            )))
        });
        if answer
            .as_ref()
            .is_err_and(|error| error.is_io_error() || error.is_timeout())
        {
            self.forget_connection();
        }
        answer
    }

    /// The shared connection, opened now if there is none. The lock is only held to copy or
    /// store the handle, never across the connect.
    async fn connection(&self, timeout: Duration) -> Result<MultiplexedConnection, RedisError> {
        if let Some(connection) = self.current().clone() {
            return Ok(connection);
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        *self.current() = Some(connection.clone());
        Ok(connection)
    }

    fn forget_connection(&self) {
        *self.current() = None;
    }

    fn current(&self) -> std::sync::MutexGuard<'_, Option<MultiplexedConnection>> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
