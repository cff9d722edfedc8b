//! The SQL compiler: a resolved `SelectQuery` to SQLite SQL text plus an ordered bind list.
//!
//! Only three things are ever appended to the SQL text: `&'static str` fragments written
//! in this file (keywords, operators from the closed enums), identifiers taken from the
//! schema snapshot and quoted with `"` (embedded `"` doubled), and `?` placeholders whose
//! values go to the bind list. There is no way to append request text.

use sluice_connector_core::{
    AggregateFunction, BoundValue, ColumnRef, Condition, ConditionSql, NullsOrder, Projection,
    SelectQuery, TableSchema, write_condition,
};

/// SQL text and the values for its `?` placeholders, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledSql {
    pub sql: String,
    pub binds: Vec<BoundValue>,
}

/// `SELECT <projection> FROM "t" [WHERE] [GROUP BY] [ORDER BY] [LIMIT ? OFFSET ?]`.
pub fn compile_select(query: &SelectQuery) -> CompiledSql {
    let mut sql = SqlBuilder::new(&query.table);
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
/// number of groups when grouping (DreamFactory counts rows before grouping, which makes
/// `next` point past the last group; we count what the client pages through).
pub fn compile_count(query: &SelectQuery) -> CompiledSql {
    let mut sql = SqlBuilder::new(&query.table);
    if query.group_by.is_empty() {
        sql.push("SELECT COUNT(*) FROM ");
        sql.table_name();
        sql.where_and_group(query);
    } else {
        sql.push("SELECT COUNT(*) FROM (SELECT 1 FROM ");
        sql.table_name();
        sql.where_and_group(query);
        sql.push(")");
    }
    sql.finish()
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Appends SQL; see the module documentation for what it accepts.
struct SqlBuilder<'t> {
    table: &'t TableSchema,
    /// Qualifies every column (`"r"."name"`) when set, for queries over two tables.
    alias: Option<&'static str>,
    sql: String,
    binds: Vec<BoundValue>,
}

impl<'t> SqlBuilder<'t> {
    fn new(table: &'t TableSchema) -> Self {
        Self {
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
        self.sql.push('?');
        self.binds.push(value);
    }

    fn table_name(&mut self) {
        push_identifier(&mut self.sql, self.table.name());
    }

    fn column(&mut self, column: ColumnRef) {
        if let Some(alias) = self.alias {
            push_identifier(&mut self.sql, alias);
            self.sql.push('.');
        }
        push_identifier(&mut self.sql, &self.table.column(column).name);
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
        if query.limit.is_some() || query.offset > 0 {
            // SQLite's "no limit" is a negative LIMIT.
            self.push(" LIMIT ");
            self.bind(BoundValue::Integer(query.limit.map_or(-1, saturating_i64)));
            self.push(" OFFSET ");
            self.bind(BoundValue::Integer(saturating_i64(query.offset)));
        }
    }

    fn projection(&mut self, projection: Projection) {
        match projection {
            Projection::Column(column) => self.column(column),
            Projection::Aggregate { function, column } => {
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
            }
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
    const TRUE: &'static str = "1";
    const FALSE: &'static str = "0";

    fn push(&mut self, fragment: &'static str) {
        SqlBuilder::push(self, fragment);
    }

    fn column(&mut self, column: ColumnRef) {
        SqlBuilder::column(self, column);
    }

    fn bind(&mut self, value: BoundValue) {
        SqlBuilder::bind(self, value);
    }

    fn like_escape(escaped: bool) -> &'static str {
        // Must match sluice_connector_core::LIKE_ESCAPE (checked in tests).
        // SQLite's LIKE has no escape character unless one is named.
        if escaped { " ESCAPE '\\'" } else { "" }
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

mod related;
mod write;

pub(crate) use related::compile_related;
pub(crate) use write::{
    compile_delete, compile_exists, compile_insert, compile_lookup, compile_reference_exists,
    compile_update,
};

#[cfg(test)]
mod tests;
