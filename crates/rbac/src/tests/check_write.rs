//! `check_write` (rule R4 "check"): a record's values after a write against a row filter.

use sluice_filter::{Expr, Limits};

use super::*;
use crate::{NoLookups, RowFilterSet, Scalar, check_write};

use Scalar::{Bool, Float, Int, Null, Text};

fn text(s: &str) -> Scalar {
    Text(s.to_owned())
}

/// A record from `(field, value)` pairs; names match case-insensitively, as columns do.
fn record<'a>(fields: &'a [(&'a str, Scalar)]) -> impl Fn(&str) -> Option<Scalar> + 'a {
    move |name: &str| {
        fields
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.clone())
    }
}

/// The session of user 5, named Bob.
fn session(name: &str) -> Option<Scalar> {
    match name {
        "user.id" => Some(Int(5)),
        "user.name" => Some(text("Bob")),
        "user.is_sys_admin" => Some(Bool(false)),
        "nothing" => Some(Null),
        _ => None,
    }
}

fn role_filter(op: FilterOp, filters: &[RowFilter]) -> Expr {
    RowFilterSet::new(op, filters.to_vec())
        .unwrap()
        .to_expr()
        .unwrap()
}

/// `check_write` of the one-entry role filter `name operator value` on one field's value.
fn passes(operator: &str, stored: &str, field: Scalar) -> bool {
    let filter = role_filter(FilterOp::And, &[RowFilter::new("f", operator, stored)]);
    check_write(&filter, &record(&[("f", field)]), &session)
}

#[test]
fn an_owner_filter_passes_only_the_callers_own_records() {
    let cases = [
        (Int(5), true),
        (Int(6), false),
        (text("5"), true),
        (Float(5.0), true),
        (text("five"), false),
        (Null, false),
    ];
    for (owner, expected) in cases {
        assert_eq!(
            passes("=", "{user.id}", owner.clone()),
            expected,
            "{owner:?}"
        );
    }
}

#[test]
fn a_missing_field_compares_as_null() {
    let owner = role_filter(FilterOp::And, &[eq("owner_id", "{user.id}")]);
    assert!(!check_write(
        &owner,
        &record(&[("title", text("x"))]),
        &session
    ));
    let unset = role_filter(
        FilterOp::And,
        &[RowFilter::new("deleted_at", "is null", "")],
    );
    assert!(check_write(&unset, &record(&[]), &session));
    let set = role_filter(
        FilterOp::And,
        &[RowFilter::new("deleted_at", "is not null", "")],
    );
    assert!(!check_write(&set, &record(&[]), &session));
}

#[test]
fn field_names_are_read_through_the_record_view() {
    let owner = role_filter(FilterOp::And, &[eq("Owner_ID", "{user.id}")]);
    assert!(check_write(
        &owner,
        &record(&[("owner_id", Int(5))]),
        &session
    ));
}

#[test]
fn unknown_lookups_and_request_parameters_fail_closed() {
    let filter = role_filter(FilterOp::And, &[eq("f", "{user.unknown}")]);
    assert!(!check_write(
        &filter,
        &record(&[("f", text("{user.unknown}"))]),
        &session
    ));
    let known = role_filter(FilterOp::And, &[eq("f", "{user.id}")]);
    assert!(!check_write(&known, &record(&[("f", Int(5))]), &NoLookups));
    // Even when another branch of an `or` would pass.
    let either = role_filter(FilterOp::Or, &[eq("f", "5"), eq("g", "{missing}")]);
    assert!(!check_write(&either, &record(&[("f", Int(5))]), &session));
    let param = sluice_filter::parse("f = :p", &Limits::default()).unwrap();
    assert!(!check_write(
        &param,
        &record(&[("f", text(":p"))]),
        &session
    ));
}

#[test]
fn filter_op_joins_entries_with_and_or_or() {
    let filters = [
        eq("owner_id", "{user.id}"),
        RowFilter::new("status", "=", "'open'"),
    ];
    let both = [("owner_id", Int(5)), ("status", text("open"))];
    let one = [("owner_id", Int(5)), ("status", text("done"))];
    let none = [("owner_id", Int(6)), ("status", text("done"))];
    let cases = [
        (FilterOp::And, &both, true),
        (FilterOp::And, &one, false),
        (FilterOp::Or, &one, true),
        (FilterOp::Or, &none, false),
    ];
    for (op, fields, expected) in cases {
        let filter = role_filter(op, &filters);
        assert_eq!(
            check_write(&filter, &record(fields), &session),
            expected,
            "{op} {fields:?}"
        );
    }
}

#[test]
fn comparisons_are_typed_by_the_record_value() {
    let cases = [
        ("=", "'open'", text("open"), true),
        ("=", "open", text("Open"), false),
        ("=", "007", text("7"), false),
        ("=", "7", Int(7), true),
        ("=", "'7'", Int(7), true),
        ("=", "true", Bool(true), true),
        ("=", "yes", Bool(true), true),
        ("=", "0", Bool(false), true),
        ("!=", "'done'", text("open"), true),
        ("!=", "'done'", text("done"), false),
        (">", "10", Int(11), true),
        (">", "10", Int(10), false),
        (">=", "10", Float(10.0), true),
        ("<", "2.5", Int(2), true),
        ("<=", "-1", Int(0), false),
        ("<", "'b'", text("a"), true),
        ("<", "'B'", text("a"), false),
        (">", "abc", Int(1), false),
        ("=", "1 or 1=1", text("1 or 1=1"), true),
        ("=", "1 or 1=1", Int(1), false),
        ("=", "{user.name}", text("Bob"), true),
        ("=", "{user.is_sys_admin}", Bool(false), true),
    ];
    for (operator, stored, field, expected) in cases {
        assert_eq!(
            passes(operator, stored, field.clone()),
            expected,
            "{field:?} {operator} {stored}"
        );
    }
}

#[test]
fn nulls_follow_sql_except_that_equals_null_means_is_null() {
    let cases = [
        ("=", "null", Null, true),
        ("=", "NULL", Int(1), false),
        ("!=", "null", Int(1), true),
        ("!=", "null", Null, false),
        ("=", "'null'", Null, false),
        ("=", "'null'", text("null"), true),
        ("=", "{nothing}", Null, true),
        ("!=", "1", Null, false),
        (">", "1", Null, false),
        ("<", "null", Int(1), false),
        ("like", "%", Null, false),
        ("not in", "(1, 2)", Null, false),
        ("in", "(1, null)", Int(3), false),
        ("not in", "(1, null)", Int(3), false),
        ("not in", "(1, null)", Int(1), false),
        ("in", "(1, null)", Int(1), true),
    ];
    for (operator, stored, field, expected) in cases {
        assert_eq!(
            passes(operator, stored, field.clone()),
            expected,
            "{field:?} {operator} {stored}"
        );
    }
}

#[test]
fn lists_and_text_patterns_behave_as_the_connectors_sql() {
    let cases = [
        ("in", "(1, 2, 3)", Int(2), true),
        ("in", "('a', 'b')", text("c"), false),
        ("in", "({user.id}, 9)", Int(5), true),
        ("not in", "(1, 2)", Int(3), true),
        ("not in", "(1, 2)", text("2"), false),
        ("like", "'Jo%'", text("john"), true),
        ("like", "'J_n'", text("Jon"), true),
        ("like", "'J_n'", text("Joan"), false),
        ("like", "'1%'", Int(15), true),
        ("contains", "ob", text("BOB"), true),
        ("contains", "%", text("50%"), true),
        ("contains", "%", text("50"), false),
        ("starts with", "'Bo'", text("bob"), true),
        ("starts with", "'_o'", text("Bob"), false),
        ("ends with", "{user.name}", text("Jim-bob"), true),
        ("ends with", "x", text("Bob"), false),
    ];
    for (operator, stored, field, expected) in cases {
        assert_eq!(
            passes(operator, stored, field.clone()),
            expected,
            "{field:?} {operator} {stored}"
        );
    }
}

#[test]
fn client_filters_evaluate_with_not_and_between_in_three_valued_logic() {
    let parse = |text: &str| sluice_filter::parse(text, &Limits::default()).unwrap();
    let cases = [
        ("not (a = 1)", vec![("a", Int(2))], true),
        ("not (a = 1)", vec![("a", Null)], false),
        ("a between 1 and 3", vec![("a", Int(3))], true),
        ("a between 1 and 3", vec![("a", Int(4))], false),
        ("a not between 1 and 3", vec![("a", Int(4))], true),
        ("a not between 1 and 3", vec![], false),
        ("a not like 'x%'", vec![("a", text("yz"))], true),
        ("a not contains 'x'", vec![("a", text("box"))], false),
        ("a = 1 or b = 2", vec![("b", Int(2))], true),
        ("not (a = 1 and b = 2)", vec![("a", Int(2))], true),
        ("not (a = 1 or b = 2)", vec![("a", Int(2))], false),
    ];
    for (filter, fields, expected) in cases {
        let got = check_write(&parse(filter), &record(&fields), &NoLookups);
        assert_eq!(got, expected, "{filter} on {fields:?}");
    }
}
