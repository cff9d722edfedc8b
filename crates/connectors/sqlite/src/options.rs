//! Tuning of one SQLite service's connections.

use std::time::Duration;

/// Defaults follow the bounds table of `security-rules.md`.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Read connections, each on a lane of its own (default 4; the gateway opens one per
    /// HTTP worker, at least four, unless `sqlite.read_connections` says otherwise).
    pub pool_size: usize,
    /// Longest wait for a free connection before the request fails with
    /// `ConnectorError::Busy` (default 5 s).
    pub acquire_timeout: Duration,
    /// Longest a single read may run before the progress handler aborts it with
    /// `ConnectorError::Busy` (default 10 s).
    pub statement_timeout: Duration,
    /// How long SQLite itself retries a locked database (`busy_timeout`, default 5 s).
    pub busy_timeout: Duration,
    /// Prepared statements cached per connection (default 64).
    pub statement_cache_capacity: usize,
    /// SQLite's soft heap limit, in bytes, for all SQLite databases of the process together
    /// (default 8 MiB, 0 = none): as the total nears it, SQLite recycles cached pages
    /// instead of growing its page caches. Without it every connection keeps up to 2 MiB of
    /// pages, and random reads fill them all (docs/PERFORMANCE.md).
    pub memory_limit_bytes: u64,
    /// How long a connection's thread waits for work before it hands the connection's
    /// cached pages back (default 1 s), so the memory of a burst does not stay with
    /// connections that no longer read.
    pub idle_release: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            pool_size: 4,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
            busy_timeout: Duration::from_secs(5),
            statement_cache_capacity: 64,
            memory_limit_bytes: 8 * 1024 * 1024,
            idle_release: Duration::from_secs(1),
        }
    }
}
