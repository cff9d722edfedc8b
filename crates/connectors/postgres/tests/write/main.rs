//! The PostgreSQL connector's writes against the machine's PostgreSQL server: each test
//! (and each conformance case) gets a database of its own.
//!
//! `conformance` runs the shared write cases of `sluice-connector-conformance`, the same
//! cases every connector runs.

mod conformance;
mod engine;
mod helpers;
mod nested;
#[allow(dead_code)]
#[path = "../read/helpers.rs"]
mod pg;
mod schema;
