//! PostgreSQL's dialect: its row of core's dialect table ([`Syntax::POSTGRES`]) and the
//! hooks that need this crate's type mapping.
//!
//! Where PostgreSQL differs from SQLite for the same plan:
//! - values are bound as `$1`, `$2`, ... and sent as text, so PostgreSQL reads each as the
//!   type of the column it is compared with (`crate::values::Bind`);
//! - tables are qualified with the service's schema;
//! - `LIKE` on a column that is not text compares its text form (`"id"::text LIKE $1`),
//!   and a client's own pattern has no escape character (`ESCAPE ''`), as in SQLite;
//! - values that are not cheap to decode are selected as text (see `Transfer`);
//! - `SUM` and `AVG` are cast to a JSON-friendly type (`bigint` for sums of integers,
//!   `double precision` otherwise), where PostgreSQL would answer `numeric`;
//! - an INSERT leaves out an auto-increment column given as `null`, so its sequence or
//!   identity fills it (PostgreSQL would refuse the `null`), and answers the value its
//!   sequence assigned with `RETURNING "id"::bigint` in the same round trip;
//! - a role's check is returned as `CASE WHEN <check> THEN TRUE ELSE FALSE END`.

use sluice_connector_core::ColumnSchema;
use sluice_connector_core::sql::{Dialect, Returning, Syntax};

use crate::types::{Transfer, is_text, transfer};

/// PostgreSQL ([`Syntax::POSTGRES`]), with every table in the service's `schema`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Postgres<'a> {
    pub(crate) schema: &'a str,
}

impl Dialect for Postgres<'_> {
    const SYNTAX: Syntax = Syntax::POSTGRES;

    fn schema(&self) -> Option<&str> {
        Some(self.schema)
    }

    fn selected_as(&self, column: &ColumnSchema) -> Option<&'static str> {
        (transfer(&column.db_type) == Transfer::AsText).then_some("text")
    }

    /// PostgreSQL's `LIKE` takes text: other columns are compared by their text form.
    fn like_as(&self, column: &ColumnSchema) -> Option<&'static str> {
        (!is_text(&column.db_type)).then_some("text")
    }
}

impl Returning for Postgres<'_> {}
