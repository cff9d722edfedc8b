//! A `pgsql` service's connection settings, named as DreamFactory's `pgsql` service config
//! names them, plus the pool's.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Where and how to connect. `password` is a [`SecretString`]: its `Debug` output is
/// redacted, so neither this struct's `Debug` nor a log line built from it shows it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresConfig {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    pub database: String,
    pub username: String,
    #[serde(default)]
    pub password: Option<SecretString>,
    /// The schema whose tables and views the service serves (DreamFactory's default).
    #[serde(default = "default_schema")]
    pub schema: String,
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
    5432
}

fn default_schema() -> String {
    "public".to_owned()
}

fn default_pool_size() -> usize {
    16
}

fn default_acquire_timeout_ms() -> u64 {
    5_000
}

impl PostgresConfig {
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
            schema: default_schema(),
            pool_size: default_pool_size(),
            acquire_timeout_ms: default_acquire_timeout_ms(),
        }
    }

    pub(crate) fn acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.acquire_timeout_ms.max(1))
    }

    /// The driver's settings. Every session runs in UTC with ISO dates, so timestamps read
    /// the same whatever the server's defaults are.
    pub(crate) fn driver_config(&self) -> tokio_postgres::Config {
        let mut config = tokio_postgres::Config::new();
        config
            .host(&self.host)
            .port(self.port)
            .dbname(&self.database)
            .user(&self.username)
            .application_name("sluice")
            .options("-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c standard_conforming_strings=on")
            .connect_timeout(self.acquire_timeout());
        if let Some(password) = &self.password {
            config.password(password.expose_secret());
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_appears_in_debug_output() {
        let mut config = PostgresConfig::new("db.internal", "app", "sluice");
        config.password = Some(SecretString::from("hunter2-secret"));
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2-secret"), "{printed}");
    }

    #[test]
    fn dreamfactory_field_names_deserialize_with_defaults() {
        let config: PostgresConfig = serde_json::from_value(serde_json::json!({
            "host": "localhost", "database": "app", "username": "u", "password": "p"
        }))
        .expect("valid config");
        assert_eq!(
            (config.port, config.schema.as_str(), config.pool_size),
            (5432, "public", 16)
        );
        assert_eq!(
            config.password.as_ref().map(ExposeSecret::expose_secret),
            Some("p")
        );
    }
}
