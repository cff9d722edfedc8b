//! The PostgreSQL connector against the machine's PostgreSQL server: each test gets a
//! database of its own (see `helpers`).
//!
//! `conformance` runs the shared read cases of `sluice-connector-conformance` (a request
//! and the exact JSON it answers on the shared data set), the same cases every connector
//! runs.

mod conformance;
mod helpers;
mod introspection;
mod options;
mod pools;
mod typing;
