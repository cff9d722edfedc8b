//! The SQLite connector's write path against real database files created by each test.
//!
//! `conformance` runs the shared write cases of `sluice-connector-conformance`, the same
//! cases every connector runs.

mod access;
mod batch;
mod conformance;
mod constraints;
mod create;
mod delete;
mod helpers;
mod locking;
mod nested;
mod update;
