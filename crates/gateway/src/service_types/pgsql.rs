//! The `pgsql` service type: a PostgreSQL database served through the PostgreSQL connector.
//!
//! The config uses DreamFactory's field names. `password` is sealed (`secrets.rs`) before it
//! is stored and never read back: `GET /system/service` shows it as the lookups' mask, and
//! an update that sends the mask back keeps the stored password. The host must be an allowed
//! destination (`destinations.rs`); the connection goes to the address that was checked.

use std::sync::Arc;

use secrecy::SecretString;
use serde_json::{Map, Value, json};
use sluice_connector_core::{ConnectorError, Database};
use sluice_connector_postgres::{PostgresConfig, PostgresConnector};

use crate::destinations::{DestinationError, DestinationPolicy, NOT_ALLOWED};
use crate::error::ApiError;
use crate::registry::Backend;
use crate::secrets::{MASK, SecretBox};
use crate::settings::Settings;

use super::{DataOptions, data_option_fields, invalid, merged_config, schema_field};

pub const PGSQL: &str = "pgsql";

const DEFAULT_POOL_SIZE: u64 = 16;
const DEFAULT_ACQUIRE_TIMEOUT_MS: u64 = 5_000;

/// The `GET /system/service_type` record.
pub fn pgsql_service_type() -> Value {
    json!({
        "name": PGSQL,
        "label": "PostgreSQL",
        "description": "Database service supporting PostgreSQL connections.",
        "group": "Database",
        "singleton": false,
        "dependencies_required": null,
        "subscription_required": null,
        "service_definition_editable": false,
        "config_schema": config_schema(),
    })
}

fn config_schema() -> Value {
    let text = |name: &str, label: &str, default: Value, description: &str| {
        let required = matches!(name, "host" | "database" | "username");
        schema_field(name, label, "string", default, description, required)
    };
    let number = |name: &str, label: &str, default: u64, description: &str| {
        schema_field(name, label, "integer", json!(default), description, false)
    };
    let mut fields = vec![
        text(
            "host",
            "Host",
            Value::Null,
            "The name or address of the PostgreSQL server; it must be an allowed destination (outbound.allowed_destinations).",
        ),
        number("port", "Port Number", 5432, "The server's port."),
        text(
            "database",
            "Database",
            Value::Null,
            "The name of the database.",
        ),
        text(
            "username",
            "Username",
            Value::Null,
            "The user to connect as.",
        ),
        schema_field(
            "password",
            "Password",
            "password",
            Value::Null,
            "The user's password: stored encrypted, never read back.",
            false,
        ),
        text(
            "schema",
            "Schema",
            json!("public"),
            "The schema whose tables and views the service serves.",
        ),
    ];
    fields.extend(data_option_fields());
    fields.push(number(
        "pool_size",
        "Connection Pool Size",
        DEFAULT_POOL_SIZE,
        "Connections the service keeps open at most; requests beyond them wait.",
    ));
    fields.push(number(
        "acquire_timeout_ms",
        "Connection Wait (ms)",
        DEFAULT_ACQUIRE_TIMEOUT_MS,
        "How long a request waits for a connection before it is answered 503.",
    ));
    Value::Array(fields)
}

/// A validated `pgsql` service config, without its password.
#[derive(Debug, Clone, PartialEq)]
pub struct PgsqlServiceConfig {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub username: String,
    pub schema: String,
    pub data: DataOptions,
    pub pool_size: u64,
    pub acquire_timeout_ms: u64,
}

impl PgsqlServiceConfig {
    /// The config as stored, with the password already sealed.
    fn to_stored_json(&self, sealed_password: Option<String>) -> Value {
        let mut stored = json!({
            "host": self.host,
            "port": self.port,
            "database": self.database,
            "username": self.username,
            "schema": self.schema,
            "max_records": self.data.max_records,
            "allow_upsert": self.data.allow_upsert,
            "cache_enabled": self.data.cache_enabled,
            "cache_ttl": self.data.cache_ttl,
            "pool_size": self.pool_size,
            "acquire_timeout_ms": self.acquire_timeout_ms,
        });
        if let (Some(sealed), Some(map)) = (sealed_password, stored.as_object_mut()) {
            map.insert("password".into(), Value::String(sealed));
        }
        stored
    }

    /// The connector's settings, connecting to `address` (the checked address of `host`).
    fn connector_config(
        &self,
        address: std::net::IpAddr,
        password: Option<SecretString>,
    ) -> PostgresConfig {
        let mut config = PostgresConfig::new(address.to_string(), &self.database, &self.username);
        config.port = self.port;
        config.password = password;
        config.schema = self.schema.clone();
        config.pool_size = usize::try_from(self.pool_size).unwrap_or(usize::MAX);
        config.acquire_timeout_ms = self.acquire_timeout_ms;
        config
    }
}

/// Parses a `pgsql` config object; its `password` key is not read here (it is sealed or
/// plain depending on where the config comes from).
pub fn parse_pgsql_config(map: &Map<String, Value>) -> Result<PgsqlServiceConfig, ApiError> {
    for (key, value) in map {
        let known = matches!(
            key.as_str(),
            "host"
                | "port"
                | "database"
                | "username"
                | "password"
                | "schema"
                | "max_records"
                | "allow_upsert"
                | "cache_enabled"
                | "cache_ttl"
                | "pool_size"
                | "acquire_timeout_ms"
        );
        if !known && !super::is_empty_dreamfactory_field(key, value) {
            return Err(invalid(format!(
                "Unknown config field '{key}' for service type 'pgsql'."
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
    let port = count("port", 5432, 1..=65535)?;
    Ok(PgsqlServiceConfig {
        host: text("host", None)?,
        port: u16::try_from(port).unwrap_or(5432),
        database: text("database", None)?,
        username: text("username", None)?,
        schema: text("schema", Some("public"))?,
        data: DataOptions::parse(map)?,
        pool_size: count("pool_size", DEFAULT_POOL_SIZE, 1..=1000)?,
        acquire_timeout_ms: count(
            "acquire_timeout_ms",
            DEFAULT_ACQUIRE_TIMEOUT_MS,
            100..=600_000,
        )?,
    })
}

/// A stored `pgsql` config as clients read it: the sealed password is masked.
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

/// Validates a `pgsql` service write and returns the config to store: the host must be an
/// allowed destination, and the database must accept the login (so a wrong password is the
/// administrator's 400 now, not every client's 503 later). The keys `given` are merged into
/// the `stored` config on an update; a `password` given as the mask keeps the stored one.
pub async fn validate_pgsql_config(
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
    let config = parse_pgsql_config(&merged)?;
    let address = destination(settings, &config)
        .await
        .map_err(|error| match error {
            DestinationError::NotAllowed => ApiError::bad_request(NOT_ALLOWED),
            DestinationError::Unresolvable => {
                invalid(format!("The host '{}' cannot be resolved.", config.host))
            }
        })?;
    let database = open_database(&config, address, password.clone())?;
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
            tracing::warn!(error = %other, "pgsql service check failed");
            "the database could not be read".to_owned()
        }
    };
    invalid(format!("Cannot connect to the database: {reason}."))
}

async fn destination(
    settings: &Settings,
    config: &PgsqlServiceConfig,
) -> Result<std::net::IpAddr, DestinationError> {
    let policy = DestinationPolicy::from_entries(&settings.outbound.allowed_destinations)
        .map_err(|_| DestinationError::NotAllowed)?;
    policy.resolve(&config.host, config.port).await
}

fn open_database(
    config: &PgsqlServiceConfig,
    address: std::net::IpAddr,
    password: Option<SecretString>,
) -> Result<Arc<Database>, ApiError> {
    let connector = PostgresConnector::new(&config.connector_config(address, password))
        .map_err(ApiError::from)?;
    Ok(Arc::new(Database::new(connector)))
}

/// The backend of a stored `pgsql` service. Nothing is connected to yet: the pool opens
/// connections on the first request, so a database that is down does not hold up the start.
pub async fn open_pgsql_backend(
    row_config: &Value,
    settings: &Settings,
    secrets: &SecretBox,
) -> Result<Backend, String> {
    let map = row_config.as_object().cloned().unwrap_or_default();
    let config = parse_pgsql_config(&map).map_err(|e| e.message.to_string())?;
    let password = stored_password(row_config, secrets)?;
    let address = destination(settings, &config)
        .await
        .map_err(|error| match error {
            DestinationError::NotAllowed => "its host is not an allowed destination".to_owned(),
            DestinationError::Unresolvable => "its host cannot be resolved".to_owned(),
        })?;
    let database = open_database(&config, address, password).map_err(|e| e.message.to_string())?;
    Ok(Backend::Pgsql { database, config })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn defaults_fill_what_is_not_given_and_unknown_fields_are_refused() {
        let config = parse_pgsql_config(&object(
            json!({"host": "db", "database": "app", "username": "u", "password": "x"}),
        ))
        .expect("valid");
        assert_eq!(
            (config.port, config.schema.as_str(), config.pool_size),
            (5432, "public", 16)
        );
        assert_eq!(config.data.max_records, 1000);
        let error = parse_pgsql_config(&object(
            json!({"host": "db", "database": "app", "username": "u", "dsn": "x"}),
        ))
        .expect_err("unknown field");
        assert_eq!(
            error.message,
            "Invalid data supplied. Unknown config field 'dsn' for service type 'pgsql'."
        );
        let error = parse_pgsql_config(&object(json!({"host": "db", "database": "app"})))
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
