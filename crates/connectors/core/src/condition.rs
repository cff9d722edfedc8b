//! The resolved filter: every field is a [`ColumnRef`] proven by a schema lookup, every value
//! a [`BoundValue`] typed by its column, every operator from a closed set. [`crate::sql`]
//! turns this into SQL text plus a bind list; nothing in it is client text destined for SQL.

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
