//! The SQLite connector against real database files created by each test.
//!
//! `conformance` runs the shared read cases of `sluice-connector-conformance`, the same
//! cases every connector runs.

mod access;
mod conformance;
mod helpers;
mod ids;
mod options;
mod schema;
mod security;
mod typing;
