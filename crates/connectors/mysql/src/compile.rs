//! The SQL compiler: a resolved `SelectQuery` to MySQL SQL text plus an ordered bind list.
//!
//! Only three things are ever appended to the SQL text: `&'static str` fragments written
//! in this file, identifiers taken from the schema snapshot quoted with backticks (embedded
//! backticks doubled), and `?` placeholders whose values go to the bind list. There is no
//! way to append request text.
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
//!   MariaDB 10.4+), as the PostgreSQL connector casts them.

use sluice_connector_core::{
    AggregateFunction, BoundValue, ColumnRef, Condition, ConditionSql, LIKE_ESCAPE, NullsOrder,
    Projection, RelatedQuery, SelectQuery, TableSchema, ValueClass, write_condition,
};

use crate::types::{Transfer, transfer};

/// SQL text and the values for its `?` placeholders, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledSql {
    pub sql: String,
    pub binds: Vec<BoundValue>,
}

/// `SELECT <projection> FROM `t` [WHERE] [GROUP BY] [ORDER BY] [LIMIT ?] [OFFSET ?]`.
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
/// number of groups when grouping (as the other connectors count).
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
        sql.push(") AS `grouped`");
    }
    sql.finish()
}

/// The query of one relationship for a set of parents: `compile_select` for a column link
/// (the link column is already first in the projection); for a junction link,
/// ``SELECT `j`.`parent`, `r`.`a`, ... FROM `related` AS `r` JOIN `junction` AS `j` ON
/// `j`.`related` = `r`.`target` WHERE <junction condition> [AND <related condition>]
/// ORDER BY ... LIMIT ?``. One statement per relationship, whatever its kind.
pub(crate) fn compile_related(query: &RelatedQuery) -> CompiledSql {
    let Some(junction) = &query.junction else {
        return compile_select(&query.select);
    };
    let select = &query.select;
    let mut sql = SqlBuilder::new(&junction.table);
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
    sql.push(" AS `r` JOIN ");
    sql.scope(&junction.table, "j");
    sql.table_name();
    sql.push(" AS `j` ON ");
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
    table: &'t TableSchema,
    /// Qualifies every column (`` `r`.`name` ``) when set, for queries over two tables.
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
        self.binds.push(value);
        self.sql.push('?');
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

    fn transfer_of(&self, column: ColumnRef) -> Transfer {
        transfer(&self.table.column(column).db_type)
    }

    /// A selected value, converted when its binary form is not what DreamFactory shows.
    fn converted(&mut self, column: ColumnRef, write: impl FnOnce(&mut Self)) {
        match self.transfer_of(column) {
            Transfer::Native => write(self),
            Transfer::AsText => {
                self.push("CAST(");
                write(self);
                self.push(" AS CHAR)");
            }
            Transfer::AsUnsigned => {
                self.push("CAST(");
                write(self);
                self.push(" AS UNSIGNED)");
            }
        }
    }

    fn selected_column(&mut self, column: ColumnRef) {
        self.converted(column, |sql| sql.column(column));
    }

    fn projection(&mut self, projection: Projection) {
        let (function, column) = match projection {
            Projection::Column(column) => return self.selected_column(column),
            Projection::Aggregate { function, column } => (function, column),
        };
        let name = match function {
            AggregateFunction::Count => "COUNT(",
            AggregateFunction::Sum => "SUM(",
            AggregateFunction::Avg => "AVG(",
            AggregateFunction::Min => "MIN(",
            AggregateFunction::Max => "MAX(",
        };
        let Some(column) = column else {
            self.push(name);
            self.push("*)");
            return;
        };
        let aggregate = |sql: &mut Self| {
            sql.push(name);
            sql.column(column);
            sql.push(")");
        };
        let integers = self.table.column(column).df_type.value_class() == ValueClass::Integer;
        match function {
            AggregateFunction::Min | AggregateFunction::Max => self.converted(column, aggregate),
            AggregateFunction::Count => aggregate(self),
            // MySQL sums and averages as DECIMAL: cast so they arrive as numbers.
            AggregateFunction::Sum if integers => {
                self.push("CAST(");
                aggregate(self);
                self.push(" AS SIGNED)");
            }
            AggregateFunction::Sum | AggregateFunction::Avg => {
                self.push("CAST(");
                aggregate(self);
                self.push(" AS DOUBLE)");
            }
        }
    }

    fn order_and_limit(&mut self, query: &SelectQuery) {
        for (index, term) in query.order_by.iter().enumerate() {
            self.push(if index == 0 { " ORDER BY " } else { ", " });
            if let Some(nulls) = term.nulls {
                self.column(term.column);
                self.push(match nulls {
                    NullsOrder::First => " IS NULL DESC, ",
                    NullsOrder::Last => " IS NULL ASC, ",
                });
            }
            self.column(term.column);
            self.push(if term.descending { " DESC" } else { " ASC" });
        }
        match query.limit {
            Some(limit) => {
                self.push(" LIMIT ");
                self.bind(BoundValue::Integer(saturating_i64(limit)));
            }
            // MySQL's own idiom for "no limit" (the largest row count it accepts).
            None if query.offset > 0 => self.push(" LIMIT 18446744073709551615"),
            None => {}
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

    /// MySQL has no "no escape character" for `LIKE` (an empty `ESCAPE ''` still means
    /// `\`): a client's own pattern has each `\` doubled, so it matches a backslash as it
    /// does in SQLite, and keeps its `%` and `_` wildcards.
    fn like_pattern(&mut self, pattern: &str, escaped: bool) {
        let pattern = match escaped {
            true => pattern.to_owned(),
            false => pattern.replace(LIKE_ESCAPE, "\\\\"),
        };
        SqlBuilder::bind(self, BoundValue::Text(pattern));
    }

    fn like_escape(_escaped: bool) -> &'static str {
        // Must match sluice_connector_core::LIKE_ESCAPE (checked in tests); the session's
        // SQL mode keeps `\` an escape inside string literals, so `'\\'` is one backslash.
        " ESCAPE '\\\\'"
    }
}

/// `` `name` `` with every backtick doubled: the only way an identifier enters SQL.
fn push_identifier(sql: &mut String, name: &str) {
    sql.push('`');
    for c in name.chars() {
        if c == '`' {
            sql.push('`');
        }
        sql.push(c);
    }
    sql.push('`');
}

#[cfg(test)]
mod tests;
mod write;

pub(crate) use write::{
    assigned_column, compile_delete, compile_exists, compile_insert, compile_lookup,
    compile_outside_check, compile_update,
};
