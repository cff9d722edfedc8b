//! Comparing two typed values the way the connector's SQL would after typing the filter value
//! by its column: the record side stands for the column, so a text filter value meets a
//! number as a number (`owner_id = '5'` matches 5) and a boolean as a boolean.

use std::cmp::Ordering;

use super::Scalar;

/// The order of two non-NULL values, or `None` when they cannot be compared (text that is
/// not a number against a number, ...).
pub(super) fn compare(left: &Scalar, right: &Scalar) -> Option<Ordering> {
    use Scalar::{Bool, Float, Int, Null, Text};
    match (left, right) {
        (Null, _) | (_, Null) => None,
        (Int(a), Int(b)) => Some(a.cmp(b)),
        (Int(a), Float(b)) => int_float(*a, *b),
        (Float(a), Int(b)) => int_float(*b, *a).map(Ordering::reverse),
        (Float(a), Float(b)) => a.partial_cmp(b),
        (Bool(a), Bool(b)) => Some(a.cmp(b)),
        (Bool(a), number @ (Int(_) | Float(_))) => compare(&Int(i64::from(*a)), number),
        (number @ (Int(_) | Float(_)), Bool(b)) => compare(number, &Int(i64::from(*b))),
        (Text(a), Text(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (Text(text), other @ (Int(_) | Float(_) | Bool(_))) => {
            compare(&parse_like(text, other)?, other)
        }
        (other @ (Int(_) | Float(_) | Bool(_)), Text(text)) => {
            compare(other, &parse_like(text, other)?)
        }
    }
}

/// An integer against a float without going through a lossy cast when the float is whole.
fn int_float(int: i64, float: f64) -> Option<Ordering> {
    if float.is_nan() {
        return None;
    }
    if float.fract() == 0.0 && float >= i64::MIN as f64 && float < i64::MAX as f64 {
        // In range and whole, so the cast is exact.
        return Some(int.cmp(&(float as i64)));
    }
    (int as f64).partial_cmp(&float)
}

/// `text` read as the same kind of value as `like`: a number or a boolean.
fn parse_like(text: &str, like: &Scalar) -> Option<Scalar> {
    let text = text.trim();
    match like {
        Scalar::Bool(_) => parse_bool(text).map(Scalar::Bool),
        _ => parse_number(text),
    }
}

fn parse_number(text: &str) -> Option<Scalar> {
    if let Ok(int) = text.parse::<i64>() {
        return Some(Scalar::Int(int));
    }
    // Rust also parses `inf` and `NaN`; a column value never means those.
    text.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Scalar::Float)
}

/// DreamFactory's boolean spellings (wire reference 3.4).
fn parse_bool(text: &str) -> Option<bool> {
    const TRUE: [&str; 4] = ["true", "1", "yes", "on"];
    const FALSE: [&str; 4] = ["false", "0", "no", "off"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(text)) {
        Some(true)
    } else if FALSE.iter().any(|f| f.eq_ignore_ascii_case(text)) {
        Some(false)
    } else {
        None
    }
}

/// The text a value has in a pattern test; `None` for NULL. Booleans are stored as 1 and 0.
pub(super) fn to_text(value: &Scalar) -> Option<String> {
    match value {
        Scalar::Null => None,
        Scalar::Bool(b) => Some(if *b { "1" } else { "0" }.to_owned()),
        Scalar::Int(i) => Some(i.to_string()),
        Scalar::Float(f) => Some(f.to_string()),
        Scalar::Text(t) => Some(t.clone()),
    }
}

/// SQL LIKE: `%` is any run of characters, `_` any one character, no escape character.
/// Case is the caller's business. Greedy with one backtrack point, so linear in practice
/// and never exponential.
pub(super) fn like_matches(text: &str, pattern: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    let (mut t, mut p) = (0, 0);
    // Where the last `%` was and how much text it has swallowed so far.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('%') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '_' || c == text[t] => {
                t += 1;
                p += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '%')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_as_in_sql() {
        let cases = [
            ("abc", "abc", true),
            ("abc", "a%", true),
            ("abc", "%c", true),
            ("abc", "%b%", true),
            ("abc", "a_c", true),
            ("abc", "a_", false),
            ("abc", "%", true),
            ("", "%", true),
            ("", "_", false),
            ("abc", "", false),
            ("aaa", "%a%a%a%", true),
            ("aab", "%ab", true),
            ("mississippi", "m%iss%pi", true),
            ("mississippi", "m%iss%px", false),
            ("100%", "100%", true),
            ("ünï", "_n_", true),
        ];
        for (text, pattern, expected) in cases {
            assert_eq!(
                like_matches(text, pattern),
                expected,
                "{text:?} like {pattern:?}"
            );
        }
    }

    #[test]
    fn values_of_different_types_compare_as_the_column_would_type_them() {
        use Scalar::*;
        let text = |s: &str| Text(s.to_owned());
        let cases = [
            (Int(5), text("5"), Some(Ordering::Equal)),
            (text("5"), Int(5), Some(Ordering::Equal)),
            (Int(5), text(" 5 "), Some(Ordering::Equal)),
            (Int(5), text("4.5"), Some(Ordering::Greater)),
            (Int(5), text("five"), None),
            (Int(5), text("inf"), None),
            (Float(2.0), Int(2), Some(Ordering::Equal)),
            (Int(i64::MAX), Float(9.3e18), Some(Ordering::Less)),
            (Bool(true), text("yes"), Some(Ordering::Equal)),
            (Bool(false), text("TRUE"), Some(Ordering::Less)),
            (Bool(true), text("maybe"), None),
            (Bool(true), Int(1), Some(Ordering::Equal)),
            (text("007"), text("7"), Some(Ordering::Less)),
            (text("B"), text("a"), Some(Ordering::Less)),
            (Null, Null, None),
        ];
        for (left, right, expected) in cases {
            assert_eq!(compare(&left, &right), expected, "{left:?} vs {right:?}");
        }
    }
}
