//! MySQL's dialect: its row of core's dialect table ([`Syntax::MYSQL`]) and the hooks that
//! need this crate's type mapping.
//!
//! Where MySQL differs from SQLite and PostgreSQL for the same plan:
//! - identifiers are quoted with backticks, which MySQL reads as identifiers under any SQL
//!   mode (double quotes would need `ANSI_QUOTES`);
//! - tables are not qualified: every connection of the pool is in the service's database;
//! - `LIKE` cannot be told to have no escape character, so a client's own pattern has its
//!   backslashes doubled and `\` is the escape character of every pattern;
//! - `NULLS FIRST` / `NULLS LAST` do not exist: they are written as a leading
//!   `col IS NULL DESC` / `col IS NULL ASC` term;
//! - `OFFSET` needs a `LIMIT`: without one, the largest row count MySQL accepts;
//! - temporal values are selected as text (see `Transfer`); `SUM` and `AVG` (DECIMAL in
//!   MySQL) are cast to `SIGNED` for sums of integers and `DOUBLE` otherwise (MySQL 8.0.17+,
//!   MariaDB 10.4+), as the PostgreSQL connector casts them;
//! - no `RETURNING`: the value an auto-increment column was given is the statement's
//!   `LAST_INSERT_ID()` (the driver's `last_insert_id`), and a role's check is evaluated by
//!   looking the written rows up afterwards (`sql::outside_check`), so this dialect does
//!   not implement `Returning`;
//! - an INSERT leaves out an auto-increment column given as `null`, so the database fills
//!   it, and one with no values at all is `() VALUES ()`.

use sluice_connector_core::sql::{Dialect, Syntax};
use sluice_connector_core::{ColumnSchema, LIKE_ESCAPE};

use crate::types::{Transfer, transfer};

/// MySQL and MariaDB ([`Syntax::MYSQL`]), in the service's database.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mysql;

impl Dialect for Mysql {
    const SYNTAX: Syntax = Syntax::MYSQL;

    /// Converted where the binary form is not what DreamFactory shows.
    fn selected_as(&self, column: &ColumnSchema) -> Option<&'static str> {
        match transfer(&column.db_type) {
            Transfer::Native => None,
            Transfer::AsText => Some("CHAR"),
            Transfer::AsUnsigned => Some("UNSIGNED"),
        }
    }

    /// MySQL has no "no escape character" for `LIKE` (an empty `ESCAPE ''` still means
    /// `\`): a client's own pattern has each `\` doubled, so it matches a backslash as it
    /// does in SQLite, and keeps its `%` and `_` wildcards.
    fn like_pattern(&self, pattern: &str, escaped: bool) -> String {
        match escaped {
            true => pattern.to_owned(),
            false => pattern.replace(LIKE_ESCAPE, "\\\\"),
        }
    }
}
