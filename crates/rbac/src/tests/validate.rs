//! `validate_filters` and `filter_op` parsing: the admin API's 400s for bad row filters.

use super::*;
use crate::{FilterConfigError as E, validate_filters};

fn error_of(name: &str, operator: &str, value: &str) -> E {
    validate_filters(&[RowFilter::new(name, operator, value)]).expect_err("the entry is invalid")
}

#[test]
fn valid_entries_pass() {
    let filters = [
        RowFilter::new("owner_id", "=", "{user.id}"),
        RowFilter::new("status", "IN", "('open', 'new')"),
        RowFilter::new("$col_2", "not in", "1,2"),
        RowFilter::new("prénom", "starts with", "Jo"),
        RowFilter::new("deleted_at", "is null", ""),
        RowFilter::new("name", "like", "'A%'"),
        RowFilter::new("score", ">=", "0"),
        RowFilter::new("note", "=", "''"),
    ];
    assert_eq!(validate_filters(&filters), Ok(()));
    assert_eq!(validate_filters(&[]), Ok(()));
}

#[test]
fn names_must_be_identifiers() {
    for name in [
        "",
        "  ",
        "first name",
        "1st",
        "a-b",
        "a.b",
        "\"a\"",
        "a;",
        "a=1",
        "(a)",
    ] {
        assert_eq!(
            error_of(name, "=", "1"),
            E::InvalidName {
                index: 0,
                name: name.to_owned()
            },
            "{name:?}"
        );
    }
}

#[test]
fn operators_come_from_a_closed_set() {
    let refused = [
        "",
        "==",
        "<>",
        "eq",
        "between",
        "all",
        "start with",
        "end with",
        "does exist",
        "not like",
        "in (",
        "= 1 or 1",
    ];
    for operator in refused {
        assert_eq!(
            error_of("a", operator, "1"),
            E::UnknownOperator {
                index: 0,
                operator: operator.to_owned()
            },
            "{operator:?}"
        );
    }
}

#[test]
fn a_value_is_required_except_for_null_tests() {
    for (operator, value) in [
        ("=", ""),
        ("like", "   "),
        ("in", ""),
        ("not in", " "),
        (">", ""),
    ] {
        assert_eq!(
            error_of("a", operator, value),
            E::MissingValue {
                index: 0,
                operator: operator.to_owned()
            },
            "{operator:?} {value:?}"
        );
    }
}

#[test]
fn lookups_inside_other_text_are_refused() {
    for value in [
        "id-{user.id}",
        "'{user.id}-x'",
        "{user.id}{role.id}",
        "a {b} c",
    ] {
        assert_eq!(
            error_of("a", "=", value),
            E::EmbeddedLookup {
                index: 0,
                value: value.to_owned()
            },
            "{value:?}"
        );
    }
}

#[test]
fn lists_may_not_have_empty_items() {
    for value in ["()", "(1,,2)", "1,", ",1", "( , )"] {
        assert_eq!(
            error_of("a", "in", value),
            E::EmptyListItem {
                index: 0,
                value: value.to_owned()
            },
            "{value:?}"
        );
    }
}

#[test]
fn the_first_bad_entry_is_reported_with_its_index() {
    let filters = [
        eq("a", "1"),
        eq("b", "2"),
        RowFilter::new("c d", "=", "3"),
        eq("", "4"),
    ];
    assert_eq!(
        validate_filters(&filters),
        Err(E::InvalidName {
            index: 2,
            name: "c d".to_owned()
        })
    );
}

#[test]
fn messages_say_what_is_wrong_and_where() {
    let cases = [
        (
            error_of("", "=", "1"),
            "Invalid row filter filters[0]: the field name is empty.",
        ),
        (
            error_of("first name", "=", "1"),
            "Invalid row filter filters[0]: 'first name' is not a valid field name (letters, \
             digits, '_' and '$', not starting with a digit).",
        ),
        (
            error_of("a", "<>", "1"),
            "Invalid row filter filters[0]: unknown operator '<>'. Use one of =, !=, >, <, >=, \
             <=, in, not in, like, contains, starts with, ends with, is null, is not null.",
        ),
        (
            error_of("a", "like", ""),
            "Invalid row filter filters[0]: operator 'like' needs a value.",
        ),
        (
            error_of("a", "=", "x{user.id}"),
            "Invalid row filter filters[0]: the value 'x{user.id}' has a lookup inside other \
             text. A lookup such as {user.id} must be the whole value.",
        ),
        (
            error_of("a", "in", "(1,,2)"),
            "Invalid row filter filters[0]: the list '(1,,2)' has an empty item.",
        ),
        (
            E::InvalidFilterOp("XOR".to_owned()),
            "Invalid filter_op 'XOR': use AND or OR.",
        ),
    ];
    for (error, message) in cases {
        assert_eq!(error.to_string(), message);
    }
}

#[test]
fn filter_op_is_and_or_or_in_any_case() {
    let cases = [
        ("AND", Ok(FilterOp::And)),
        ("and", Ok(FilterOp::And)),
        (" Or ", Ok(FilterOp::Or)),
        ("OR", Ok(FilterOp::Or)),
        ("XOR", Err(E::InvalidFilterOp("XOR".to_owned()))),
        ("nor", Err(E::InvalidFilterOp("nor".to_owned()))),
        ("&&", Err(E::InvalidFilterOp("&&".to_owned()))),
        ("", Err(E::InvalidFilterOp(String::new()))),
    ];
    for (text, expected) in cases {
        assert_eq!(text.parse::<FilterOp>(), expected, "{text:?}");
    }
    assert_eq!(FilterOp::default(), FilterOp::And);
    assert_eq!(FilterOp::Or.to_string(), "OR");
}
