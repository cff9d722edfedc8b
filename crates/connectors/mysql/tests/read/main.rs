//! The MySQL connector against the machine's MariaDB (or MySQL) server: each test gets a
//! database of its own (see `helpers`).
//!
//! `conformance` runs the shared read cases of `sluice-connector-conformance`, the same
//! cases every connector runs.

mod conformance;
mod helpers;
mod introspection;
mod options;
mod recovery;
mod typing;
