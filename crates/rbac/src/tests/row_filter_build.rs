//! Row filters as filter ASTs: built node by node, values never parsed as filter
//! syntax, lookups kept as lookups.

use sluice_filter::{CompareOp, Comparison, Expr, Ident, Operand, Span, Value, ValueKind};

use super::*;
use crate::{FilterConfigError, RowFilterSet};

fn expr_of(op: FilterOp, filters: &[RowFilter]) -> Expr {
    RowFilterSet::new(op, filters.to_vec())
        .expect("not empty")
        .to_expr()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The expression of one `name operator value` entry.
fn one(name: &str, operator: &str, value: &str) -> Expr {
    expr_of(FilterOp::And, &[RowFilter::new(name, operator, value)])
}

fn compare(field: &str, op: CompareOp, operand: Operand) -> Expr {
    Expr::Compare(Comparison {
        field: Ident {
            name: field.to_owned(),
            span: Span::default(),
        },
        op,
        operand,
        span: Span::default(),
    })
}

fn value(kind: ValueKind) -> Value {
    Value {
        kind,
        span: Span::default(),
    }
}

fn single(kind: ValueKind) -> Operand {
    Operand::Single(value(kind))
}

fn bare(text: &str) -> ValueKind {
    ValueKind::Bare(text.to_owned())
}

fn quoted(text: &str) -> ValueKind {
    ValueKind::Quoted(text.to_owned())
}

fn lookup(name: &str) -> ValueKind {
    ValueKind::Lookup(name.to_owned())
}

#[test]
fn each_operator_becomes_its_comparison() {
    let cases = [
        ("=", CompareOp::Eq),
        ("!=", CompareOp::Ne),
        (">", CompareOp::Gt),
        ("<", CompareOp::Lt),
        (">=", CompareOp::Ge),
        ("<=", CompareOp::Le),
        ("like", CompareOp::Like),
        ("LIKE", CompareOp::Like),
        ("contains", CompareOp::Contains),
        ("Starts With", CompareOp::StartsWith),
        ("ENDS   WITH", CompareOp::EndsWith),
    ];
    for (operator, op) in cases {
        assert_eq!(
            one("a", operator, "x"),
            compare("a", op, single(bare("x"))),
            "{operator}"
        );
    }
}

#[test]
fn null_tests_take_no_value_and_ignore_a_stored_one() {
    let cases = [
        ("is null", "", CompareOp::IsNull),
        ("IS NULL", "ignored", CompareOp::IsNull),
        ("is not null", "", CompareOp::IsNotNull),
        (" Is  Not Null ", "x", CompareOp::IsNotNull),
    ];
    for (operator, stored, op) in cases {
        assert_eq!(
            one("a", operator, stored),
            compare("a", op, Operand::None),
            "{operator}"
        );
    }
}

#[test]
fn lookups_stay_lookups_and_are_never_substituted() {
    let cases = [
        ("{user.id}", lookup("user.id")),
        (" {user.id} ", lookup("user.id")),
        ("'{user.id}'", lookup("user.id")),
        ("\"{role.name}\"", lookup("role.name")),
        ("{strtoupper(user.name)}", lookup("strtoupper(user.name)")),
        ("{my_lookup}", lookup("my_lookup")),
        // Not lookup-shaped: literal text, as DreamFactory leaves it.
        ("{}", bare("{}")),
        ("'{a b}'", quoted("{a b}")),
    ];
    for (stored, kind) in cases {
        assert_eq!(
            one("owner_id", "=", stored),
            compare("owner_id", CompareOp::Eq, single(kind)),
            "{stored}"
        );
    }
}

#[test]
fn quotes_are_stripped_once_and_never_unescaped() {
    let cases = [
        ("'open'", quoted("open")),
        ("\"open\"", quoted("open")),
        ("''", quoted("")),
        ("'O''Brien'", quoted("O''Brien")),
        ("\"it's\"", quoted("it's")),
        ("'a\"", bare("'a\"")),
        ("'", bare("'")),
        ("open", bare("open")),
        ("42", bare("42")),
    ];
    for (stored, kind) in cases {
        assert_eq!(
            one("a", "=", stored),
            compare("a", CompareOp::Eq, single(kind)),
            "{stored}"
        );
    }
}

#[test]
fn injection_shaped_values_stay_one_value() {
    let cases = [
        ("1 or 1=1", bare("1 or 1=1")),
        ("x') OR ('1'='1", bare("x') OR ('1'='1")),
        ("' or ''='", quoted(" or ''=")),
        ("'a' or b = 'c'", quoted("a' or b = 'c")),
        ("1) or (1=1", bare("1) or (1=1")),
        ("1; drop table todo; --", bare("1; drop table todo; --")),
        // Request parameters must never fill a role's filter.
        (":owner", bare(":owner")),
    ];
    for (stored, kind) in cases {
        assert_eq!(
            one("a", "=", stored),
            compare("a", CompareOp::Eq, single(kind)),
            "{stored}"
        );
    }
}

#[test]
fn list_operators_take_a_list_split_on_commas_outside_quotes() {
    let list = |kinds: Vec<ValueKind>| Operand::List(kinds.into_iter().map(value).collect());
    let cases = [
        (
            "in",
            "(1,2,3)",
            CompareOp::In,
            list(vec![bare("1"), bare("2"), bare("3")]),
        ),
        (
            "IN",
            "1, 2",
            CompareOp::In,
            list(vec![bare("1"), bare("2")]),
        ),
        (
            "not in",
            "('a,b', \"c\")",
            CompareOp::NotIn,
            list(vec![quoted("a,b"), quoted("c")]),
        ),
        (
            "NOT  IN",
            "({user.id})",
            CompareOp::NotIn,
            list(vec![lookup("user.id")]),
        ),
        (
            "in",
            "(x) or (1=1)",
            CompareOp::In,
            list(vec![bare("x) or (1=1")]),
        ),
    ];
    for (operator, stored, op, operand) in cases {
        assert_eq!(
            one("a", operator, stored),
            compare("a", op, operand),
            "{operator} {stored}"
        );
    }
}

#[test]
fn entries_are_joined_by_the_rows_filter_op() {
    let filters = [
        eq("owner_id", "{user.id}"),
        RowFilter::new("status", "!=", "'done'"),
    ];
    let owner = compare("owner_id", CompareOp::Eq, single(lookup("user.id")));
    let status = compare("status", CompareOp::Ne, single(quoted("done")));
    assert_eq!(
        expr_of(FilterOp::And, &filters),
        Expr::And(vec![owner.clone(), status.clone()])
    );
    assert_eq!(
        expr_of(FilterOp::Or, &filters),
        Expr::Or(vec![owner, status])
    );
    assert_eq!(
        expr_of(FilterOp::Or, &filters).to_string(),
        "owner_id = {user.id} or status != 'done'"
    );
}

#[test]
fn names_are_trimmed_and_kept_as_written() {
    assert_eq!(
        one(" Owner_Id ", "=", "1"),
        compare("Owner_Id", CompareOp::Eq, single(bare("1")))
    );
}

#[test]
fn an_empty_filter_list_is_no_filter_set() {
    assert_eq!(RowFilterSet::new(FilterOp::And, vec![]), None);
}

#[test]
fn a_bad_entry_makes_the_whole_set_unusable() {
    let set = RowFilterSet::new(
        FilterOp::And,
        vec![eq("a", "1"), RowFilter::new("b", "<>", "2")],
    );
    let error = set.unwrap().to_expr().unwrap_err();
    assert_eq!(
        error,
        FilterConfigError::UnknownOperator {
            index: 1,
            operator: "<>".to_owned()
        }
    );
}
