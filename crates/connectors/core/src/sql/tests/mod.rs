//! The builder in each row of the dialect table, with test hooks standing in for the
//! connectors' (each connector's own tests pin its real dialect): exact SQL and binds.

use std::sync::Arc;

use super::*;
use crate::condition::{ComparisonOp, Condition};
use crate::plan::{NullsOrder, OrderTerm, Projection, SelectQuery};
use crate::schema::{ColumnRef, ColumnSchema, TableSchema};

mod reads;
mod writes;

/// The SQLite row as it is: no hook of its own.
struct Lite;

impl Dialect for Lite {
    const SYNTAX: Syntax = Syntax::SQLITE;
}

impl Returning for Lite {}

/// The PostgreSQL row, with a schema; `timestamp` values selected as text, `LIKE` on
/// anything but `text` cast to text.
struct Pg(&'static str);

impl Dialect for Pg {
    const SYNTAX: Syntax = Syntax::POSTGRES;

    fn schema(&self) -> Option<&str> {
        Some(self.0)
    }

    fn selected_as(&self, column: &ColumnSchema) -> Option<&'static str> {
        (column.db_type == "timestamp").then_some("text")
    }

    fn like_as(&self, column: &ColumnSchema) -> Option<&'static str> {
        (column.db_type != "text").then_some("text")
    }
}

impl Returning for Pg {}

/// The MySQL row; `timestamp` values selected as `CHAR`, a client's LIKE pattern marked
/// so the test sees the hook was asked.
struct My;

impl Dialect for My {
    const SYNTAX: Syntax = Syntax::MYSQL;

    fn selected_as(&self, column: &ColumnSchema) -> Option<&'static str> {
        (column.db_type == "timestamp").then_some("CHAR")
    }

    fn like_pattern(&self, pattern: &str, escaped: bool) -> String {
        if escaped {
            pattern.to_owned()
        } else {
            format!("own:{pattern}")
        }
    }
}

/// `to"do`s (id integer key auto, owner integer, title text, due timestamp, score real)`.
fn table() -> Arc<TableSchema> {
    let columns = [
        ("id", "integer"),
        ("owner", "integer"),
        ("title", "text"),
        ("due", "timestamp"),
        ("score", "real"),
    ]
    .map(|(name, declared)| {
        let mut column = ColumnSchema::from_declared(name, declared);
        column.is_primary_key = name == "id";
        column.auto_increment = name == "id";
        column
    });
    Arc::new(TableSchema::new(
        "to\"do`s",
        false,
        columns.to_vec(),
        vec![],
    ))
}

fn col(table: &TableSchema, name: &str) -> ColumnRef {
    table.column_ref(name).expect("column")
}

fn compare(table: &TableSchema, name: &str, op: ComparisonOp, value: i64) -> Condition {
    Condition::Compare {
        column: col(table, name),
        op,
        value: BoundValue::Integer(value),
    }
}

/// `SELECT id, title, due FROM t WHERE owner > 1 ORDER BY id` with `limit` / `offset`.
fn query(limit: Option<u64>, offset: u64) -> SelectQuery {
    let table = table();
    SelectQuery {
        projection: ["id", "title", "due"]
            .map(|name| Projection::Column(col(&table, name)))
            .to_vec(),
        condition: Some(compare(&table, "owner", ComparisonOp::Gt, 1)),
        group_by: Vec::new(),
        order_by: vec![OrderTerm {
            column: col(&table, "id"),
            descending: false,
            nulls: None,
        }],
        limit,
        offset,
        table,
    }
}

#[test]
fn identifiers_double_their_own_quote_only() {
    let mut sql = String::new();
    push_identifier::<Pg>(&mut sql, "we\"ird`");
    assert_eq!(sql, "\"we\"\"ird`\"");
    let mut sql = String::new();
    push_identifier::<My>(&mut sql, "we\"ird`");
    assert_eq!(sql, "`we\"ird```");
}

#[test]
fn requested_names_are_checked_against_the_engines_rules_then_quoted() {
    let rules = NameRules {
        max_len: 8,
        reserved_prefix: Some("pg_"),
    };
    assert_eq!(checked_identifier::<Pg>("_a1", rules).unwrap(), "\"_a1\"");
    assert_eq!(checked_identifier::<My>("name", rules).unwrap(), "`name`");
    for refused in ["", "1a", "a-b", "a\"b", "toolongname", "PG_x", "pg_"] {
        let message = checked_identifier::<Pg>(refused, rules)
            .unwrap_err()
            .to_string();
        assert!(
            message.ends_with(
                "use letters, digits and '_' (not starting with a digit or 'pg_'), at most 8 \
                 characters."
            ),
            "{refused}: {message}"
        );
    }
    let unreserved = NameRules {
        max_len: 64,
        reserved_prefix: None,
    };
    let message = checked_identifier::<My>("9", unreserved)
        .unwrap_err()
        .to_string();
    assert!(
        message.ends_with("(not starting with a digit), at most 64 characters."),
        "{message}"
    );
}
