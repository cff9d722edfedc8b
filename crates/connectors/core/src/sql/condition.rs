//! A [`Condition`] as SQL: the one rendering of conditions for every SQL database, with
//! the places where dialects differ as [`Dialect`] hooks.

use super::Dialect;
use super::builder::SqlBuilder;
use crate::condition::{ComparisonOp, Condition};
use crate::value::BoundValue;

/// Writes `condition` through `sql`: operators from the closed enums, columns and binds
/// through the builder, groups parenthesised so precedence never depends on the dialect.
pub(super) fn write_condition<D: Dialect>(sql: &mut SqlBuilder<'_, D>, condition: &Condition) {
    match condition {
        Condition::And(items) => write_group(sql, items, " AND ", D::SYNTAX.true_literal),
        Condition::Or(items) => write_group(sql, items, " OR ", D::SYNTAX.false_literal),
        Condition::Not(inner) => {
            sql.push("NOT (");
            write_condition(sql, inner);
            sql.push(")");
        }
        Condition::Compare { column, op, value } => {
            sql.column(*column);
            sql.push(match op {
                ComparisonOp::Eq => " = ",
                ComparisonOp::Ne => " != ",
                ComparisonOp::Gt => " > ",
                ComparisonOp::Ge => " >= ",
                ComparisonOp::Lt => " < ",
                ComparisonOp::Le => " <= ",
            });
            sql.bind(value.clone());
        }
        Condition::Like {
            column,
            pattern,
            escaped,
            negated,
        } => {
            let to = sql.dialect.like_as(sql.table.column(*column));
            sql.cast(to, |sql| sql.column(*column));
            sql.push(if *negated { " NOT LIKE " } else { " LIKE " });
            let pattern = sql.dialect.like_pattern(pattern, *escaped);
            sql.bind(BoundValue::Text(pattern));
            sql.push(match *escaped {
                true => D::SYNTAX.like_escape,
                false => D::SYNTAX.own_like_escape,
            });
        }
        Condition::In {
            column,
            values,
            negated,
        } => {
            sql.column(*column);
            sql.push(if *negated { " NOT IN (" } else { " IN (" });
            for (index, value) in values.iter().enumerate() {
                if index > 0 {
                    sql.push(", ");
                }
                sql.bind(value.clone());
            }
            sql.push(")");
        }
        Condition::IsNull { column, negated } => {
            sql.column(*column);
            sql.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
        }
        Condition::Between {
            column,
            low,
            high,
            negated,
        } => {
            sql.column(*column);
            sql.push(if *negated {
                " NOT BETWEEN "
            } else {
                " BETWEEN "
            });
            sql.bind(low.clone());
            sql.push(" AND ");
            sql.bind(high.clone());
        }
    }
}

/// `(a AND b)`; an empty group is its identity.
fn write_group<D: Dialect>(
    sql: &mut SqlBuilder<'_, D>,
    items: &[Condition],
    separator: &'static str,
    empty: &'static str,
) {
    if items.is_empty() {
        sql.push(empty);
        return;
    }
    sql.push("(");
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            sql.push(separator);
        }
        write_condition(sql, item);
    }
    sql.push(")");
}
