//! A `mysql` service's connection settings, named as DreamFactory's `mysql` service config
//! names them, plus the pool's.

use std::time::Duration;

use mysql_async::{OptsBuilder, PoolConstraints, PoolOpts};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sluice_connector_core::ConnectorError;

/// The SQL mode of every session: strict (a value that does not fit its column is an error,
/// never a silent truncation or a zero date), whatever the server's default is. Identifiers
/// are quoted with backticks, which work under any mode, so `ANSI_QUOTES` is not set;
/// `NO_BACKSLASH_ESCAPES` is not set either, so `\` is the `LIKE` escape character.
const SQL_MODE: &str = "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,\
     ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', time_zone = '+00:00'";

/// Where and how to connect. `password` is a [`SecretString`]: its `Debug` output is
/// redacted, so neither this struct's `Debug` nor a log line built from it shows it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MysqlConfig {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    pub database: String,
    pub username: String,
    #[serde(default)]
    pub password: Option<SecretString>,
    /// The connection character set (`SET NAMES`); DreamFactory's default is `utf8mb4`.
    #[serde(default = "default_charset")]
    pub charset: String,
    /// Connections each thread that serves the service keeps at most (every thread has a
    /// pool of its own); its requests beyond them wait for one.
    #[serde(default = "default_pool_size")]
    pub pool_size: usize,
    /// How long a request waits for a free connection, or for a new one to be opened,
    /// before it is answered 503.
    #[serde(default = "default_acquire_timeout_ms")]
    pub acquire_timeout_ms: u64,
}

fn default_port() -> u16 {
    3306
}

fn default_charset() -> String {
    "utf8mb4".to_owned()
}

fn default_pool_size() -> usize {
    16
}

fn default_acquire_timeout_ms() -> u64 {
    5_000
}

/// How long a connection may stay idle in the pool before it is closed. Without it the
/// driver keeps no idle connection above the pool's minimum (0): every request would open
/// a connection of its own and prepare its statements again.
const IDLE_CONNECTION_TTL: Duration = Duration::from_secs(60);

/// Prepared statements each connection keeps (the driver's least-recently-used cache).
const STATEMENT_CACHE_SIZE: usize = 256;

impl MysqlConfig {
    /// Settings for `database` on `host` with every optional field at its default.
    pub fn new(
        host: impl Into<String>,
        database: impl Into<String>,
        username: impl Into<String>,
    ) -> Self {
        Self {
            host: host.into(),
            port: default_port(),
            database: database.into(),
            username: username.into(),
            password: None,
            charset: default_charset(),
            pool_size: default_pool_size(),
            acquire_timeout_ms: default_acquire_timeout_ms(),
        }
    }

    pub(crate) fn acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.acquire_timeout_ms.max(1))
    }

    /// The driver's settings. Every session runs in UTC, in strict mode, with the configured
    /// character set; pooled connections are handed out again without a reset, which would
    /// drop every prepared statement (measured 86k/s against 30-40k/s for primary-key reads).
    /// Nothing this connector runs changes session state, so a reset has nothing to undo.
    ///
    /// # Errors
    ///
    /// `BadRequest` for a pool size of 0 or a character set name that is not one.
    pub(crate) fn driver_opts(&self) -> Result<OptsBuilder, ConnectorError> {
        let constraints = PoolConstraints::new(0, self.pool_size)
            .filter(|_| self.pool_size > 0)
            .ok_or_else(|| {
                ConnectorError::bad_request("The connection pool settings are invalid.")
            })?;
        let pool = PoolOpts::default()
            .with_constraints(constraints)
            .with_inactive_connection_ttl(IDLE_CONNECTION_TTL)
            .with_reset_connection(false);
        let charset = charset_name(&self.charset)?;
        Ok(OptsBuilder::default()
            .ip_or_hostname(self.host.clone())
            .tcp_port(self.port)
            .db_name(Some(self.database.clone()))
            .user(Some(self.username.clone()))
            .pass(
                self.password
                    .as_ref()
                    .map(|password| password.expose_secret().to_owned()),
            )
            .prefer_socket(false)
            // An UPDATE answers the rows it matched, not only those it changed: a record
            // written with the values it already had is found, as on the other engines.
            .client_found_rows(true)
            .stmt_cache_size(STATEMENT_CACHE_SIZE)
            .init(vec![format!("SET NAMES {charset}"), SQL_MODE.to_owned()])
            .pool_opts(pool))
    }
}

/// The character set as it goes into `SET NAMES`: letters, digits and `_` only (MySQL's
/// names are all of that form), so no text of the config reaches SQL otherwise.
fn charset_name(charset: &str) -> Result<&str, ConnectorError> {
    let valid = !charset.is_empty()
        && charset.len() <= 32
        && charset
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    match valid {
        true => Ok(charset),
        false => Err(ConnectorError::bad_request(
            "The character set is not a valid name.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_appears_in_debug_output() {
        let mut config = MysqlConfig::new("db.internal", "app", "sluice");
        config.password = Some(SecretString::from("hunter2-secret"));
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2-secret"), "{printed}");
    }

    #[test]
    fn dreamfactory_field_names_deserialize_with_defaults() {
        let config: MysqlConfig = serde_json::from_value(serde_json::json!({
            "host": "localhost", "database": "app", "username": "u", "password": "p"
        }))
        .expect("valid config");
        assert_eq!(
            (config.port, config.charset.as_str(), config.pool_size),
            (3306, "utf8mb4", 16)
        );
        assert_eq!(
            config.password.as_ref().map(ExposeSecret::expose_secret),
            Some("p")
        );
    }

    #[test]
    fn only_plain_charset_names_and_positive_pool_sizes_are_accepted() {
        let mut config = MysqlConfig::new("h", "d", "u");
        assert!(config.driver_opts().is_ok());
        config.charset = "utf8mb4; DROP TABLE x".to_owned();
        assert!(config.driver_opts().is_err());
        config.charset = "latin1".to_owned();
        config.pool_size = 0;
        assert!(config.driver_opts().is_err());
    }
}
