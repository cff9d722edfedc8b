//! The write "check" of rule R4: does a record, as it will be after the write, still satisfy
//! the role's row filter? (DreamFactory: `validateRecord`/`compareByOperator`, a 403 when
//! not.) Evaluated here in memory, so the gateway can refuse before touching the database.
//!
//! The semantics follow the SQL the connector runs for the same filter, so that a record
//! one may write is one the same filter lets one read back:
//! - three-valued logic: a comparison with NULL is unknown, `not unknown` is unknown, and
//!   only a definite true passes;
//! - `= null` means `is null` and `!= null` means `is not null` (as the connector reads a
//!   bare `null`);
//! - `like`, `contains`, `starts with` and `ends with` ignore ASCII case (SQLite's LIKE);
//!   `=` and ordering on text are exact, byte-wise.

mod compare;

use sluice_filter::{CompareOp, Comparison, Expr, Operand, Value, ValueKind};

use compare::{compare, like_matches, to_text};

/// A typed value of a record field or of a resolved lookup.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

/// The values a record will have after the write. Implementations should match names the way
/// the connector matches columns (case-insensitively) and type values by the column, as they
/// will be stored: numbers for numeric columns even when the client sent `"5"`.
pub trait RecordView {
    /// `None` when the record has no such field; it then compares as NULL.
    fn field(&self, name: &str) -> Option<Scalar>;
}

/// Session values for lookups such as `user.id` (wire reference 9.5).
pub trait LookupResolver {
    /// `None` for an unknown lookup, which fails the check.
    fn resolve(&self, name: &str) -> Option<Scalar>;
}

impl<F: Fn(&str) -> Option<Scalar>> RecordView for F {
    fn field(&self, name: &str) -> Option<Scalar> {
        self(name)
    }
}

impl<F: Fn(&str) -> Option<Scalar>> LookupResolver for F {
    fn resolve(&self, name: &str) -> Option<Scalar> {
        self(name)
    }
}

/// A resolver that knows no lookups.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLookups;

impl LookupResolver for NoLookups {
    fn resolve(&self, _name: &str) -> Option<Scalar> {
        None
    }
}

/// Whether `record` satisfies `filter`. Fails closed: an unknown lookup or a `:param` value
/// anywhere in the filter (role filters never contain one) makes the answer `false`, even
/// where another branch of an `or` would pass.
pub fn check_write(filter: &Expr, record: &impl RecordView, lookups: &impl LookupResolver) -> bool {
    let evaluator = Evaluator { record, lookups };
    matches!(evaluator.expr(filter), Ok(Some(true)))
}

/// A value that cannot be known: an unknown lookup or a request parameter.
struct Unresolved;

/// `Some(bool)` is a definite answer, `None` SQL's unknown.
type Truth = Result<Option<bool>, Unresolved>;

struct Evaluator<'a, R, L> {
    record: &'a R,
    lookups: &'a L,
}

impl<R: RecordView, L: LookupResolver> Evaluator<'_, R, L> {
    fn expr(&self, expr: &Expr) -> Truth {
        match expr {
            // Every operand is evaluated (no short cut) so an unresolved value anywhere fails.
            Expr::And(items) => {
                let values = items
                    .iter()
                    .map(|e| self.expr(e))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(kleene(&values, false))
            }
            Expr::Or(items) => {
                let values = items
                    .iter()
                    .map(|e| self.expr(e))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(kleene(&values, true))
            }
            Expr::Not(inner) => Ok(self.expr(inner)?.map(|value| !value)),
            Expr::Compare(comparison) => self.comparison(comparison),
        }
    }

    fn comparison(&self, comparison: &Comparison) -> Truth {
        let field = self
            .record
            .field(&comparison.field.name)
            .unwrap_or(Scalar::Null);
        let op = comparison.op;
        match &comparison.operand {
            Operand::None => Ok(Some(match op {
                CompareOp::IsNotNull => field != Scalar::Null,
                _ => field == Scalar::Null,
            })),
            Operand::Single(value) => Ok(single(op, &field, &self.value(value)?)),
            Operand::List(values) => {
                let values = values
                    .iter()
                    .map(|v| self.value(v))
                    .collect::<Result<Vec<_>, _>>()?;
                let equal: Vec<Option<bool>> = values.iter().map(|v| equals(&field, v)).collect();
                let found = kleene(&equal, true);
                Ok(if op == CompareOp::NotIn {
                    found.map(|f| !f)
                } else {
                    found
                })
            }
            Operand::Range(low, high) => {
                let low = self.value(low)?;
                let high = self.value(high)?;
                let above = ordered(&field, &low, |o| o.is_ge());
                let below = ordered(&field, &high, |o| o.is_le());
                let between = kleene(&[above, below], false);
                Ok(if op == CompareOp::NotBetween {
                    between.map(|b| !b)
                } else {
                    between
                })
            }
        }
    }

    fn value(&self, value: &Value) -> Result<Scalar, Unresolved> {
        match &value.kind {
            ValueKind::Quoted(text) => Ok(Scalar::Text(text.clone())),
            // The connector reads a bare `null` as SQL NULL; other words are typed by the
            // column, which here means by the record value they meet (see `compare`).
            ValueKind::Bare(text) if text.eq_ignore_ascii_case("null") => Ok(Scalar::Null),
            ValueKind::Bare(text) => Ok(Scalar::Text(text.clone())),
            ValueKind::Lookup(name) => self.lookups.resolve(name).ok_or(Unresolved),
            ValueKind::Param(_) => Err(Unresolved),
        }
    }
}

/// One comparison with a single value.
fn single(op: CompareOp, field: &Scalar, value: &Scalar) -> Option<bool> {
    let negate = |truth: Option<bool>| truth.map(|t| !t);
    match op {
        CompareOp::Eq if *value == Scalar::Null => Some(*field == Scalar::Null),
        CompareOp::Ne if *value == Scalar::Null => Some(*field != Scalar::Null),
        CompareOp::Eq => equals(field, value),
        CompareOp::Ne => negate(equals(field, value)),
        CompareOp::Gt => ordered(field, value, |o| o.is_gt()),
        CompareOp::Ge => ordered(field, value, |o| o.is_ge()),
        CompareOp::Lt => ordered(field, value, |o| o.is_lt()),
        CompareOp::Le => ordered(field, value, |o| o.is_le()),
        CompareOp::Like => pattern(field, value, like_matches),
        CompareOp::NotLike => negate(pattern(field, value, like_matches)),
        CompareOp::Contains => pattern(field, value, |t, p| t.contains(p)),
        CompareOp::NotContains => negate(pattern(field, value, |t, p| t.contains(p))),
        CompareOp::StartsWith => pattern(field, value, |t, p| t.starts_with(p)),
        CompareOp::NotStartsWith => negate(pattern(field, value, |t, p| t.starts_with(p))),
        CompareOp::EndsWith => pattern(field, value, |t, p| t.ends_with(p)),
        CompareOp::NotEndsWith => negate(pattern(field, value, |t, p| t.ends_with(p))),
        // List, range and null operators never have a single operand (the parser and the
        // row filter compiler build them with their own operand shapes).
        CompareOp::In
        | CompareOp::NotIn
        | CompareOp::Between
        | CompareOp::NotBetween
        | CompareOp::IsNull
        | CompareOp::IsNotNull => Some(false),
    }
}

fn equals(field: &Scalar, value: &Scalar) -> Option<bool> {
    ordered(field, value, |o| o.is_eq())
}

/// A comparison by order; unknown with a NULL on either side. Values that cannot be
/// compared (text that is not a number against a number) are simply not equal, not ordered:
/// the connector would refuse such a value for a numeric column, so nothing passes.
fn ordered(
    field: &Scalar,
    value: &Scalar,
    accept: impl Fn(std::cmp::Ordering) -> bool,
) -> Option<bool> {
    if *field == Scalar::Null || *value == Scalar::Null {
        return None;
    }
    Some(compare(field, value).is_some_and(accept))
}

/// A text pattern test, both sides lower-cased in ASCII as SQLite's LIKE does.
fn pattern(field: &Scalar, value: &Scalar, test: impl Fn(&str, &str) -> bool) -> Option<bool> {
    let text = to_text(field)?.to_ascii_lowercase();
    let pattern = to_text(value)?.to_ascii_lowercase();
    Some(test(&text, &pattern))
}

/// SQL's AND (`any == false`) or OR (`any == true`) over three-valued operands: `any` wins,
/// else an unknown makes the result unknown, else the result is `!any`.
fn kleene(values: &[Option<bool>], any: bool) -> Option<bool> {
    if values.contains(&Some(any)) {
        Some(any)
    } else if values.contains(&None) {
        None
    } else {
        Some(!any)
    }
}
