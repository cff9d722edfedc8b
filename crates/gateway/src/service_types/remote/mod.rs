//! The `pgsql` and `mysql` service types: a database on a server Sluice connects to, served
//! through the PostgreSQL or the MySQL/MariaDB connector. One config, one check and one
//! loader for both; [`Engine`] says what differs (the type's name, the default port, the
//! one engine field: `schema` for PostgreSQL, `charset` for MySQL, and the connector).
//!
//! The config uses DreamFactory's field names. `password` is sealed (`secrets.rs`) before it
//! is stored and never read back: `GET /system/service` shows it as the lookups' mask, and
//! an update that sends the mask back keeps the stored password. The host must be an allowed
//! destination (`destinations.rs`); the connection goes to the address that was checked.

use std::net::IpAddr;
use std::sync::Arc;

use secrecy::SecretString;
use serde_json::{Map, Value, json};
use sluice_connector_core::{ConnectorError, Database};
use sluice_connector_mysql::{MysqlConfig, MysqlConnector};
use sluice_connector_postgres::{PostgresConfig, PostgresConnector};

use crate::destinations::{DestinationError, DestinationPolicy, NOT_ALLOWED};
use crate::error::ApiError;
use crate::registry::Backend;
use crate::secrets::{MASK, SecretBox};
use crate::settings::Settings;

mod engine;

use super::{DataOptions, invalid, merged_config};

use engine::{DEFAULT_ACQUIRE_TIMEOUT_MS, DEFAULT_POOL_SIZE};
pub use engine::{Engine, MYSQL, PGSQL};

/// A validated `pgsql` or `mysql` service config, without its password.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteConfig {
    pub engine: Engine,
    pub host: String,
    pub port: u16,
    pub database: String,
    pub username: String,
    /// The engine's own field: `schema` (PostgreSQL) or `charset` (MySQL).
    pub engine_field: String,
    pub data: DataOptions,
    pub pool_size: u64,
    pub acquire_timeout_ms: u64,
}

impl RemoteConfig {
    /// The config as stored, with the password already sealed.
    fn to_stored_json(&self, sealed_password: Option<String>) -> Value {
        let mut stored = json!({
            "host": self.host,
            "port": self.port,
            "database": self.database,
            "username": self.username,
            "max_records": self.data.max_records,
            "allow_upsert": self.data.allow_upsert,
            "cache_enabled": self.data.cache_enabled,
            "cache_ttl": self.data.cache_ttl,
            "pool_size": self.pool_size,
            "acquire_timeout_ms": self.acquire_timeout_ms,
        });
        if let Some(map) = stored.as_object_mut() {
            let field = self.engine.field().name;
            map.insert(field.into(), Value::String(self.engine_field.clone()));
            if let Some(sealed) = sealed_password {
                map.insert("password".into(), Value::String(sealed));
            }
        }
        stored
    }

    /// The engine's connector, connecting to `address` (the checked address of `host`).
    ///
    /// The connector keeps a pool per thread (a query never leaves the HTTP worker that
    /// serves its request), so `pool_size`, the node's connections to the database, is
    /// shared out among the `worker_threads`.
    fn open(
        &self,
        address: IpAddr,
        password: Option<SecretString>,
        worker_threads: usize,
    ) -> Result<Arc<Database>, ConnectorError> {
        let host = address.to_string();
        let pool_size = usize::try_from(self.pool_size)
            .unwrap_or(usize::MAX)
            .div_ceil(worker_threads.max(1));
        let database = match self.engine {
            Engine::Pgsql => {
                let mut config = PostgresConfig::new(host, &self.database, &self.username);
                (config.port, config.password) = (self.port, password);
                (config.pool_size, config.acquire_timeout_ms) =
                    (pool_size, self.acquire_timeout_ms);
                config.schema = self.engine_field.clone();
                Database::new(PostgresConnector::new(&config)?)
            }
            Engine::Mysql => {
                let mut config = MysqlConfig::new(host, &self.database, &self.username);
                (config.port, config.password) = (self.port, password);
                (config.pool_size, config.acquire_timeout_ms) =
                    (pool_size, self.acquire_timeout_ms);
                config.charset = self.engine_field.clone();
                Database::new(MysqlConnector::new(&config)?)
            }
        };
        Ok(Arc::new(database))
    }
}

/// Parses a `pgsql` or `mysql` config object; its `password` key is not read here (it is
/// sealed or plain depending on where the config comes from).
pub fn parse_remote_config(
    engine: Engine,
    map: &Map<String, Value>,
) -> Result<RemoteConfig, ApiError> {
    let engine_field = engine.field();
    for (key, value) in map {
        let known = key == engine_field.name
            || matches!(
                key.as_str(),
                "host"
                    | "port"
                    | "database"
                    | "username"
                    | "password"
                    | "max_records"
                    | "allow_upsert"
                    | "cache_enabled"
                    | "cache_ttl"
                    | "pool_size"
                    | "acquire_timeout_ms"
            );
        if !known && !super::is_empty_dreamfactory_field(key, value) {
            return Err(invalid(format!(
                "Unknown config field '{key}' for service type '{}'.",
                engine.type_name()
            )));
        }
    }
    let text = |name: &str, default: Option<&str>| match (map.get(name), default) {
        (Some(Value::String(s)), _) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        (None | Some(Value::Null), Some(default)) => Ok(default.to_owned()),
        (None | Some(Value::Null), None) => {
            Err(invalid(format!("The config field '{name}' is required.")))
        }
        _ => Err(invalid(format!(
            "The config field '{name}' must be a non-empty string."
        ))),
    };
    let count = |name: &str, default: u64, range: std::ops::RangeInclusive<u64>| match map.get(name)
    {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value.as_u64().filter(|n| range.contains(n)).ok_or_else(|| {
            invalid(format!(
                "The config field '{name}' must be an integer from {} to {}.",
                range.start(),
                range.end()
            ))
        }),
    };
    let default_port = engine.default_port();
    let port = count("port", default_port.into(), 1..=65535)?;
    Ok(RemoteConfig {
        engine,
        host: text("host", None)?,
        port: u16::try_from(port).unwrap_or(default_port),
        database: text("database", None)?,
        username: text("username", None)?,
        engine_field: text(engine_field.name, Some(engine_field.default))?,
        data: DataOptions::parse(map)?,
        pool_size: count("pool_size", DEFAULT_POOL_SIZE, 1..=1000)?,
        acquire_timeout_ms: count(
            "acquire_timeout_ms",
            DEFAULT_ACQUIRE_TIMEOUT_MS,
            100..=600_000,
        )?,
    })
}

/// A stored config as clients read it: the sealed password is masked.
pub fn masked_config(config: &Value) -> Value {
    let mut masked = config.clone();
    if let Some(password) = masked.get_mut("password")
        && !password.is_null()
    {
        *password = json!(MASK);
    }
    masked
}

/// The plain password of a stored config.
fn stored_password(config: &Value, secrets: &SecretBox) -> Result<Option<SecretString>, String> {
    match config.get("password") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(sealed)) => secrets
            .open(sealed)
            .map(Some)
            .map_err(|error| error.to_string()),
        Some(_) => Err("the stored password is not a sealed value".to_owned()),
    }
}

/// Validates a `pgsql` or `mysql` service write and returns the config to store: the host
/// must be an allowed destination, and the database must accept the login (so a wrong
/// password is the administrator's 400 now, not every client's 503 later). The keys `given`
/// are merged into the `stored` config on an update; a `password` given as the mask keeps
/// the stored one.
pub async fn validate_remote_config(
    engine: Engine,
    settings: &Settings,
    secrets: &SecretBox,
    given: &Map<String, Value>,
    stored: Option<&Value>,
) -> Result<Value, ApiError> {
    let mut given = given.clone();
    let kept = stored
        .map(|stored| stored_password(stored, secrets))
        .transpose()
        .map_err(|_| invalid("The stored password cannot be decrypted: give the password again."));
    let password = match given.remove("password") {
        None => kept?.flatten(),
        Some(Value::String(mask)) if mask == MASK => kept?.flatten(),
        Some(Value::String(plain)) if plain.is_empty() => None,
        Some(Value::String(plain)) => Some(SecretString::from(plain)),
        Some(Value::Null) => None,
        Some(_) => return Err(invalid("The config field 'password' must be a string.")),
    };
    let mut merged = match stored {
        Some(stored) => merged_config(stored, &given),
        None => given,
    };
    merged.remove("password");
    let config = parse_remote_config(engine, &merged)?;
    let address = destination(settings, &config)
        .await
        .map_err(|error| match error {
            DestinationError::NotAllowed => ApiError::bad_request(NOT_ALLOWED),
            DestinationError::Unresolvable => {
                invalid(format!("The host '{}' cannot be resolved.", config.host))
            }
        })?;
    let database = config
        .open(address, password.clone(), settings.server.worker_threads())
        .map_err(|error| match error {
            ConnectorError::BadRequest { message, .. } => invalid(message),
            other => ApiError::from(other),
        })?;
    database.schema(true).await.map_err(connection_refused)?;
    let sealed = password.map(|plain| secrets.seal(secrecy::ExposeSecret::expose_secret(&plain)));
    Ok(config.to_stored_json(sealed))
}

/// A service write whose database does not accept the connection: the connector's reason
/// names neither the host nor the driver's text.
fn connection_refused(error: ConnectorError) -> ApiError {
    let reason = match error {
        ConnectorError::Unavailable(reason) => reason,
        ConnectorError::Busy => "the database did not answer in time".to_owned(),
        other => {
            tracing::warn!(error = %other, "database service check failed");
            "the database could not be read".to_owned()
        }
    };
    invalid(format!("Cannot connect to the database: {reason}."))
}

async fn destination(
    settings: &Settings,
    config: &RemoteConfig,
) -> Result<IpAddr, DestinationError> {
    let policy = DestinationPolicy::from_entries(&settings.outbound.allowed_destinations)
        .map_err(|_| DestinationError::NotAllowed)?;
    policy.resolve(&config.host, config.port).await
}

/// The backend of a stored `pgsql` or `mysql` service. Nothing is connected to yet: the
/// pool opens connections on the first request, so a database that is down does not hold
/// up the start.
pub async fn open_remote_backend(
    engine: Engine,
    row_config: &Value,
    settings: &Settings,
    secrets: &SecretBox,
) -> Result<Backend, String> {
    let map = row_config.as_object().cloned().unwrap_or_default();
    let config = parse_remote_config(engine, &map).map_err(|e| e.message.to_string())?;
    let password = stored_password(row_config, secrets)?;
    let address = destination(settings, &config)
        .await
        .map_err(|error| match error {
            DestinationError::NotAllowed => "its host is not an allowed destination".to_owned(),
            DestinationError::Unresolvable => "its host cannot be resolved".to_owned(),
        })?;
    let database = config
        .open(address, password, settings.server.worker_threads())
        .map_err(|error| error.to_string())?;
    Ok(Backend::Remote { database, config })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn defaults_fill_what_is_not_given_and_unknown_fields_are_refused() {
        let given = json!({"host": "db", "database": "app", "username": "u", "password": "x"});
        let config = parse_remote_config(Engine::Pgsql, &object(given.clone())).expect("valid");
        assert_eq!(
            (config.port, config.engine_field.as_str(), config.pool_size),
            (5432, "public", 16)
        );
        assert_eq!(config.data.max_records, 1000);
        let config = parse_remote_config(Engine::Mysql, &object(given)).expect("valid");
        assert_eq!(
            (config.port, config.engine_field.as_str(), config.pool_size),
            (3306, "utf8mb4", 16)
        );
        let error = parse_remote_config(
            Engine::Pgsql,
            &object(json!({"host": "db", "database": "app", "username": "u", "dsn": "x"})),
        )
        .expect_err("unknown field");
        assert_eq!(
            error.message,
            "Invalid data supplied. Unknown config field 'dsn' for service type 'pgsql'."
        );
        let error = parse_remote_config(
            Engine::Mysql,
            &object(json!({"host": "db", "database": "app", "username": "u", "schema": "x"})),
        )
        .expect_err("a PostgreSQL field");
        assert_eq!(
            error.message,
            "Invalid data supplied. Unknown config field 'schema' for service type 'mysql'."
        );
        let error = parse_remote_config(
            Engine::Mysql,
            &object(json!({"host": "db", "database": "app"})),
        )
        .expect_err("no username");
        assert_eq!(
            error.message,
            "Invalid data supplied. The config field 'username' is required."
        );
    }

    #[test]
    fn the_stored_password_is_masked() {
        let stored = json!({"host": "db", "password": "sealed:v1:abc"});
        assert_eq!(
            masked_config(&stored),
            json!({"host": "db", "password": MASK})
        );
        assert_eq!(masked_config(&json!({"host": "db"})), json!({"host": "db"}));
    }
}
