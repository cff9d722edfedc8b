//! `order`: a closed grammar, `col [asc|desc] [nulls first|last]`, comma separated.
//! Anything else is refused (DreamFactory quietly treated unknown direction words as `asc`
//! and spent years patching raw SQL out of this parameter; we never pass text through).

use crate::error::ConnectorError;
use crate::schema::{ColumnRef, TableSchema};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderTerm {
    pub column: ColumnRef,
    pub descending: bool,
    /// `None` leaves the database default (SQLite: NULLs first ascending, last descending).
    pub nulls: Option<NullsOrder>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullsOrder {
    First,
    Last,
}

fn invalid_clause() -> ConnectorError {
    ConnectorError::bad_request("Invalid order by clause in request.")
}

/// Parses `order`; blank means no ordering.
///
/// # Errors
///
/// 400 `Invalid field 'x' in order by clause.` for an unknown column,
/// 400 `Invalid order by clause in request.` for anything outside the grammar, and a 400
/// naming the limit when there are more than `max_terms` terms.
pub(crate) fn parse_order(
    table: &TableSchema,
    order: Option<&str>,
    max_terms: usize,
) -> Result<Vec<OrderTerm>, ConnectorError> {
    let order = order.unwrap_or_default();
    if order.trim().is_empty() {
        return Ok(Vec::new());
    }
    if order.contains(';') {
        return Err(invalid_clause());
    }
    let terms: Vec<&str> = order.split(',').collect();
    if terms.len() > max_terms {
        return Err(ConnectorError::bad_request(format!(
            "Too many terms in order by clause: the limit is {max_terms}."
        )));
    }
    terms
        .into_iter()
        .map(|term| parse_term(table, term))
        .collect()
}

fn parse_term(table: &TableSchema, term: &str) -> Result<OrderTerm, ConnectorError> {
    let mut words = term.split_whitespace();
    let name = words.next().ok_or_else(invalid_clause)?;
    let column = table.column_ref(name).ok_or_else(|| {
        ConnectorError::bad_request(format!("Invalid field '{name}' in order by clause."))
    })?;
    let rest: Vec<String> = words.map(str::to_ascii_lowercase).collect();
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let (descending, rest) = match rest.as_slice() {
        ["asc", rest @ ..] => (false, rest),
        ["desc", rest @ ..] => (true, rest),
        rest => (false, rest),
    };
    let nulls = match rest {
        [] => None,
        ["nulls", "first"] => Some(NullsOrder::First),
        ["nulls", "last"] => Some(NullsOrder::Last),
        _ => return Err(invalid_clause()),
    };
    Ok(OrderTerm {
        column,
        descending,
        nulls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::employees;

    fn order(text: &str) -> Result<Vec<(String, bool, Option<NullsOrder>)>, String> {
        let table = employees();
        parse_order(&table, Some(text), 16)
            .map(|terms| {
                terms
                    .iter()
                    .map(|t| (table.column(t.column).name.clone(), t.descending, t.nulls))
                    .collect()
            })
            .map_err(|e| e.to_string())
    }

    #[test]
    fn terms_accept_direction_and_nulls_in_any_case() {
        assert_eq!(
            order("LAST_NAME DESC NULLS LAST, id, salary asc, dept nulls first"),
            Ok(vec![
                ("last_name".into(), true, Some(NullsOrder::Last)),
                ("id".into(), false, None),
                ("salary".into(), false, None),
                ("dept".into(), false, Some(NullsOrder::First)),
            ])
        );
        assert_eq!(order("   "), Ok(vec![]));
    }

    #[test]
    fn unknown_columns_name_the_column() {
        assert_eq!(
            order("nope desc"),
            Err("Invalid field 'nope' in order by clause.".into())
        );
        assert_eq!(
            order("random()"),
            Err("Invalid field 'random()' in order by clause.".into())
        );
    }

    #[test]
    fn anything_outside_the_grammar_is_an_invalid_clause() {
        for text in [
            "id; drop table x",
            "id sideways",
            "id desc nulls",
            "id nulls middle",
            "id desc desc",
            "id,",
            "id,,salary",
            "id desc, (select 1)",
        ] {
            let expected = if text.contains("select") {
                "Invalid field '(select' in order by clause."
            } else {
                "Invalid order by clause in request."
            };
            assert_eq!(order(text), Err(expected.into()), "{text}");
        }
    }

    #[test]
    fn more_terms_than_the_bound_are_refused() {
        let table = employees();
        let text = vec!["id"; 17].join(",");
        assert_eq!(
            parse_order(&table, Some(&text), 16).map_err(|e| e.to_string()),
            Err("Too many terms in order by clause: the limit is 16.".into())
        );
    }
}
