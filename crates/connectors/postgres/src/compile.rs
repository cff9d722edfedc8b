//! The SQL compiler: a resolved `SelectQuery` to PostgreSQL SQL text plus an ordered bind
//! list.
//!
//! Only three things are ever appended to the SQL text: `&'static str` fragments written
//! in this file, identifiers taken from the schema snapshot (or the service's configured
//! schema) quoted with `"` (embedded `"` doubled), and `$n` placeholders whose values go
//! to the bind list. There is no way to append request text.
//!
//! Where PostgreSQL differs from SQLite for the same plan:
//! - values are bound as `$1`, `$2`, ... and sent as text, so PostgreSQL reads each as the
//!   type of the column it is compared with (`crate::bind`);
//! - tables are qualified with the service's schema;
//! - `LIKE` on a column that is not text compares its text form (`"id"::text LIKE $1`),
//!   and a client's own pattern has no escape character (`ESCAPE ''`), as in SQLite;
//! - values that are not cheap to decode are selected as text (see `Transfer`);
//! - `SUM` and `AVG` are cast to a JSON-friendly type (`bigint` for sums of integers,
//!   `double precision` otherwise), where PostgreSQL would answer `numeric`.

use std::fmt::Write as _;

use sluice_connector_core::{
    AggregateFunction, BoundValue, ColumnRef, Condition, ConditionSql, NullsOrder, Projection,
    RelatedQuery, SelectQuery, TableSchema, ValueClass, write_condition,
};

use crate::types::{Transfer, is_text, transfer};

mod write;

pub(crate) use write::{
    assigned_column, compile_delete, compile_exists, compile_insert, compile_lookup, compile_update,
};

/// SQL text and the values for its `$n` placeholders, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledSql {
    pub sql: String,
    pub binds: Vec<BoundValue>,
}

/// `SELECT <projection> FROM "schema"."t" [WHERE] [GROUP BY] [ORDER BY] [LIMIT $n]
/// [OFFSET $m]`.
pub fn compile_select(schema: &str, query: &SelectQuery) -> CompiledSql {
    let mut sql = SqlBuilder::new(schema, &query.table);
    sql.push("SELECT ");
    for (index, projection) in query.projection.iter().enumerate() {
        if index > 0 {
            sql.push(", ");
        }
        sql.projection(*projection);
    }
    sql.push(" FROM ");
    sql.table_name();
    sql.where_and_group(query);
    sql.order_and_limit(query);
    sql.finish()
}

/// The total for `meta.count` / `count_only`: the rows matching the condition, or the
/// number of groups when grouping (as the SQLite connector counts).
pub fn compile_count(schema: &str, query: &SelectQuery) -> CompiledSql {
    let mut sql = SqlBuilder::new(schema, &query.table);
    if query.group_by.is_empty() {
        sql.push("SELECT COUNT(*) FROM ");
        sql.table_name();
        sql.where_and_group(query);
    } else {
        sql.push("SELECT COUNT(*) FROM (SELECT 1 FROM ");
        sql.table_name();
        sql.where_and_group(query);
        sql.push(") AS \"grouped\"");
    }
    sql.finish()
}

/// The query of one relationship for a set of parents: `compile_select` for a column link
/// (the link column is already first in the projection); for a junction link,
/// `SELECT "j"."parent", "r"."a", ... FROM "s"."related" AS "r" JOIN "s"."junction" AS "j"
/// ON "j"."related" = "r"."target" WHERE <junction condition> [AND <related condition>]
/// ORDER BY ... LIMIT $n`. One statement per relationship, whatever its kind.
pub fn compile_related(schema: &str, query: &RelatedQuery) -> CompiledSql {
    let Some(junction) = &query.junction else {
        return compile_select(schema, &query.select);
    };
    let select = &query.select;
    let mut sql = SqlBuilder::new(schema, &junction.table);
    sql.scope(&junction.table, "j");
    sql.push("SELECT ");
    sql.selected_column(junction.parent_column);
    sql.scope(&select.table, "r");
    for projection in &select.projection {
        sql.push(", ");
        sql.projection(*projection);
    }
    sql.push(" FROM ");
    sql.table_name();
    sql.push(" AS \"r\" JOIN ");
    sql.scope(&junction.table, "j");
    sql.table_name();
    sql.push(" AS \"j\" ON ");
    sql.column(junction.related_column);
    sql.push(" = ");
    sql.scope(&select.table, "r");
    sql.column(junction.target);
    sql.push(" WHERE ");
    sql.scope(&junction.table, "j");
    sql.condition(&junction.condition);
    sql.scope(&select.table, "r");
    if let Some(condition) = &select.condition {
        sql.push(" AND ");
        sql.condition(condition);
    }
    sql.order_and_limit(select);
    sql.finish()
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Appends SQL; see the module documentation for what it accepts.
struct SqlBuilder<'t> {
    schema: &'t str,
    table: &'t TableSchema,
    /// Qualifies every column (`"r"."name"`) when set, for queries over two tables.
    alias: Option<&'static str>,
    sql: String,
    binds: Vec<BoundValue>,
}

impl<'t> SqlBuilder<'t> {
    fn new(schema: &'t str, table: &'t TableSchema) -> Self {
        Self {
            schema,
            table,
            alias: None,
            sql: String::with_capacity(128),
            binds: Vec::new(),
        }
    }

    /// Makes `table`, known as `alias` in this query, the one columns are taken from.
    fn scope(&mut self, table: &'t TableSchema, alias: &'static str) {
        self.table = table;
        self.alias = Some(alias);
    }

    /// Only fragments written in this module: the `'static` bound keeps request text out.
    fn push(&mut self, fragment: &'static str) {
        self.sql.push_str(fragment);
    }

    fn bind(&mut self, value: BoundValue) {
        self.binds.push(value);
        // Writing to a String cannot fail.
        let _ = write!(self.sql, "${}", self.binds.len());
    }

    fn table_name(&mut self) {
        push_identifier(&mut self.sql, self.schema);
        self.sql.push('.');
        push_identifier(&mut self.sql, self.table.name());
    }

    fn column(&mut self, column: ColumnRef) {
        if let Some(alias) = self.alias {
            push_identifier(&mut self.sql, alias);
            self.sql.push('.');
        }
        push_identifier(&mut self.sql, &self.table.column(column).name);
    }

    fn db_type(&self, column: ColumnRef) -> &'t str {
        &self.table.column(column).db_type
    }

    /// A selected column, as text when its values do not travel natively.
    fn selected_column(&mut self, column: ColumnRef) {
        self.column(column);
        if transfer(self.db_type(column)) == Transfer::AsText {
            self.push("::text");
        }
    }

    fn projection(&mut self, projection: Projection) {
        let (function, column) = match projection {
            Projection::Column(column) => return self.selected_column(column),
            Projection::Aggregate { function, column } => (function, column),
        };
        self.push(match function {
            AggregateFunction::Count => "COUNT(",
            AggregateFunction::Sum => "SUM(",
            AggregateFunction::Avg => "AVG(",
            AggregateFunction::Min => "MIN(",
            AggregateFunction::Max => "MAX(",
        });
        match column {
            Some(column) => self.column(column),
            None => self.push("*"),
        }
        self.push(")");
        let Some(column) = column else {
            return;
        };
        let integers = self.table.column(column).df_type.value_class() == ValueClass::Integer;
        match function {
            AggregateFunction::Count => {}
            AggregateFunction::Sum if integers => self.push("::bigint"),
            AggregateFunction::Sum | AggregateFunction::Avg => self.push("::double precision"),
            AggregateFunction::Min | AggregateFunction::Max => {
                if transfer(self.db_type(column)) == Transfer::AsText {
                    self.push("::text");
                }
            }
        }
    }

    fn order_and_limit(&mut self, query: &SelectQuery) {
        for (index, term) in query.order_by.iter().enumerate() {
            self.push(if index == 0 { " ORDER BY " } else { ", " });
            self.column(term.column);
            self.push(if term.descending { " DESC" } else { " ASC" });
            match term.nulls {
                Some(NullsOrder::First) => self.push(" NULLS FIRST"),
                Some(NullsOrder::Last) => self.push(" NULLS LAST"),
                None => {}
            }
        }
        if let Some(limit) = query.limit {
            self.push(" LIMIT ");
            self.bind(BoundValue::Integer(saturating_i64(limit)));
        }
        if query.offset > 0 {
            self.push(" OFFSET ");
            self.bind(BoundValue::Integer(saturating_i64(query.offset)));
        }
    }

    fn where_and_group(&mut self, query: &SelectQuery) {
        if let Some(condition) = &query.condition {
            self.push(" WHERE ");
            self.condition(condition);
        }
        for (index, &column) in query.group_by.iter().enumerate() {
            self.push(if index == 0 { " GROUP BY " } else { ", " });
            self.column(column);
        }
    }

    fn condition(&mut self, condition: &Condition) {
        write_condition(self, condition);
    }

    fn finish(self) -> CompiledSql {
        CompiledSql {
            sql: self.sql,
            binds: self.binds,
        }
    }
}

impl ConditionSql for SqlBuilder<'_> {
    const TRUE: &'static str = "TRUE";
    const FALSE: &'static str = "FALSE";

    fn push(&mut self, fragment: &'static str) {
        SqlBuilder::push(self, fragment);
    }

    fn column(&mut self, column: ColumnRef) {
        SqlBuilder::column(self, column);
    }

    fn bind(&mut self, value: BoundValue) {
        SqlBuilder::bind(self, value);
    }

    /// PostgreSQL's `LIKE` takes text: other columns are compared by their text form.
    fn like_column(&mut self, column: ColumnRef) {
        SqlBuilder::column(self, column);
        if !is_text(self.db_type(column)) {
            SqlBuilder::push(self, "::text");
        }
    }

    fn like_escape(escaped: bool) -> &'static str {
        // Must match sluice_connector_core::LIKE_ESCAPE (checked in tests).
        // A client's own pattern has no escape character; PostgreSQL's default would be `\`.
        if escaped {
            " ESCAPE '\\'"
        } else {
            " ESCAPE ''"
        }
    }
}

/// `"name"` with every `"` doubled: the only way an identifier enters SQL.
fn push_identifier(sql: &mut String, name: &str) {
    sql.push('"');
    for c in name.chars() {
        if c == '"' {
            sql.push('"');
        }
        sql.push(c);
    }
    sql.push('"');
}

#[cfg(test)]
mod tests;
