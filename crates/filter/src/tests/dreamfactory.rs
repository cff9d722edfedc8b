//! DreamFactory compatibility: every documented form parses to the meaning DreamFactory
//! gives it, and the forms DreamFactory mishandles parse to what the client meant.
//! Cases ported from DreamFactory's docs and df-sqldb's tests (`BareLogicalFilterTest`).

use super::{ok, s};

#[test]
fn documented_parenthesised_conditions_parse_as_in_dreamfactory() {
    assert_eq!(
        s("(first_name='John') AND (last_name='Smith')"),
        "(and (= first_name 'John') (= last_name 'Smith'))"
    );
    assert_eq!(
        s("(age >= 30) and (age <= 40)"),
        "(and (>= age 30) (<= age 40))"
    );
    assert_eq!(
        s("(first_name='John') OR (first_name='Jane')"),
        "(or (= first_name 'John') (= first_name 'Jane'))"
    );
}

#[test]
fn documented_single_comparisons_parse_as_in_dreamfactory() {
    assert_eq!(s("last_name like 'G%'"), "(like last_name 'G%')");
    assert_eq!(s("gender='M'"), "(= gender 'M')");
    assert_eq!(s("id in (1,2,3)"), "(in id [1 2 3])");
    assert_eq!(s("name is null"), "(is null name)");
    assert_eq!(s("name not like 'a%'"), "(not like name 'a%')");
    assert_eq!(s("status=open"), "(= status open)");
    assert_eq!(s("name%3Ddb9".replace("%3D", "=").as_str()), "(= name db9)");
    assert_eq!(s("id NOT IN (1,2)"), "(not in id [1 2])");
    assert_eq!(s("(name = :n)"), "(= name :n)");
    assert_eq!(s("(owner_id = {user.id})"), "(= owner_id {user.id})");
}

#[test]
fn dreamfactorys_word_operators_are_accepted_in_any_case() {
    assert_eq!(
        s("(age GTE 30) AND (age LTE 40)"),
        "(and (>= age 30) (<= age 40))"
    );
    assert_eq!(s("(a EQ 1) || (b NE 2)"), "(or (= a 1) (!= b 2))");
    assert_eq!(s("name Like 'x'"), s("name LIKE 'x'"));
}

#[test]
fn not_at_the_start_of_a_group_negates_it_as_in_dreamfactory() {
    assert_eq!(s("NOT (a=1)"), "(not (= a 1))");
    assert_eq!(s("NOT(a=1)"), "(not (= a 1))");
    assert_eq!(s("(a=1) AND NOT (b=2)"), "(and (= a 1) (not (= b 2)))");
}

#[test]
fn bare_logical_conditions_parse_like_parenthesised_ones() {
    // df-sqldb BareLogicalFilterTest (df-core#172): DreamFactory silently mis-parsed these.
    for (bare, parenthesised) in [
        ("a is null OR b is null", "(a is null) OR (b is null)"),
        (
            "a is null AND b is not null",
            "(a is null) AND (b is not null)",
        ),
        ("a is null or b is null", "(a is null) OR (b is null)"),
        (
            "a is null AND b is null OR c is null",
            "(a is null) AND (b is null) OR (c is null)",
        ),
        ("(a is null) AND b is null", "(a is null) AND (b is null)"),
        ("a = 1 AND b = 2", "(a = 1) AND (b = 2)"),
    ] {
        assert_eq!(
            ok(bare).strip_spans(),
            ok(parenthesised).strip_spans(),
            "{bare}"
        );
    }
}

#[test]
fn values_containing_operators_parse_when_quoted() {
    // DreamFactory split these at the `=` / `>` inside the value.
    assert_eq!(s("name like 'a=b'"), "(like name 'a=b')");
    assert_eq!(s("x contains '>'"), "(contains x '>')");
    assert_eq!(s("note = ') AND ('"), "(= note ') AND (')");
}

#[test]
fn contains_with_quotes_searches_for_the_text_not_the_quotes() {
    // DreamFactory searched for `'bob'` including the quotes; both forms mean bob here.
    assert_eq!(
        ok("name contains 'bob'").strip_spans().to_string(),
        "name contains 'bob'"
    );
    assert_eq!(s("name contains bob"), "(contains name bob)");
}

#[test]
fn doubled_quotes_are_unescaped_unlike_dreamfactory() {
    assert_eq!(s("last_name = 'O''Brien'"), "(= last_name 'O''Brien')");
    assert_eq!(
        ok("last_name = 'O''Brien'").to_string(),
        "last_name = 'O''Brien'"
    );
}
