//! The PostgreSQL connector's writes against the machine's PostgreSQL server: each test
//! (and each conformance case) gets a database of its own.
//!
//! `conformance` holds cases written without any engine in them (a write, its exact
//! answer, the rows read afterwards), to become part of one suite run against every
//! connector.

mod conformance;
mod engine;
mod helpers;
mod nested;
#[allow(dead_code)]
#[path = "../read/helpers.rs"]
mod pg;
mod schema;
