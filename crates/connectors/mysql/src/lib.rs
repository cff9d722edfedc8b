#![doc = include_str!("../README.md")]

mod compile;
mod config;
mod connector;
mod ddl;
mod dialect;
mod error;
mod execute;
mod introspect;
mod schema_write;
mod types;
mod values;
mod write;

pub use compile::{CompiledSql, compile_count, compile_select};
pub use config::MysqlConfig;
pub use connector::MysqlConnector;
