//! Layered configuration: built-in defaults (`config/default.toml`, embedded) < `--config FILE`
//! < `SLUICE__SECTION__KEY` environment variables < command-line flags. Unknown keys and bad
//! values fail at start with a message that says how to fix them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sluice_connector_sqlite::SqliteOptions;
use sluice_connector_sqlite::sql::SqlSettings;

pub use crate::data_cache::DataCacheSettings;
pub use crate::default_apps::DreamFactorySettings;
pub use crate::files::settings::FilesSettings;
pub use crate::operator_settings::{MetricsSettings, RedisSettings};
pub use crate::rate_limits::settings::{OnRedisError, RateLimitSettings};
pub use crate::scripts::settings::ScriptSettings;

const DEFAULTS: &str = include_str!("../../../config/default.toml");

/// Read connections per SQLite database when `sqlite.read_connections` is 0: one per HTTP
/// worker, so the reads of one database can use every core, but four at least. On two
/// cores, two lanes split SQLite's page-cache budget over fewer connections (a fifth less
/// CPU for an indexed filter) but let a slow read queue the others: the filter's p99 went
/// over 5 ms and one-record reads at 64 connections fell from 1.01-1.03 of the floor to
/// 0.91-0.95 (docs/PERFORMANCE.md, "How many read lanes").
const FEWEST_READ_CONNECTIONS: usize = 4;
const MOST_READ_CONNECTIONS: usize = 256;

/// Keys set by command-line flags, applied last.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub workers: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub system_db: SystemDbSettings,
    pub auth: AuthSettings,
    pub storage: StorageSettings,
    pub outbound: OutboundSettings,
    pub limits: LimitSettings,
    pub sqlite: SqliteSettings,
    pub log: LogSettings,
    pub change_feed: ChangeFeedSettings,
    pub metrics: MetricsSettings,
    pub redis: RedisSettings,
    pub rate_limits: RateLimitSettings,
    pub data_cache: DataCacheSettings,
    pub scripts: ScriptSettings,
    pub dreamfactory: DreamFactorySettings,
    pub files: FilesSettings,
    /// Not a config key: the `--data-dir` the process was started with.
    #[serde(skip)]
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub workers: usize,
    pub max_body_bytes: usize,
    /// Longest request target (path and query), in bytes: 414 beyond.
    pub max_uri_bytes: usize,
    /// Most bytes of request header lines (names, values and separators): 431 beyond.
    pub max_header_bytes: usize,
}

impl ServerSettings {
    /// HTTP worker threads: `workers`, or one per core when it is 0.
    pub fn worker_threads(&self) -> usize {
        match self.workers {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        }
    }
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemDbSettings {
    pub url: SecretString,
}

impl std::fmt::Debug for SystemDbSettings {
    // A PostgreSQL URL may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemDbSettings")
            .field("url", &"[redacted]")
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub jwt_secret: SecretString,
    /// The key that seals service passwords in the system database (64 hex digits); empty =
    /// a key generated once in the data directory (`secrets_key`).
    pub secrets_key: SecretString,
    pub jwt_ttl_minutes: u64,
    pub refresh_ttl_minutes: u64,
    pub password_min_length: usize,
    /// Failed logins per account (email) in a one-minute window before logins answer 429.
    pub login_failures_per_minute: u32,
    /// Failed logins per client address in a one-minute window; 0 = no per-address limit.
    pub login_failures_per_ip_per_minute: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    pub sqlite_roots: Vec<PathBuf>,
}

/// Where database services may connect (`destinations.rs`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundSettings {
    /// Host names, addresses and networks; empty = anything but link-local addresses.
    pub allowed_destinations: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    pub max_records_returned: u64,
    pub filter_max_length: usize,
    pub filter_max_nodes: usize,
    pub filter_max_depth: usize,
    pub filter_in_list_max: usize,
    pub ids_max: usize,
    pub order_terms_max: usize,
    pub batch_records_max: usize,
    pub json_depth_max: usize,
    /// Levels of a `related` path and of nested records in a write.
    pub related_depth_max: usize,
    /// Relationships followed by one read.
    pub related_max: usize,
    /// `system/package`: the largest package upload (the zip as sent), 413 beyond.
    pub package_max_bytes: usize,
    /// `system/package`: the most bytes a package's entries may unpack to, all together.
    pub package_max_unpacked_bytes: u64,
    /// `system/package`: the most entries a package's zip may hold.
    pub package_max_entries: usize,
}

/// Timeouts of the SQLite services' connections: a busy or slow database fails closed with a
/// 503 and `Retry-After` instead of holding the request.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqliteSettings {
    /// SQLite's `busy_timeout`: how long a write waits for another process's write lock.
    pub busy_timeout_ms: u64,
    /// The progress-handler deadline over one request's statements.
    pub statement_timeout_ms: u64,
    /// The wait for a pooled read connection or for this process's writer.
    pub acquire_timeout_ms: u64,
    /// SQLite's soft heap limit for all SQLite databases of the process together; 0 = none.
    pub memory_limit_mib: u64,
    /// Read connections per SQLite database, each on a thread of its own; 0 = one per HTTP
    /// worker, at least four.
    pub read_connections: usize,
    /// `_sql`: an open transaction with no statement for this long is rolled back.
    pub sql_transaction_idle_ms: u64,
    /// `_sql`: transactions open at once per service; a `BEGIN` beyond answers 503.
    pub sql_max_transactions: usize,
}

/// How this node follows changes made by other nodes (docs/ARCHITECTURE.md, the change feed).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeFeedSettings {
    /// The safety-net poll of the system database's change version, in milliseconds.
    pub poll_interval_ms: u64,
    /// How long a node that cannot reach the system database keeps answering from its
    /// caches; past this, API requests answer 503 until it is back.
    pub max_stale_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub level: String,
    pub format: LogFormat,
    /// Empty: stderr only. A path: logs go to this file (appended) as well as to stderr.
    pub file: PathBuf,
    /// How long access lines may wait to be written together (`log_output`); 0 writes
    /// each at once.
    pub access_buffer_ms: u64,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct SettingsError(pub String);

impl Settings {
    /// Loads and validates the settings. `env` is the process environment (injected so tests
    /// can pass their own).
    pub fn load(
        config_file: Option<&Path>,
        data_dir: &Path,
        env: impl IntoIterator<Item = (String, String)>,
        overrides: &Overrides,
    ) -> Result<Self, SettingsError> {
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(path) = config_file {
            if !path.is_file() {
                return Err(SettingsError(format!(
                    "the config file {} does not exist; check the --config argument",
                    path.display()
                )));
            }
            builder = builder.add_source(File::from(path).required(true));
        }
        let env: config::Map<String, String> = env
            .into_iter()
            .filter(|(key, _)| key.starts_with("SLUICE__"))
            .collect();
        builder = builder.add_source(
            Environment::with_prefix("SLUICE")
                .prefix_separator("__")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("storage.sqlite_roots")
                .with_list_parse_key("files.storage_roots")
                .with_list_parse_key("outbound.allowed_destinations")
                .try_parsing(true)
                .source(Some(env)),
        );
        let set = |b: config::ConfigBuilder<_>, key: &str, value: config::Value| {
            b.set_override(key, value)
                .map_err(|e| SettingsError(e.to_string()))
        };
        if let Some(host) = &overrides.host {
            builder = set(builder, "server.host", host.clone().into())?;
        }
        if let Some(port) = overrides.port {
            builder = set(builder, "server.port", i64::from(port).into())?;
        }
        if let Some(workers) = overrides.workers {
            builder = set(builder, "server.workers", (workers as u64).into())?;
        }
        let mut settings: Settings =
            builder
                .build()
                .and_then(Config::try_deserialize)
                .map_err(|e| {
                    SettingsError(format!(
                        "{e}; fix the config file or the SLUICE__SECTION__KEY variable \
                     (see config/default.toml for every key and its type)"
                    ))
                })?;
        settings.data_dir = data_dir.to_path_buf();
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let fail = |msg: &str| Err(SettingsError(msg.to_string()));
        let secret = self.auth.jwt_secret.expose_secret();
        if !secret.is_empty() && secret.len() < 32 {
            return fail(
                "auth.jwt_secret must be at least 32 characters; \
                 leave it empty to use a secret generated in the data directory",
            );
        }
        let secrets_key = self.auth.secrets_key.expose_secret();
        if !secrets_key.is_empty()
            && (secrets_key.len() != 64 || !secrets_key.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return fail(
                "auth.secrets_key must be 64 hex digits (`openssl rand -hex 32`); leave it \
                 empty to use a key generated in the data directory",
            );
        }
        crate::destinations::DestinationPolicy::from_entries(&self.outbound.allowed_destinations)
            .map_err(SettingsError)?;
        if self.auth.jwt_ttl_minutes == 0 || self.auth.refresh_ttl_minutes == 0 {
            return fail("auth.jwt_ttl_minutes and auth.refresh_ttl_minutes must be at least 1");
        }
        if self.auth.refresh_ttl_minutes < self.auth.jwt_ttl_minutes {
            return fail("auth.refresh_ttl_minutes must not be shorter than auth.jwt_ttl_minutes");
        }
        if self.auth.password_min_length < 8 {
            return fail("auth.password_min_length must be at least 8");
        }
        if self.auth.login_failures_per_minute == 0 {
            return fail(
                "auth.login_failures_per_minute must be at least 1: \
                 it is how many wrong passwords an account may see in a minute",
            );
        }
        if self.server.max_body_bytes < 1024 {
            return fail("server.max_body_bytes must be at least 1024");
        }
        // Past 64 KiB each, actix's own limit on a request head (128 KiB) could come first,
        // and its answer is only rewritten into the envelope, never with the limit's message.
        let head_limits = 1024..=65536;
        if !head_limits.contains(&self.server.max_uri_bytes)
            || !head_limits.contains(&self.server.max_header_bytes)
        {
            return fail(
                "server.max_uri_bytes and server.max_header_bytes must be between 1024 and 65536",
            );
        }
        if self.log.access_buffer_ms > 10_000 {
            return fail("log.access_buffer_ms must be at most 10000 (ten seconds)");
        }
        let feed = &self.change_feed;
        if !(100..=60_000).contains(&feed.poll_interval_ms) {
            return fail("change_feed.poll_interval_ms must be between 100 and 60000");
        }
        if feed.max_stale_seconds.saturating_mul(1000) < feed.poll_interval_ms.saturating_mul(2) {
            return fail(
                "change_feed.max_stale_seconds must cover at least two polls \
                 (change_feed.poll_interval_ms): a node would refuse requests between polls",
            );
        }
        let limits = &self.limits;
        let counts = [
            limits.max_records_returned as usize,
            limits.filter_max_length,
            limits.filter_max_nodes,
            limits.filter_max_depth,
            limits.filter_in_list_max,
            limits.ids_max,
            limits.order_terms_max,
            limits.batch_records_max,
            limits.json_depth_max,
            limits.related_depth_max,
            limits.related_max,
            limits.package_max_bytes,
            limits.package_max_unpacked_bytes as usize,
            limits.package_max_entries,
        ];
        if counts.contains(&0) {
            return fail("every value in [limits] must be at least 1");
        }
        if self.sqlite.sql_transaction_idle_ms == 0 || self.sqlite.sql_max_transactions == 0 {
            return fail(
                "sqlite.sql_transaction_idle_ms and sqlite.sql_max_transactions must be at least 1",
            );
        }
        if self.sqlite.read_connections > MOST_READ_CONNECTIONS {
            return fail(&format!(
                "sqlite.read_connections must be between 0 and {MOST_READ_CONNECTIONS}"
            ));
        }
        if self.sqlite.statement_timeout_ms == 0 || self.sqlite.acquire_timeout_ms == 0 {
            return fail(
                "sqlite.statement_timeout_ms and sqlite.acquire_timeout_ms must be at least 1",
            );
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return fail(
                "log.level is not a valid filter; use e.g. \"info\" or \"sluice_gateway=debug,info\"",
            );
        }
        self.metrics.validate()?;
        self.redis.validate()?;
        self.rate_limits.validate()?;
        self.data_cache.validate()?;
        self.scripts.validate()?;
        self.files.validate()?;
        Ok(())
    }

    /// Checks that every configured `storage.sqlite_roots` entry is an existing directory, so
    /// a typo shows at start rather than as services that cannot be added or opened.
    ///
    /// # Errors
    ///
    /// Names the first root that is missing or not a directory and how to fix it.
    pub fn check_sqlite_roots(&self) -> Result<(), SettingsError> {
        for root in &self.storage.sqlite_roots {
            if root.is_dir() {
                continue;
            }
            let problem = if root.exists() {
                "is not a directory"
            } else {
                "does not exist"
            };
            return Err(SettingsError(format!(
                "the storage root {} {problem}; create the directory, or remove it from \
                 storage.sqlite_roots (in the config file or SLUICE__STORAGE__SQLITE_ROOTS)",
                root.display()
            )));
        }
        Ok(())
    }

    /// The directories SQLite services may use: `storage.sqlite_roots`, or the data directory.
    pub fn sqlite_roots(&self) -> Vec<PathBuf> {
        if self.storage.sqlite_roots.is_empty() {
            vec![self.data_dir.clone()]
        } else {
            self.storage.sqlite_roots.clone()
        }
    }

    /// The connection options of every SQLite service, from `[sqlite]`.
    pub fn sqlite_options(&self) -> SqliteOptions {
        SqliteOptions {
            busy_timeout: Duration::from_millis(self.sqlite.busy_timeout_ms),
            statement_timeout: Duration::from_millis(self.sqlite.statement_timeout_ms),
            acquire_timeout: Duration::from_millis(self.sqlite.acquire_timeout_ms),
            memory_limit_bytes: self.sqlite.memory_limit_mib.saturating_mul(1024 * 1024),
            pool_size: match self.sqlite.read_connections {
                0 => self.server.worker_threads().max(FEWEST_READ_CONNECTIONS),
                count => count,
            },
            ..SqliteOptions::default()
        }
    }

    /// The `_sql` bounds of every SQLite service, from `[sqlite]`.
    pub fn sql_settings(&self) -> SqlSettings {
        SqlSettings {
            idle_timeout: Duration::from_millis(self.sqlite.sql_transaction_idle_ms),
            max_transactions: self.sqlite.sql_max_transactions,
        }
    }

    /// The system database URL: `system_db.url`, or a SQLite file in the data directory.
    pub fn system_db_url(&self) -> String {
        let url = self.system_db.url.expose_secret();
        if url.is_empty() {
            format!(
                "sqlite://{}",
                self.data_dir.join("system.sqlite").to_string_lossy()
            )
        } else {
            url.to_string()
        }
    }
}

/// Settings from the embedded defaults, `env` and `overrides` alone, for the unit tests of
/// every section.
#[cfg(test)]
pub(crate) fn load_for_test(
    env: &[(&str, &str)],
    overrides: Overrides,
) -> Result<Settings, SettingsError> {
    let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Settings::load(None, Path::new("/tmp/sluice-test"), env, &overrides)
}

#[cfg(test)]
mod tests;
