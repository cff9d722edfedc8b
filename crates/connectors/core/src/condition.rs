//! The resolved filter: every field is a [`ColumnRef`] proven by a schema lookup, every value
//! a [`BoundValue`] typed by its column, every operator from a closed set. Compilers turn
//! this into SQL text plus a bind list; nothing in it is client text destined for SQL.

use crate::schema::ColumnRef;
use crate::value::BoundValue;

/// The escape character of LIKE patterns built from `contains`, `starts with` and
/// `ends with`; compilers emit `ESCAPE '\'` for [`Condition::Like`] with `escaped: true`.
pub const LIKE_ESCAPE: char = '\\';

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Compare {
        column: ColumnRef,
        op: ComparisonOp,
        value: BoundValue,
    },
    /// `column [NOT] LIKE pattern [ESCAPE '\']`; the pattern is bound as text whatever the
    /// column type (so `id like '1%'` works on an integer column).
    Like {
        column: ColumnRef,
        pattern: String,
        /// The pattern was built by us with [`LIKE_ESCAPE`] escaping; the client's own
        /// `like` patterns keep their `%` and `_` and have no escape character.
        escaped: bool,
        negated: bool,
    },
    In {
        column: ColumnRef,
        values: Vec<BoundValue>,
        negated: bool,
    },
    IsNull {
        column: ColumnRef,
        negated: bool,
    },
    Between {
        column: ColumnRef,
        low: BoundValue,
        high: BoundValue,
        negated: bool,
    },
}

/// The binary comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComparisonOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// What a connector's SQL builder supplies so [`write_condition`] can render a
/// [`Condition`]: the one rendering of conditions for every SQL database, with the few
/// places where dialects differ as hooks.
pub trait ConditionSql {
    /// The identity of an empty AND group (`1` in SQLite, `TRUE` in PostgreSQL).
    const TRUE: &'static str;
    /// The identity of an empty OR group.
    const FALSE: &'static str;

    /// Appends a fragment written in code (keywords, operators): never request text.
    fn push(&mut self, fragment: &'static str);

    /// Appends the column's quoted name, qualified as the builder's current scope says.
    fn column(&mut self, column: ColumnRef);

    /// Appends the dialect's placeholder and records `value` as its bind.
    fn bind(&mut self, value: BoundValue);

    /// The column as `LIKE` compares it; a dialect whose `LIKE` takes text only casts
    /// columns of other types.
    fn like_column(&mut self, column: ColumnRef) {
        self.column(column);
    }

    /// Appends the placeholder of a LIKE pattern and binds it. A dialect that cannot say
    /// "no escape character" for a client's own pattern (`escaped: false`) rewrites the
    /// pattern so its escape character stands for itself.
    fn like_pattern(&mut self, pattern: &str, escaped: bool) {
        let _ = escaped;
        self.bind(BoundValue::Text(pattern.to_owned()));
    }

    /// What follows a LIKE pattern: `ESCAPE` with [`LIKE_ESCAPE`] for patterns built by
    /// core (`escaped`); for a client's own pattern, whatever makes `\` an ordinary
    /// character in the dialect.
    fn like_escape(escaped: bool) -> &'static str;
}

/// Writes `condition` through `sql`: operators from the closed enums, columns and binds
/// through the builder, groups parenthesised so precedence never depends on the dialect.
pub fn write_condition<S: ConditionSql>(sql: &mut S, condition: &Condition) {
    match condition {
        Condition::And(items) => write_group(sql, items, " AND ", S::TRUE),
        Condition::Or(items) => write_group(sql, items, " OR ", S::FALSE),
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
            sql.like_column(*column);
            sql.push(if *negated { " NOT LIKE " } else { " LIKE " });
            sql.like_pattern(pattern, *escaped);
            sql.push(S::like_escape(*escaped));
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
fn write_group<S: ConditionSql>(
    sql: &mut S,
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

/// Escapes `%`, `_` and the escape character itself so `text` matches literally inside a
/// LIKE pattern that uses [`LIKE_ESCAPE`].
pub fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | LIKE_ESCAPE) {
            escaped.push(LIKE_ESCAPE);
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_escaping_covers_wildcards_and_the_escape_character() {
        assert_eq!(escape_like(r"50%_off\now"), r"50\%\_off\\now");
        assert_eq!(escape_like("plain"), "plain");
    }
}
