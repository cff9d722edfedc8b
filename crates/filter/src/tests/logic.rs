//! `and`, `or`, `not`, their precedence, parentheses and flattening.

use super::s;

#[test]
fn and_binds_tighter_than_or() {
    assert_eq!(
        s("a=1 or b=2 and c=3"),
        "(or (= a 1) (and (= b 2) (= c 3)))"
    );
    assert_eq!(
        s("a=1 and b=2 or c=3"),
        "(or (and (= a 1) (= b 2)) (= c 3))"
    );
}

#[test]
fn not_binds_tighter_than_and() {
    assert_eq!(s("not a=1 and b=2"), "(and (not (= a 1)) (= b 2))");
    assert_eq!(s("a=1 and not b=2"), "(and (= a 1) (not (= b 2)))");
    assert_eq!(s("not not a=1"), "(not (not (= a 1)))");
}

#[test]
fn parentheses_are_optional_around_comparisons() {
    assert_eq!(s("(a=1) and (b=2)"), s("a=1 and b=2"));
    assert_eq!(s("((a=1))"), "(= a 1)");
}

#[test]
fn parentheses_override_precedence() {
    assert_eq!(
        s("(a=1 or b=2) and c=3"),
        "(and (or (= a 1) (= b 2)) (= c 3))"
    );
    assert_eq!(s("not (a=1 or b=2)"), "(not (or (= a 1) (= b 2)))");
    assert_eq!(s("not(a=1)"), "(not (= a 1))");
}

#[test]
fn parenthesised_groups_follow_sql_precedence_like_dreamfactory() {
    assert_eq!(
        s("(a = 1) OR (b = 2) AND (c = 3)"),
        "(or (= a 1) (and (= b 2) (= c 3)))"
    );
}

#[test]
fn chains_of_one_operator_are_flattened_into_one_node() {
    assert_eq!(s("a=1 and b=2 and c=3"), "(and (= a 1) (= b 2) (= c 3))");
    assert_eq!(s("a=1 or b=2 || c=3"), "(or (= a 1) (= b 2) (= c 3))");
}

#[test]
fn parentheses_the_client_wrote_are_kept_as_nesting() {
    assert_eq!(
        s("a=1 and (b=2 and c=3)"),
        "(and (= a 1) (and (= b 2) (= c 3)))"
    );
}

#[test]
fn symbol_logical_operators_are_aliases() {
    assert_eq!(s("a=1 && b=2"), "(and (= a 1) (= b 2))");
    assert_eq!(s("a=1||b=2"), "(or (= a 1) (= b 2))");
    assert_eq!(s("(a=1)&&(b=2)"), "(and (= a 1) (= b 2))");
}

#[test]
fn logical_operators_need_no_spaces_next_to_parentheses() {
    assert_eq!(s("(a=1)AND(b=2)"), "(and (= a 1) (= b 2))");
    assert_eq!(s("(a=1)or(b=2)"), "(or (= a 1) (= b 2))");
    assert_eq!(s("NOT(a=1)AND(b=2)"), "(and (not (= a 1)) (= b 2))");
}

#[test]
fn deep_nesting_within_the_limit_parses() {
    assert_eq!(
        s("((a=1 or (b=2 and (c=3))))"),
        "(or (= a 1) (and (= b 2) (= c 3)))"
    );
}

#[test]
fn any_unicode_whitespace_separates_tokens() {
    assert_eq!(s("a\t=\n1\u{a0}and\u{3000}b=2"), "(and (= a 1) (= b 2))");
    assert_eq!(s("  a=1  "), "(= a 1)");
}
