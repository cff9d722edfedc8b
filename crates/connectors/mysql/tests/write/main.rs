//! The MySQL connector's writes against the machine's MariaDB (or MySQL) server: each test
//! (and each conformance case) gets a database of its own.
//!
//! `conformance` runs the shared write cases of `sluice-connector-conformance`, the same
//! cases every connector runs; `engine` what only MySQL does; `nested` nested writes; `schema`
//! `_schema` changes.

mod conformance;
mod engine;
mod helpers;
#[allow(dead_code)]
#[path = "../read/helpers.rs"]
mod my;
mod nested;
mod schema;
