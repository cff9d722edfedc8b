//! Evaluates a parsed filter against one system record (a JSON object). System resources are
//! small and cached, so they are filtered in memory with the same grammar as tables, and the
//! system database keeps only fixed, hand-written queries.

use std::cmp::Ordering;

use serde_json::{Map, Value};
use sluice_filter::{CompareOp, Comparison, Expr, Operand, ValueKind};

use crate::error::ApiError;

pub type Record = Map<String, Value>;

/// Finds a key case-insensitively, as DreamFactory matches field names.
pub fn field<'a>(record: &'a Record, name: &str) -> Option<(&'a String, &'a Value)> {
    record
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
}

/// Checks that every field the filter names exists in `columns`, before evaluating anything.
pub fn check_fields(expr: &Expr, columns: &[&str]) -> Result<(), ApiError> {
    match expr {
        Expr::And(items) | Expr::Or(items) => {
            items.iter().try_for_each(|e| check_fields(e, columns))
        }
        Expr::Not(inner) => check_fields(inner, columns),
        Expr::Compare(cmp) => {
            if columns
                .iter()
                .any(|c| c.eq_ignore_ascii_case(&cmp.field.name))
            {
                Ok(())
            } else {
                Err(ApiError::bad_request(format!(
                    "Invalid or unparsable field in filter request: '{}'",
                    cmp.field.name
                )))
            }
        }
    }
}

pub fn matches(expr: &Expr, record: &Record) -> Result<bool, ApiError> {
    Ok(match expr {
        Expr::And(items) => {
            for item in items {
                if !matches(item, record)? {
                    return Ok(false);
                }
            }
            true
        }
        Expr::Or(items) => {
            for item in items {
                if matches(item, record)? {
                    return Ok(true);
                }
            }
            false
        }
        Expr::Not(inner) => !matches(inner, record)?,
        Expr::Compare(cmp) => compare(cmp, record)?,
    })
}

fn literal(value: &sluice_filter::Value) -> Result<&str, ApiError> {
    match &value.kind {
        ValueKind::Quoted(text) | ValueKind::Bare(text) => Ok(text),
        ValueKind::Param(name) => Err(ApiError::bad_request(format!(
            "Filter parameter ':{name}' has no value in 'params'."
        ))),
        ValueKind::Lookup(name) => Err(ApiError::bad_request(format!(
            "Lookup '{{{name}}}' is not available."
        ))),
    }
}

fn is_bare_null(value: &sluice_filter::Value) -> bool {
    matches!(&value.kind, ValueKind::Bare(text) if text.eq_ignore_ascii_case("null"))
}

fn compare(cmp: &Comparison, record: &Record) -> Result<bool, ApiError> {
    let actual = field(record, &cmp.field.name).map_or(&Value::Null, |(_, v)| v);
    let single = |operand: &Operand| match operand {
        Operand::Single(value) => Ok(value.clone()),
        _ => Err(ApiError::bad_request(
            "Invalid or unparsable filter request.",
        )),
    };
    let ordering = |text: &str| order_against(actual, text);
    Ok(match cmp.op {
        CompareOp::IsNull => actual.is_null(),
        CompareOp::IsNotNull => !actual.is_null(),
        CompareOp::Eq | CompareOp::Ne => {
            let value = single(&cmp.operand)?;
            let equal = if is_bare_null(&value) {
                actual.is_null()
            } else {
                ordering(literal(&value)?) == Some(Ordering::Equal)
            };
            equal == (cmp.op == CompareOp::Eq)
        }
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
            let value = single(&cmp.operand)?;
            match ordering(literal(&value)?) {
                None => false,
                Some(o) => match cmp.op {
                    CompareOp::Gt => o == Ordering::Greater,
                    CompareOp::Ge => o != Ordering::Less,
                    CompareOp::Lt => o == Ordering::Less,
                    _ => o != Ordering::Greater,
                },
            }
        }
        CompareOp::In | CompareOp::NotIn => {
            let Operand::List(values) = &cmp.operand else {
                return Err(ApiError::bad_request(
                    "Filter value lists must be wrapped in parentheses.",
                ));
            };
            let mut found = false;
            for value in values {
                found |= ordering(literal(value)?) == Some(Ordering::Equal);
            }
            found == (cmp.op == CompareOp::In)
        }
        CompareOp::Between | CompareOp::NotBetween => {
            let Operand::Range(low, high) = &cmp.operand else {
                return Err(ApiError::bad_request(
                    "Invalid or unparsable filter request.",
                ));
            };
            let inside = ordering(literal(low)?).is_some_and(|o| o != Ordering::Less)
                && ordering(literal(high)?).is_some_and(|o| o != Ordering::Greater);
            inside == (cmp.op == CompareOp::Between)
        }
        CompareOp::Like | CompareOp::NotLike => {
            let pattern = literal(&single(&cmp.operand)?)?.to_lowercase();
            let hit = text_of(actual).is_some_and(|t| like(&t.to_lowercase(), &pattern));
            hit == (cmp.op == CompareOp::Like)
        }
        CompareOp::Contains
        | CompareOp::NotContains
        | CompareOp::StartsWith
        | CompareOp::NotStartsWith
        | CompareOp::EndsWith
        | CompareOp::NotEndsWith => {
            let needle = literal(&single(&cmp.operand)?)?.to_lowercase();
            let hay = text_of(actual).map(|t| t.to_lowercase());
            let (hit, positive) = match cmp.op {
                CompareOp::Contains => (hay.is_some_and(|h| h.contains(&needle)), true),
                CompareOp::NotContains => (hay.is_some_and(|h| h.contains(&needle)), false),
                CompareOp::StartsWith => (hay.is_some_and(|h| h.starts_with(&needle)), true),
                CompareOp::NotStartsWith => (hay.is_some_and(|h| h.starts_with(&needle)), false),
                CompareOp::EndsWith => (hay.is_some_and(|h| h.ends_with(&needle)), true),
                _ => (hay.is_some_and(|h| h.ends_with(&needle)), false),
            };
            hit == positive
        }
    })
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Orders the record's value against the filter text, typed by the record's value (numbers
/// numerically, booleans as DreamFactory's truthy words, strings case-sensitively as SQLite).
pub fn order_against(actual: &Value, text: &str) -> Option<Ordering> {
    match actual {
        Value::Null => None,
        Value::Number(n) => {
            let wanted: f64 = text.trim().parse().ok()?;
            n.as_f64()?.partial_cmp(&wanted)
        }
        Value::Bool(b) => {
            let wanted = match text.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" | "y" | "t" => true,
                "false" | "0" | "no" | "off" | "n" | "f" => false,
                _ => return None,
            };
            Some(b.cmp(&wanted))
        }
        Value::String(s) => Some(s.as_str().cmp(text)),
        _ => None,
    }
}

/// SQL LIKE with `%` and `_` over already lower-cased text.
fn like(text: &str, pattern: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    let (mut t, mut p) = (0, 0);
    let (mut star_p, mut star_t) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '_' || pattern[p] == text[t]) {
            t += 1;
            p += 1;
        } else if p < pattern.len() && pattern[p] == '%' {
            star_p = Some(p);
            star_t = t;
            p += 1;
        } else if let Some(sp) = star_p {
            p = sp + 1;
            star_t += 1;
            t = star_t;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '%')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_handles_percent_and_underscore() {
        assert!(like("graham", "g%"));
        assert!(like("graham", "%ah%"));
        assert!(like("graham", "g_aham"));
        assert!(!like("graham", "h%"));
        assert!(like("", "%"));
    }

    #[test]
    fn numbers_compare_numerically_and_strings_exactly() {
        assert_eq!(
            order_against(&Value::from(10), "9"),
            Some(Ordering::Greater)
        );
        assert_eq!(
            order_against(&Value::from("db"), "db"),
            Some(Ordering::Equal)
        );
        assert_eq!(
            order_against(&Value::from(true), "1"),
            Some(Ordering::Equal)
        );
        assert_eq!(order_against(&Value::Null, "x"), None);
    }
}
