//! The SQLite connector's write path against real database files created by each test.

mod access;
mod batch;
mod constraints;
mod create;
mod delete;
mod helpers;
mod locking;
mod nested;
mod nested_access;
mod update;
