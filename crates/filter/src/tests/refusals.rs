//! What the grammar refuses on purpose (its sets are closed, and nothing typed reaches SQL):
//! characters outside it, operators we do not support, function calls, subqueries and
//! comments; exact span and message each.

use super::err;
use super::errors::check;
use crate::{ParseErrorKind as K, Span};

#[test]
fn unexpected_characters_are_named_with_their_span() {
    let msg = |c: &str, s: usize| {
        format!(
            "Invalid or unparsable filter request: unexpected character {c} at {s}..{}.",
            s + 1
        )
    };
    check(
        "a=1; drop table t",
        K::UnexpectedChar(';'),
        (3, 4),
        &msg("';'", 3),
    );
    check("`a`=1", K::UnexpectedChar('`'), (0, 1), &msg("'`'", 0));
    check("a=1 & b=2", K::UnexpectedChar('&'), (4, 5), &msg("'&'", 4));
    check("a=1 # x", K::UnexpectedChar('#'), (4, 5), &msg("'#'", 4));
    check("a ! 1", K::UnexpectedChar('!'), (2, 3), &msg("'!'", 2));
    let e = err("a = 😀");
    assert_eq!((e.kind, e.span), (K::UnexpectedChar('😀'), Span::new(4, 8)));
}

#[test]
fn unsupported_operators_are_named_with_a_hint() {
    let p = "Invalid or unparsable filter request";
    check(
        "(a=1) xor (b=2)",
        K::UnsupportedOperator("xor".into()),
        (6, 9),
        &format!("{p}: the operator 'xor' is not supported at 6..9; use 'and', 'or' and 'not'."),
    );
    check(
        "(a=1) NOR (b=2)",
        K::UnsupportedOperator("nor".into()),
        (6, 9),
        &format!("{p}: the operator 'nor' is not supported at 6..9; use 'and', 'or' and 'not'."),
    );
    check(
        "a ALL (1)",
        K::UnsupportedOperator("all".into()),
        (2, 5),
        &format!("{p}: the operator 'all' is not supported at 2..5; use 'in'."),
    );
    check(
        "a ilike 'x'",
        K::UnsupportedOperator("ilike".into()),
        (2, 7),
        &format!("{p}: the operator 'ilike' is not supported at 2..7; use 'like'."),
    );
    check(
        "a regexp 'x'",
        K::UnsupportedOperator("regexp".into()),
        (2, 8),
        &format!("{p}: the operator 'regexp' is not supported at 2..8."),
    );
}

#[test]
fn function_calls_are_refused_on_fields_and_values() {
    let msg = |name: &str, s: usize, e: usize| {
        format!(
            "Invalid or unparsable filter request: function calls such as '{name}(' are not supported at {s}..{e}."
        )
    };
    check(
        "lower(name) = 'x'",
        K::FunctionCall("lower".into()),
        (0, 6),
        &msg("lower", 0, 6),
    );
    check(
        "d > now()",
        K::FunctionCall("now".into()),
        (4, 8),
        &msg("now", 4, 8),
    );
    check(
        "a in (1, upper('x'))",
        K::FunctionCall("upper".into()),
        (9, 15),
        &msg("upper", 9, 15),
    );
    check(
        "exists(select 1)",
        K::FunctionCall("exists".into()),
        (0, 7),
        &msg("exists", 0, 7),
    );
}

#[test]
fn subqueries_are_refused_wherever_they_start() {
    let msg = |s: usize, e: usize| {
        format!("Invalid or unparsable filter request: subqueries are not supported at {s}..{e}.")
    };
    check(
        "id in (select id from users)",
        K::Subquery,
        (6, 13),
        &msg(6, 13),
    );
    check("id = (SELECT 1)", K::Subquery, (5, 12), &msg(5, 12));
    check("select * from users", K::Subquery, (0, 6), &msg(0, 6));
    check("(select id from t)", K::Subquery, (1, 7), &msg(1, 7));
}

#[test]
fn parenthesised_values_are_refused_rather_than_inlined() {
    let e = err("d = (NOW())");
    assert_eq!(
        e.kind,
        K::UnexpectedToken {
            expected: "a value after '='".into(),
            found: "'('".into()
        }
    );
    assert_eq!(e.span, Span::new(4, 5));
}

#[test]
fn comments_are_refused_inside_and_between_tokens() {
    let msg = |s: usize| {
        format!(
            "Invalid or unparsable filter request: comments are not supported at {s}..{}.",
            s + 2
        )
    };
    check("a=1 -- x", K::Comment, (4, 6), &msg(4));
    check("a=1--", K::Comment, (3, 5), &msg(3));
    check("a=1 /* x */", K::Comment, (4, 6), &msg(4));
    check("a=x/*", K::Comment, (3, 5), &msg(3));
}
