//! SQLite's dialect: its row of core's dialect table ([`Syntax::SQLITE`]) and no hook of
//! its own, since every value is selected as its storage class.
//!
//! The statement cache of each connection keys on the SQL text, so what this dialect makes
//! core write is the text the compile tests pin down, byte for byte.

use sluice_connector_core::sql::{Dialect, Returning, Syntax};

/// SQLite: `"name"`, `?`, `RETURNING` for the role check.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sqlite;

impl Dialect for Sqlite {
    const SYNTAX: Syntax = Syntax::SQLITE;
}

impl Returning for Sqlite {}
