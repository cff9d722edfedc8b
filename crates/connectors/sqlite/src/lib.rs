#![doc = include_str!("../README.md")]

mod authorizer;
mod compile;
mod connection;
mod connector;
mod ddl;
pub mod demo;
mod dialect;
mod error;
mod execute;
mod introspect;
mod lanes;
mod options;
mod package;
mod path;
mod picklist;
mod rebuild;
#[cfg(test)]
mod related_statements;
mod schema_alter;
mod schema_write;
pub mod sql;
mod write;

pub use compile::{CompiledSql, compile_count, compile_select};
pub use connection::create_database_file;
pub use connector::SqliteConnector;
pub use options::SqliteOptions;
pub use package::{PackageDbError, check_packed_database, pack_database};
pub use path::{OUTSIDE as OUTSIDE_STORAGE_ROOTS, validate_database_path};
