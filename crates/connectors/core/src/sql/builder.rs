//! The appender every statement is written with; see the module documentation of
//! [`crate::sql`] for what it accepts.

use super::{
    CastSyntax, CompiledSql, Dialect, LimitSyntax, NullsOrdering, Placeholders, aggregate_as,
    push_identifier, saturating_i64,
};
use crate::condition::Condition;
use crate::plan::{NullsOrder, Projection, SelectQuery};
use crate::schema::{ColumnRef, TableSchema};
use crate::value::BoundValue;

pub(super) struct SqlBuilder<'t, D> {
    pub(super) dialect: &'t D,
    pub(super) table: &'t TableSchema,
    /// Qualifies every column (`"r"."name"`) when set, for queries over two tables.
    alias: Option<&'static str>,
    sql: String,
    binds: Vec<BoundValue>,
}

impl<'t, D: Dialect> SqlBuilder<'t, D> {
    pub(super) fn new(dialect: &'t D, table: &'t TableSchema) -> Self {
        Self {
            dialect,
            table,
            alias: None,
            // A one-row read of an eight-column table is about 170 bytes of SQL: one
            // allocation instead of a second and a copy.
            sql: String::with_capacity(256),
            binds: Vec::new(),
        }
    }

    /// Makes `table`, known as `alias` in this query, the one columns are taken from.
    pub(super) fn scope(&mut self, table: &'t TableSchema, alias: &'static str) {
        self.table = table;
        self.alias = Some(alias);
    }

    /// Only fragments written in code: the `'static` bound keeps request text out.
    pub(super) fn push(&mut self, fragment: &'static str) {
        self.sql.push_str(fragment);
    }

    /// Appends the dialect's placeholder and records `value` as its bind.
    pub(super) fn bind(&mut self, value: BoundValue) {
        self.binds.push(value);
        match D::SYNTAX.placeholders {
            Placeholders::Anonymous => self.sql.push('?'),
            Placeholders::Numbered => {
                self.sql.push('$');
                self.sql
                    .push_str(itoa::Buffer::new().format(self.binds.len()));
            }
        }
    }

    /// An alias written in code, quoted as identifiers are.
    pub(super) fn alias(&mut self, alias: &'static str) {
        push_identifier::<D>(&mut self.sql, alias);
    }

    pub(super) fn table_name(&mut self) {
        if let Some(schema) = self.dialect.schema() {
            push_identifier::<D>(&mut self.sql, schema);
            self.sql.push('.');
        }
        push_identifier::<D>(&mut self.sql, self.table.name());
    }

    /// The column's quoted name, qualified as the current scope says.
    pub(super) fn column(&mut self, column: ColumnRef) {
        if let Some(alias) = self.alias {
            push_identifier::<D>(&mut self.sql, alias);
            self.sql.push('.');
        }
        push_identifier::<D>(&mut self.sql, &self.table.column(column).name);
    }

    /// What `write` appends, cast to `to` when there is a type.
    pub(super) fn cast(&mut self, to: Option<&'static str>, write: impl FnOnce(&mut Self)) {
        let Some(to) = to else {
            return write(self);
        };
        match D::SYNTAX.cast {
            CastSyntax::Suffix => {
                write(self);
                self.push("::");
                self.push(to);
            }
            CastSyntax::Function => {
                self.push("CAST(");
                write(self);
                self.push(" AS ");
                self.push(to);
                self.push(")");
            }
        }
    }

    /// A selected column, converted as the dialect selects its values.
    pub(super) fn selected_column(&mut self, column: ColumnRef) {
        let to = self.dialect.selected_as(self.table.column(column));
        self.cast(to, |sql| sql.column(column));
    }

    pub(super) fn projection(&mut self, projection: Projection) {
        let (function, column) = match projection {
            Projection::Column(column) => return self.selected_column(column),
            Projection::Aggregate { function, column } => (function, column),
        };
        let Some(column) = column else {
            self.push(function.name());
            self.push("(*)");
            return;
        };
        let to = aggregate_as(self.dialect, function, self.table.column(column));
        self.cast(to, |sql| {
            sql.push(function.name());
            sql.push("(");
            sql.column(column);
            sql.push(")");
        });
    }

    /// Writes the table's every-column SELECT list (kept by the table, so the most common
    /// projection is quoted and cast once, not on every read) when `projection` starts
    /// with every readable column in table order, as it does unless `fields` names some;
    /// answers how many items of `projection` that wrote.
    pub(super) fn every_column_prefix(&mut self, projection: &[Projection]) -> usize {
        let table = self.table;
        let count = table.column_refs().count();
        let every_column = self.alias.is_none()
            && count > 0
            && projection.len() >= count
            && table
                .column_refs()
                .zip(projection)
                .all(|(column, item)| *item == Projection::Column(column));
        if !every_column {
            return 0;
        }
        let dialect = self.dialect;
        let cached = table.every_column_sql(std::any::type_name::<D>(), || {
            let mut list = SqlBuilder::new(dialect, table);
            for (index, column) in table.column_refs().enumerate() {
                if index > 0 {
                    list.push(", ");
                }
                list.selected_column(column);
            }
            list.sql
        });
        match cached {
            Some(list) => {
                self.sql.push_str(list);
                count
            }
            None => 0,
        }
    }

    pub(super) fn where_and_group(&mut self, query: &SelectQuery) {
        if let Some(condition) = &query.condition {
            self.push(" WHERE ");
            self.condition(condition);
        }
        for (index, &column) in query.group_by.iter().enumerate() {
            self.push(if index == 0 { " GROUP BY " } else { ", " });
            self.column(column);
        }
    }

    pub(super) fn order_and_limit(&mut self, query: &SelectQuery) {
        for (index, term) in query.order_by.iter().enumerate() {
            self.push(if index == 0 { " ORDER BY " } else { ", " });
            if let (NullsOrdering::IsNullTerm, Some(nulls)) = (D::SYNTAX.nulls_ordering, term.nulls)
            {
                self.column(term.column);
                self.push(match nulls {
                    NullsOrder::First => " IS NULL DESC, ",
                    NullsOrder::Last => " IS NULL ASC, ",
                });
            }
            self.column(term.column);
            self.push(if term.descending { " DESC" } else { " ASC" });
            if D::SYNTAX.nulls_ordering == NullsOrdering::Keywords {
                match term.nulls {
                    Some(NullsOrder::First) => self.push(" NULLS FIRST"),
                    Some(NullsOrder::Last) => self.push(" NULLS LAST"),
                    None => {}
                }
            }
        }
        self.limit(query.limit, query.offset);
    }

    fn limit(&mut self, limit: Option<u64>, offset: u64) {
        if D::SYNTAX.limit == LimitSyntax::Together {
            if limit.is_some() || offset > 0 {
                self.push(" LIMIT ");
                self.bind(BoundValue::Integer(limit.map_or(-1, saturating_i64)));
                self.push(" OFFSET ");
                self.bind(BoundValue::Integer(saturating_i64(offset)));
            }
            return;
        }
        match limit {
            Some(limit) => {
                self.push(" LIMIT ");
                self.bind(BoundValue::Integer(saturating_i64(limit)));
            }
            None if offset > 0 && D::SYNTAX.limit == LimitSyntax::OffsetNeedsLimit => {
                self.push(" LIMIT 18446744073709551615");
            }
            None => {}
        }
        if offset > 0 {
            self.push(" OFFSET ");
            self.bind(BoundValue::Integer(saturating_i64(offset)));
        }
    }

    pub(super) fn condition(&mut self, condition: &Condition) {
        super::condition::write_condition(self, condition);
    }

    /// `CASE WHEN <check> THEN TRUE ELSE FALSE END`: whether a written row is inside a
    /// role's filter, in the dialect's truth values.
    pub(super) fn check(&mut self, check: &Condition) {
        self.push("CASE WHEN ");
        self.condition(check);
        self.push(" THEN ");
        self.push(D::SYNTAX.true_literal);
        self.push(" ELSE ");
        self.push(D::SYNTAX.false_literal);
        self.push(" END");
    }

    pub(super) fn finish(self) -> CompiledSql {
        CompiledSql {
            sql: self.sql,
            binds: self.binds,
        }
    }
}
