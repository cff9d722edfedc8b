//! What differs between the `pgsql` and `mysql` service types: the type's name and
//! record in `GET /system/service_type`, the default port and the one engine field.

use serde_json::{Value, json};

use crate::service_types::{data_option_fields, schema_field};

pub const PGSQL: &str = "pgsql";
pub const MYSQL: &str = "mysql";

pub(super) const DEFAULT_POOL_SIZE: u64 = 16;
pub(super) const DEFAULT_ACQUIRE_TIMEOUT_MS: u64 = 5_000;

/// The database engine of a `pgsql` or `mysql` service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Pgsql,
    /// MySQL and MariaDB (DreamFactory's `mysql` type serves both).
    Mysql,
}

/// The one config field the engines do not share: its name, label, default, description.
pub(super) struct EngineField {
    pub(super) name: &'static str,
    label: &'static str,
    pub(super) default: &'static str,
    description: &'static str,
}

impl Engine {
    /// The engine of a service type; `None` for types that are not served by one.
    pub fn of_type(service_type: &str) -> Option<Self> {
        match service_type {
            PGSQL => Some(Self::Pgsql),
            MYSQL => Some(Self::Mysql),
            _ => None,
        }
    }

    pub fn type_name(self) -> &'static str {
        match self {
            Self::Pgsql => PGSQL,
            Self::Mysql => MYSQL,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Pgsql => "PostgreSQL",
            Self::Mysql => "MySQL",
        }
    }

    pub(super) fn default_port(self) -> u16 {
        match self {
            Self::Pgsql => 5432,
            Self::Mysql => 3306,
        }
    }

    pub(super) fn field(self) -> EngineField {
        match self {
            Self::Pgsql => EngineField {
                name: "schema",
                label: "Schema",
                default: "public",
                description: "The schema whose tables and views the service serves.",
            },
            Self::Mysql => EngineField {
                name: "charset",
                label: "Character Set",
                default: "utf8mb4",
                description: "The connection's character set (SET NAMES).",
            },
        }
    }

    /// The `GET /system/service_type` record.
    pub fn service_type(self) -> Value {
        json!({
            "name": self.type_name(),
            "label": self.label(),
            "description": format!("Database service supporting {} connections.", self.label()),
            "group": "Database",
            "singleton": false,
            "dependencies_required": null,
            "subscription_required": null,
            "service_definition_editable": false,
            "config_schema": self.config_schema(),
        })
    }

    fn config_schema(self) -> Value {
        let text = |name: &str, label: &str, default: Value, description: &str| {
            let required = matches!(name, "host" | "database" | "username");
            schema_field(name, label, "string", default, description, required)
        };
        let number = |name: &str, label: &str, default: u64, description: &str| {
            schema_field(name, label, "integer", json!(default), description, false)
        };
        let engine = self.field();
        let mut fields = vec![
            text(
                "host",
                "Host",
                Value::Null,
                &format!(
                    "The name or address of the {} server; it must be an allowed destination \
                     (outbound.allowed_destinations).",
                    self.label()
                ),
            ),
            number(
                "port",
                "Port Number",
                self.default_port().into(),
                "The server's port.",
            ),
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
                engine.name,
                engine.label,
                json!(engine.default),
                engine.description,
            ),
        ];
        fields.extend(data_option_fields());
        fields.push(number(
            "pool_size",
            "Connection Pool Size",
            DEFAULT_POOL_SIZE,
            "Connections the service keeps open at most on each node, shared out among its HTTP workers; requests beyond a worker's share wait.",
        ));
        fields.push(number(
            "acquire_timeout_ms",
            "Connection Wait (ms)",
            DEFAULT_ACQUIRE_TIMEOUT_MS,
            "How long a request waits for a connection before it is answered 503.",
        ));
        Value::Array(fields)
    }
}
