//! Sluice's gateway: the `sluice` binary's library. The only crate that knows actix-web.

pub mod access_log;
pub mod admins;
pub mod auth;
pub mod body;
pub mod changes;
pub mod cli;
pub mod clock;
pub mod cors;
pub mod data_cache;
pub mod demo;
pub mod destinations;
pub mod error;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod operator_settings;
pub mod params;
pub mod rate_limits;
pub mod registry;
pub mod routes;
pub mod run;
pub mod scripts;
pub mod secrets;
pub mod service_add;
pub mod service_types;
pub mod settings;
pub mod shared_redis;
pub mod startup;
pub mod state;
pub mod system;
pub mod system_db_copy;
pub mod telemetry;
pub mod wire_errors;
pub mod write_gate;

pub use settings::{Overrides, Settings};
pub use startup::Application;
