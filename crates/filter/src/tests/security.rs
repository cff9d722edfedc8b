//! The injection corpus of df-sqldb's `tests/Security/SqlInjectionTest.php`, with the exact
//! outcome for each (an exact error, not "some exception"). Whatever parses is
//! harmless by construction, since every value is bound and every field is resolved against
//! the schema; these tests pin that the dangerous shapes do not even parse.

use super::err;
use crate::{Expr, Operand, ParseErrorKind as K, ValueKind};

fn kind(input: &str) -> K {
    err(input).kind
}

fn unexpected(expected: &str, found: &str) -> K {
    K::UnexpectedToken {
        expected: expected.into(),
        found: found.into(),
    }
}

#[test]
fn tautologies_between_literals_are_refused() {
    let field = "a field name, 'not' or '('";
    assert_eq!(
        kind("username='nonexistent' OR 1=1"),
        unexpected(field, "'1'")
    );
    assert_eq!(
        kind("username='nonexistent' OR '1'='1'"),
        unexpected(field, "''1''")
    );
    assert_eq!(
        kind("username='nonexistent' OR ''=''"),
        unexpected(field, "''''")
    );
}

#[test]
fn trailing_comments_are_refused() {
    assert_eq!(kind("username='x' OR a=1--"), K::Comment);
    assert_eq!(kind("username='x' OR a=1/*"), K::Comment);
    assert_eq!(kind("username='x' OR a=1#"), K::UnexpectedChar('#'));
}

#[test]
fn unions_are_refused() {
    let after = "'and', 'or' or the end of the filter";
    for input in [
        "username='x' UNION SELECT * FROM information_schema.tables--",
        "username='x' UNION ALL SELECT 1,2,3,4--",
    ] {
        assert_eq!(kind(input), unexpected(after, "'UNION'"), "{input}");
    }
}

#[test]
fn stacked_queries_are_refused_at_the_semicolon() {
    for input in [
        "username='x'; DROP TABLE users;--",
        "username='x'; DELETE FROM users;--",
        "username='x'; SELECT * FROM information_schema.tables--",
    ] {
        let e = err(input);
        assert_eq!(
            (e.kind, e.span.start),
            (K::UnexpectedChar(';'), 12),
            "{input}"
        );
    }
}

#[test]
fn time_based_functions_are_refused() {
    assert_eq!(
        kind("username='x' OR SLEEP(5)--"),
        K::FunctionCall("SLEEP".into())
    );
    assert_eq!(kind("a = sleep(5)"), K::FunctionCall("sleep".into()));
    assert_eq!(
        kind("a = benchmark(1,2)"),
        K::FunctionCall("benchmark".into())
    );
}

#[test]
fn parenthesised_subqueries_in_values_are_refused() {
    let input = "id=(SELECT id FROM information_schema.tables LIMIT 1)";
    assert_eq!(kind(input), K::Subquery);
}

#[test]
fn a_field_compared_with_a_field_name_is_just_text() {
    // `username=username` would be a tautology in SQL; here the right side is a bare value,
    // bound as the string 'username', never a column reference.
    let Expr::Compare(cmp) = super::ok("username=username") else {
        panic!("not a comparison")
    };
    let Operand::Single(value) = cmp.operand else {
        panic!("not a single value")
    };
    assert_eq!(value.kind, ValueKind::Bare("username".into()));
}
