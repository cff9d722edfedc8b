//! The PostgreSQL connector against the machine's PostgreSQL server: each test gets a
//! database of its own (see `helpers`).
//!
//! `conformance` holds cases written without any engine in them (a request and the exact
//! JSON it answers on the shared data set), to become part of one suite run against every
//! connector.

mod conformance;
mod helpers;
mod introspection;
mod options;
mod related;
mod typing;
