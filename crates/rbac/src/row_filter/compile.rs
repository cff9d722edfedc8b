//! Stored row filter entries to filter AST nodes, built node by node. DreamFactory writes
//! `(name OP value)` strings, joins them with the `filter_op`, pastes the result after the
//! client's filter and substitutes lookups into the text before parsing, so a value such as `x') OR (1=1` changes the query. Here no stored text is ever
//! parsed as filter syntax: the value becomes exactly one AST value (or one list of them),
//! and lookups stay [`ValueKind::Lookup`] to be bound from the session.

use sluice_filter::{CompareOp, Comparison, Expr, Ident, Operand, Span, Value, ValueKind};

use super::error::FilterConfigError;
use crate::grant::{FilterOp, RowFilter};

/// Checks stored filter entries: each name an identifier, each operator from the closed set
/// (case-insensitive, any spacing: `NOT  IN`), a value for every operator but `is null` and
/// `is not null`, no lookup inside other text, no empty list item. The first problem found
/// is returned.
///
/// # Errors
///
/// A [`FilterConfigError`] whose message suits a 400 from the admin API.
pub fn validate_filters(filters: &[RowFilter]) -> Result<(), FilterConfigError> {
    for (index, filter) in filters.iter().enumerate() {
        compile_filter(index, filter)?;
    }
    Ok(())
}

/// The entries joined by `op`. One entry is its comparison alone; `None` for no entries.
pub(crate) fn compile_filters(
    op: FilterOp,
    filters: &[RowFilter],
) -> Result<Option<Expr>, FilterConfigError> {
    let mut nodes = filters
        .iter()
        .enumerate()
        .map(|(index, filter)| compile_filter(index, filter).map(Expr::Compare))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(match (nodes.len(), op) {
        (0, _) => None,
        (1, _) => nodes.pop(),
        (_, FilterOp::And) => Some(Expr::And(nodes)),
        (_, FilterOp::Or) => Some(Expr::Or(nodes)),
    })
}

fn compile_filter(index: usize, filter: &RowFilter) -> Result<Comparison, FilterConfigError> {
    let name = filter.name.trim();
    if !is_identifier(name) {
        return Err(FilterConfigError::InvalidName {
            index,
            name: filter.name.clone(),
        });
    }
    let op =
        parse_operator(&filter.operator).ok_or_else(|| FilterConfigError::UnknownOperator {
            index,
            operator: filter.operator.clone(),
        })?;
    let operand = match op {
        // DreamFactory ignores any value here, so a stored one is not an error either.
        CompareOp::IsNull | CompareOp::IsNotNull => Operand::None,
        CompareOp::In | CompareOp::NotIn => Operand::List(list_values(index, filter)?),
        _ => Operand::Single(single_value(index, filter, filter.value.trim())?),
    };
    Ok(Comparison {
        field: Ident {
            name: name.to_owned(),
            span: Span::default(),
        },
        op,
        operand,
        // Nodes built from configuration have no place in the client's filter text.
        span: Span::default(),
    })
}

/// The closed set of stored operators. Whitespace runs count as one space.
fn parse_operator(operator: &str) -> Option<CompareOp> {
    let words: Vec<&str> = operator.split_whitespace().collect();
    let normalized = words.join(" ").to_ascii_lowercase();
    Some(match normalized.as_str() {
        "=" => CompareOp::Eq,
        "!=" => CompareOp::Ne,
        ">" => CompareOp::Gt,
        "<" => CompareOp::Lt,
        ">=" => CompareOp::Ge,
        "<=" => CompareOp::Le,
        "in" => CompareOp::In,
        "not in" => CompareOp::NotIn,
        "like" => CompareOp::Like,
        "contains" => CompareOp::Contains,
        "starts with" => CompareOp::StartsWith,
        "ends with" => CompareOp::EndsWith,
        "is null" => CompareOp::IsNull,
        "is not null" => CompareOp::IsNotNull,
        _ => return None,
    })
}

/// One value from stored text:
/// - `{user.id}` (or quoted, `'{user.id}'`, as DreamFactory admins often write it) is a
///   lookup, resolved from the session and bound, never substituted into text;
/// - `'text'` / `"text"` is literal text without its one pair of quotes (no unescaping, as in
///   DreamFactory: `'O''Brien'` is `O''Brien`);
/// - anything else is one bare value, typed by the column later, however many words or
///   operators it contains (`1 or 1=1` is one value);
/// - `:name` stays bare text: request `params` must never reach a role's filter.
fn single_value(index: usize, filter: &RowFilter, text: &str) -> Result<Value, FilterConfigError> {
    if text.is_empty() {
        return Err(FilterConfigError::MissingValue {
            index,
            operator: filter.operator.clone(),
        });
    }
    let unquoted = strip_quotes(text);
    let inner = unquoted.unwrap_or(text);
    let kind = if let Some(name) = whole_lookup(inner) {
        ValueKind::Lookup(name.to_owned())
    } else if has_lookup(inner) {
        return Err(FilterConfigError::EmbeddedLookup {
            index,
            value: text.to_owned(),
        });
    } else if unquoted.is_some() {
        ValueKind::Quoted(inner.to_owned())
    } else {
        ValueKind::Bare(text.to_owned())
    };
    Ok(Value {
        kind,
        span: Span::default(),
    })
}

/// The items of `(a, 'b', {user.id})` (parentheses optional), split on commas outside quotes.
fn list_values(index: usize, filter: &RowFilter) -> Result<Vec<Value>, FilterConfigError> {
    let text = filter.value.trim();
    if text.is_empty() {
        return Err(FilterConfigError::MissingValue {
            index,
            operator: filter.operator.clone(),
        });
    }
    let body = text
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or(text);
    split_list(body)
        .into_iter()
        .map(|item| {
            let item = item.trim();
            if item.is_empty() {
                return Err(FilterConfigError::EmptyListItem {
                    index,
                    value: text.to_owned(),
                });
            }
            single_value(index, filter, item)
        })
        .collect()
}

fn split_list(body: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut quote = None;
    let mut start = 0;
    for (at, c) in body.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            (None, ',') => {
                items.push(&body[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    items.push(&body[start..]);
    items
}

fn strip_quotes(text: &str) -> Option<&str> {
    ['\'', '"'].into_iter().find_map(|quote| {
        let rest = text.strip_prefix(quote)?;
        rest.strip_suffix(quote)
    })
}

/// The lookup name when `text` is exactly one `{name}`.
fn whole_lookup(text: &str) -> Option<&str> {
    let name = text.strip_prefix('{')?.strip_suffix('}')?;
    (!name.is_empty() && name.chars().all(is_lookup_char)).then_some(name)
}

/// Whether some `{name}` with a lookup-shaped name occurs in `text`.
fn has_lookup(text: &str) -> bool {
    text.match_indices('{').any(|(open, _)| {
        let rest = &text[open + 1..];
        rest.find('}').is_some_and(|close| {
            let name = &rest[..close];
            !name.is_empty() && name.chars().all(is_lookup_char)
        })
    })
}

/// The filter grammar's lookup characters (modifiers such as `strtoupper(user.name)`).
fn is_lookup_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '(' | ')')
}

/// The filter grammar's identifier: a letter, `_` or `$`, then letters, digits, `_`, `$`.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}
