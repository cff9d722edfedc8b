//! The reads: a plan's SELECT, its count, and the query of one relationship.

use super::builder::SqlBuilder;
use super::{CompiledSql, Dialect};
use crate::plan::SelectQuery;
use crate::related::RelatedQuery;

/// `SELECT <projection> FROM t [WHERE] [GROUP BY] [ORDER BY] [LIMIT/OFFSET]`.
pub fn select<D: Dialect>(dialect: &D, query: &SelectQuery) -> CompiledSql {
    let mut sql = SqlBuilder::new(dialect, &query.table);
    sql.push("SELECT ");
    let written = sql.every_column_prefix(&query.projection);
    for (index, projection) in query.projection.iter().enumerate().skip(written) {
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
pub fn count<D: Dialect>(dialect: &D, query: &SelectQuery) -> CompiledSql {
    let mut sql = SqlBuilder::new(dialect, &query.table);
    if query.group_by.is_empty() {
        sql.push("SELECT COUNT(*) FROM ");
        sql.table_name();
        sql.where_and_group(query);
    } else {
        sql.push("SELECT COUNT(*) FROM (SELECT 1 FROM ");
        sql.table_name();
        sql.where_and_group(query);
        sql.push(")");
        if D::SYNTAX.derived_table_alias {
            sql.push(" AS ");
            sql.alias("grouped");
        }
    }
    sql.finish()
}

/// The query of one relationship for a set of parents (see [`RelatedQuery`]), so every
/// relationship costs one statement whatever its kind: [`select`] for a column link (the
/// link column is already first in the projection); for a junction link,
/// `SELECT "j"."parent", "r"."a", ... FROM "related" AS "r" JOIN "junction" AS "j"
/// ON "j"."related" = "r"."target" WHERE <junction condition> [AND <related condition>]
/// ORDER BY ... LIMIT ...`.
pub fn related<D: Dialect>(dialect: &D, query: &RelatedQuery) -> CompiledSql {
    let Some(junction) = &query.junction else {
        return select(dialect, &query.select);
    };
    let select = &query.select;
    let mut sql = SqlBuilder::new(dialect, &junction.table);
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
    sql.push(" AS ");
    sql.alias("r");
    sql.push(" JOIN ");
    sql.scope(&junction.table, "j");
    sql.table_name();
    sql.push(" AS ");
    sql.alias("j");
    sql.push(" ON ");
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
