//! The SQLite connector against real database files created by each test.

mod access;
mod helpers;
mod ids;
mod options;
mod schema;
mod security;
mod typing;
