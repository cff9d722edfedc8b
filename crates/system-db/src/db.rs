//! The `SystemDb` handle: connecting, migrating, transactions, and the connection plumbing the
//! repositories share.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Connection, Transaction};

use crate::DbError;
use crate::changes::{self, ChangeFeed, ChangeSink, Topic};
use crate::storage::FileWatch;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

/// Pool sizes. SQLite serialises writers anyway, so a few connections cover concurrent reads;
/// PostgreSQL is shared by several gateway nodes, so each node stays modest.
const SQLITE_MAX_CONNECTIONS: u32 = 8;
const POSTGRES_MAX_CONNECTIONS: u32 = 10;
const POSTGRES_ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Which database engine holds the system database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Handle to the system database. Cheap to clone (it wraps a connection pool); all access goes
/// through the repositories it hands out (`services()`, `users()`, …).
#[derive(Clone)]
pub struct SystemDb {
    pool: AnyPool,
    backend: Backend,
    sqlite_file: Option<PathBuf>,
    /// The SQLite file's identity, checked around every call (see `storage.rs`).
    watch: Option<Arc<FileWatch>>,
    /// This node's place in the change feed (see `changes.rs`).
    feed: Arc<ChangeFeed>,
    /// The PostgreSQL URL, for the connection that listens for other nodes' changes.
    listen_url: Option<Arc<str>>,
}

// Manual impl: never risk printing connection details (URLs may carry passwords).
impl std::fmt::Debug for SystemDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemDb")
            .field("backend", &self.backend)
            .field("sqlite_file", &self.sqlite_file)
            .finish_non_exhaustive()
    }
}

impl SystemDb {
    /// Connects to `sqlite:<path>` (also `sqlite://<path>`, `sqlite::memory:`) or
    /// `postgres://…` / `postgresql://…`.
    ///
    /// For a SQLite file this creates the file (and its directory) if missing and switches it to
    /// WAL; every connection enforces foreign keys and waits up to 5 s on a locked database.
    /// The file is then watched: once it is deleted, replaced or made read-only, calls fail
    /// with [`DbError::Storage`] instead of reaching a file that is no longer the database.
    /// An in-memory SQLite database lives in a single pooled connection (tests only).
    ///
    /// Does not apply migrations: call [`SystemDb::migrate`].
    ///
    /// # Errors
    /// [`DbError::UnsupportedUrl`] for another scheme, [`DbError::Io`] if the directory cannot
    /// be created, [`DbError::Unavailable`]/[`DbError::Database`] if connecting fails.
    pub async fn connect(url: &str) -> Result<SystemDb, DbError> {
        // Registers the compiled-in drivers with the Any driver; idempotent.
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let mut sqlite_file = None;
        let mut watch = None;
        let pool_options = match backend {
            // A short wait for a connection: a node cut off from the database answers a system
            // write with 503 in seconds, and keeps serving from its caches (see `changes.rs`).
            Backend::Postgres => AnyPoolOptions::new()
                .max_connections(POSTGRES_MAX_CONNECTIONS)
                .acquire_timeout(POSTGRES_ACQUIRE_TIMEOUT),
            Backend::Sqlite if sqlite_is_memory(url) => {
                // Each new connection to `:memory:` would be a new, empty database: keep exactly
                // one connection open for the pool's whole life.
                AnyPoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
            }
            Backend::Sqlite => {
                let file = prepare_sqlite_file(url).await?;
                watch = Some(Arc::new(FileWatch::new(file.clone())?));
                sqlite_file = Some(file);
                // Connections live as long as the process: a pool that opened new ones over
                // time could open a file that replaced the database (see `storage.rs`), and
                // the open ones keep the file's inode, so no other file can take its number.
                AnyPoolOptions::new()
                    .max_connections(SQLITE_MAX_CONNECTIONS)
                    .idle_timeout(None)
                    .max_lifetime(None)
            }
        };
        let pool = pool_options.connect(url).await?;
        Ok(SystemDb {
            pool,
            backend,
            sqlite_file,
            watch,
            feed: Arc::default(),
            listen_url: (backend == Backend::Postgres).then(|| Arc::from(url)),
        })
    }

    /// Applies pending migrations (embedded at compile time) for this backend and returns the
    /// ones this call applied, as `0002 role access hidden fields` (version and description);
    /// empty when the database was up to date. Running it again is a no-op; on PostgreSQL
    /// concurrent nodes serialise on an advisory lock.
    ///
    /// # Errors
    /// [`DbError::Migrate`], e.g. when an already applied migration file was edited.
    pub async fn migrate(&self) -> Result<Vec<String>, DbError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let applied_before = self.applied_migration_versions().await;
        migrator.run(&self.pool).await?;
        let applied: Vec<String> = migrator
            .iter()
            .filter(|migration| !applied_before.contains(&migration.version))
            .map(|migration| format!("{:04} {}", migration.version, migration.description))
            .collect();
        tracing::info!(
            backend = ?self.backend,
            applied = applied.len(),
            "system database migrations are up to date"
        );
        Ok(applied)
    }

    /// The versions recorded in sqlx's bookkeeping table; none when it does not exist yet.
    async fn applied_migration_versions(&self) -> Vec<i64> {
        sqlx::query_scalar::<_, i64>("SELECT version FROM _sqlx_migrations")
            .fetch_all(&self.pool)
            .await
            .unwrap_or_default()
    }

    /// The backend this handle talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The canonical path of the SQLite file, when the system database is one; the gateway
    /// refuses to expose that file as a service database.
    pub fn is_sqlite_file(&self) -> Option<PathBuf> {
        self.sqlite_file.clone()
    }

    /// Starts a transaction; repositories obtained from it act atomically until
    /// [`SystemTx::commit`]. Dropping it without committing rolls back.
    ///
    /// # Errors
    /// [`DbError::Storage`] if the SQLite file cannot be written, [`DbError::Unavailable`] if
    /// no connection can be had, [`DbError::Database`] otherwise.
    pub async fn begin(&self) -> Result<SystemTx, DbError> {
        if let Some(watch) = &self.watch {
            watch.check_writable()?;
        }
        let tx = match self.backend {
            // IMMEDIATE takes the write lock up front. A deferred transaction that reads first
            // and then writes can fail with SQLITE_BUSY at once (no busy-timeout wait) when
            // another connection wrote in between.
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(SystemTx {
            tx,
            db: self.clone(),
        })
    }

    /// Closes every pooled connection (graceful shutdown); later calls fail with
    /// [`DbError::Unavailable`].
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Where repositories obtained from this handle run: a pooled connection per call. The
    /// accessors themselves (`services()`, `roles()`, …) are generated in `repositories.rs`.
    pub(crate) fn handle(&self) -> Handle<'_> {
        Handle::Pool(&self.pool, self.watch.as_deref(), &self.feed)
    }

    /// Starts this node's change feed at the current version: what the node loads from now on
    /// is at least that recent. Call before loading caches, then [`SystemDb::attach`].
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`], [`DbError::Storage`].
    pub async fn start_changes(&self) -> Result<(), DbError> {
        let version = changes::current_version(&mut *self.handle().acquire().await?).await?;
        self.feed.start_at(version).await;
        Ok(())
    }

    /// Attaches the node's one [`ChangeSink`] and applies what changed since
    /// [`SystemDb::start_changes`]. Every write through this handle (or a clone) then applies
    /// its changes before it returns.
    ///
    /// # Errors
    /// As [`SystemDb::catch_up`].
    pub async fn attach(&self, sink: Arc<dyn ChangeSink>) -> Result<(), DbError> {
        self.feed.attach(sink);
        self.catch_up().await
    }

    /// Applies the changes recorded since the last applied one.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`], [`DbError::Storage`]: nothing was
    /// applied.
    pub async fn catch_up(&self) -> Result<(), DbError> {
        self.feed.catch_up(self.handle()).await
    }

    /// Reloads everything through the sink (see `ChangeSet::Everything`).
    ///
    /// # Errors
    /// As [`SystemDb::catch_up`].
    pub async fn resync(&self) -> Result<(), DbError> {
        self.feed.resync(self.handle()).await
    }

    /// When this node last knew it had applied every change, as unix milliseconds (0 before
    /// the feed started).
    pub fn changes_synced_at_ms(&self) -> i64 {
        self.feed.synced_at_ms()
    }

    /// Records a change that no system table carries (a service's schema), so every node
    /// applies it, this one before the call returns.
    ///
    /// # Errors
    /// As [`SystemDb::begin`] and [`SystemTx::commit`].
    pub async fn announce(&self, topic: Topic, key: &str) -> Result<(), DbError> {
        let mut tx = self.begin().await?;
        changes::record(&mut tx.tx, self.backend == Backend::Postgres, &topic, key).await?;
        tx.commit().await
    }

    /// Deletes recorded changes older than `before` (unix seconds); a node that had not yet
    /// read them reloads everything instead.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`], [`DbError::Storage`].
    pub async fn prune_changes(&self, before: i64) -> Result<u64, DbError> {
        let mut conn = self.handle().acquire_write().await?;
        let result = sqlx::query("DELETE FROM change_log WHERE created_at < $1")
            .bind(before)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected())).await
    }

    /// The PostgreSQL URL to listen for changes on; `None` on SQLite.
    pub(crate) fn listen_url(&self) -> Option<&str> {
        self.listen_url.as_deref()
    }

    #[cfg(test)]
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// A system-database transaction. Get repositories from it exactly as from [`SystemDb`]; each
/// call borrows the transaction, so calls run one after another on its connection.
pub struct SystemTx {
    tx: Transaction<'static, Any>,
    /// Where the transaction came from: its file watch and change feed.
    db: SystemDb,
}

impl std::fmt::Debug for SystemTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemTx").finish_non_exhaustive()
    }
}

impl SystemTx {
    /// Makes every write done through this transaction durable.
    ///
    /// # Errors
    /// [`DbError::Database`]/[`DbError::Unavailable`]; the writes are then discarded.
    /// [`DbError::Storage`] when the SQLite file left its path during the transaction: the
    /// writes went to the old file, so they must not be acknowledged.
    pub async fn commit(self) -> Result<(), DbError> {
        self.tx.commit().await?;
        if let Some(watch) = &self.db.watch {
            watch.check_identity()?;
        }
        self.db.catch_up_after_write().await;
        Ok(())
    }

    /// Discards every write done through this transaction (dropping it does the same).
    ///
    /// # Errors
    /// [`DbError::Database`]/[`DbError::Unavailable`] if the rollback itself fails.
    pub async fn rollback(self) -> Result<(), DbError> {
        Ok(self.tx.rollback().await?)
    }

    /// Where repositories obtained from this transaction run: its connection (accessors in
    /// `repositories.rs`).
    pub(crate) fn handle(&mut self) -> Handle<'_> {
        Handle::Tx(&mut self.tx)
    }
}

/// Where a repository runs its statements: a fresh pooled connection per call (with the
/// SQLite file's watch, if any), or the connection of an open transaction (checked at begin
/// and commit). Repositories consume it, so one handle serves one call.
pub(crate) enum Handle<'a> {
    Pool(&'a AnyPool, Option<&'a FileWatch>, &'a ChangeFeed),
    Tx(&'a mut AnyConnection),
}

impl<'a> Handle<'a> {
    /// A connection for reading: refused when the SQLite file is no longer at its path.
    pub(crate) async fn acquire(self) -> Result<Conn<'a>, DbError> {
        Ok(match self {
            Handle::Pool(pool, watch, _) => {
                if let Some(watch) = watch {
                    watch.check_identity()?;
                }
                Conn::Pooled(pool.acquire().await?)
            }
            Handle::Tx(conn) => Conn::Borrowed(conn),
        })
    }

    /// A connection for a write: refused when the SQLite file cannot be written. Its result
    /// goes through [`WriteConn::confirm`] before it is returned.
    pub(crate) async fn acquire_write(self) -> Result<WriteConn<'a>, DbError> {
        Ok(match self {
            Handle::Pool(pool, watch, feed) => {
                if let Some(watch) = watch {
                    watch.check_writable()?;
                }
                WriteConn {
                    conn: Conn::Pooled(pool.acquire().await?),
                    pooled: Some((pool, watch, feed)),
                }
            }
            Handle::Tx(conn) => WriteConn {
                conn: Conn::Borrowed(conn),
                pooled: None,
            },
        })
    }
}

/// A connection a repository writes on (`&mut *conn`, as [`Conn`]).
pub(crate) struct WriteConn<'a> {
    conn: Conn<'a>,
    /// Set for a pooled write, which commits on its own: the pool, the file watch and the
    /// change feed it answers to. A transaction does both at commit.
    pooled: Option<(&'a AnyPool, Option<&'a FileWatch>, &'a ChangeFeed)>,
}

impl WriteConn<'_> {
    /// Passes on the write's `outcome`, unless it succeeded on a file that has left its path
    /// meanwhile: that write is not durable and must not be acknowledged. A pooled write
    /// that succeeded has committed: its changes are applied before it returns.
    pub(crate) async fn confirm<T>(self, outcome: Result<T, DbError>) -> Result<T, DbError> {
        let value = outcome?;
        let WriteConn { conn, pooled } = self;
        // The catch-up needs a connection of its own (an in-memory database has only one).
        drop(conn);
        if let Some((pool, watch, feed)) = pooled {
            if let Some(watch) = watch {
                watch.check_identity()?;
            }
            catch_up_logged(feed, Handle::Pool(pool, watch, feed)).await;
        }
        Ok(value)
    }
}

/// After a committed write: a failure to read the feed does not undo the write, and the
/// poll applies the change later.
async fn catch_up_logged(feed: &ChangeFeed, handle: Handle<'_>) {
    if let Err(error) = feed.catch_up(handle).await {
        tracing::warn!(%error, "a committed change could not be applied yet");
    }
}

impl SystemDb {
    async fn catch_up_after_write(&self) {
        catch_up_logged(&self.feed, self.handle()).await;
    }
}

impl Deref for WriteConn<'_> {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for WriteConn<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

/// A connection a repository call can execute on (`&mut *conn`).
pub(crate) enum Conn<'a> {
    Pooled(PoolConnection<Any>),
    Borrowed(&'a mut AnyConnection),
}

impl Deref for Conn<'_> {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            Conn::Pooled(conn) => conn,
            Conn::Borrowed(conn) => conn,
        }
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Conn::Pooled(conn) => conn,
            Conn::Borrowed(conn) => conn,
        }
    }
}

fn backend_of(url: &str) -> Result<Backend, DbError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(DbError::UnsupportedUrl)
    }
}

/// `sqlite::memory:`, `sqlite://:memory:` or any URL with `mode=memory`.
fn sqlite_is_memory(url: &str) -> bool {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    database == ":memory:" || params.split('&').any(|param| param == "mode=memory")
}

/// Creates the SQLite file and its directory if needed and switches it to WAL, on a throwaway
/// connection: the journal mode is stored in the file, so pooled connections inherit it, and
/// the Any driver's URL cannot express "create" or "WAL". Returns the canonical file path.
async fn prepare_sqlite_file(url: &str) -> Result<PathBuf, DbError> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    let path = options.get_filename().to_path_buf();
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(DbError::Io)?;
    }
    options.connect().await?.close().await?;
    Ok(canonical(&path))
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_backends_from_url_schemes() {
        assert_eq!(backend_of("sqlite:data/x.db").ok(), Some(Backend::Sqlite));
        assert_eq!(backend_of("sqlite::memory:").ok(), Some(Backend::Sqlite));
        assert_eq!(
            backend_of("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            backend_of("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert!(matches!(
            backend_of("mysql://u@h/db"),
            Err(DbError::UnsupportedUrl)
        ));
    }

    #[test]
    fn recognises_in_memory_sqlite_urls() {
        assert!(sqlite_is_memory("sqlite::memory:"));
        assert!(sqlite_is_memory("sqlite://:memory:"));
        assert!(sqlite_is_memory("sqlite://x?mode=memory"));
        assert!(!sqlite_is_memory("sqlite://data/sluice.db"));
        assert!(!sqlite_is_memory("sqlite:data/sluice.db?mode=rwc"));
    }

    #[tokio::test]
    async fn sqlite_connections_use_wal_and_enforce_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("nested/sys.db").display());

        let db = SystemDb::connect(&url).await.unwrap();

        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(db.pool())
            .await
            .unwrap();
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(db.pool())
            .await
            .unwrap();
        let busy_timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(journal, "wal");
        assert_eq!(foreign_keys, 1);
        assert_eq!(busy_timeout, 5000);
        assert!(dir.path().join("nested/sys.db").exists());
    }

    async fn migrated() -> (tempfile::TempDir, PathBuf, SystemDb) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sys.db");
        let db = SystemDb::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        (dir, path, db)
    }

    fn is_missing<T: std::fmt::Debug>(result: Result<T, DbError>) -> bool {
        matches!(result, Err(DbError::Storage(crate::StorageFault::Missing)))
    }

    #[tokio::test]
    async fn calls_are_refused_while_the_file_is_away_and_resume_when_it_is_back() {
        let (dir, path, db) = migrated().await;
        let aside = dir.path().join("aside.db");
        std::fs::rename(&path, &aside).unwrap();

        assert!(is_missing(
            db.roles().insert(&crate::NewRole::new("r"), None).await
        ));
        assert!(is_missing(db.roles().list().await));
        assert!(is_missing(db.begin().await));

        std::fs::rename(&aside, &path).unwrap();
        assert!(
            db.roles()
                .insert(&crate::NewRole::new("r"), None)
                .await
                .is_ok()
        );
        assert_eq!(db.roles().list().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_write_that_committed_after_the_file_left_is_not_acknowledged() {
        let (dir, path, db) = migrated().await;
        let aside = dir.path().join("aside.db");

        let mut tx = db.begin().await.unwrap();
        tx.roles()
            .insert(&crate::NewRole::new("in tx"), None)
            .await
            .unwrap();
        std::fs::rename(&path, &aside).unwrap();
        assert!(is_missing(tx.commit().await));

        std::fs::rename(&aside, &path).unwrap();
        let conn = db.handle().acquire_write().await.unwrap();
        std::fs::rename(&path, &aside).unwrap();
        assert!(is_missing(conn.confirm(Ok(())).await));
    }

    #[tokio::test]
    async fn a_file_without_write_permission_refuses_writes_but_serves_reads() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, path, db) = migrated().await;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();

        let refused = db.roles().insert(&crate::NewRole::new("r"), None).await;
        assert!(matches!(
            refused,
            Err(DbError::Storage(crate::StorageFault::ReadOnly))
        ));
        assert!(db.roles().list().await.unwrap().is_empty());

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(
            db.roles()
                .insert(&crate::NewRole::new("r"), None)
                .await
                .is_ok()
        );
    }
}
