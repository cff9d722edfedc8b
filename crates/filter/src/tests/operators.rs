//! Every comparison operator, every alias, and keyword case-insensitivity.

use super::s;
use crate::{CompareOp, Expr, Operand};

#[test]
fn symbol_operators_parse_with_and_without_spaces() {
    for (text, canonical) in [
        ("=", "="),
        ("!=", "!="),
        ("<>", "!="),
        (">", ">"),
        (">=", ">="),
        ("<", "<"),
        ("<=", "<="),
    ] {
        let expected = format!("({canonical} a 1)");
        assert_eq!(s(&format!("a{text}1")), expected, "a{text}1");
        assert_eq!(s(&format!("a {text} 1")), expected, "a {text} 1");
    }
}

#[test]
fn word_aliases_map_to_the_symbol_operators() {
    for (word, canonical) in [
        ("eq", "="),
        ("ne", "!="),
        ("gt", ">"),
        ("ge", ">="),
        ("gte", ">="),
        ("lt", "<"),
        ("le", "<="),
        ("lte", "<="),
    ] {
        assert_eq!(
            s(&format!("a {word} 1")),
            format!("({canonical} a 1)"),
            "{word}"
        );
        let upper = word.to_uppercase();
        assert_eq!(
            s(&format!("a {upper} 1")),
            format!("({canonical} a 1)"),
            "{upper}"
        );
    }
}

#[test]
fn like_and_not_like_take_one_value() {
    assert_eq!(s("name like 'G%'"), "(like name 'G%')");
    assert_eq!(s("name not like 'a%'"), "(not like name 'a%')");
    assert_eq!(s("name LIKE G%"), "(like name G%)");
}

#[test]
fn in_and_not_in_take_a_parenthesised_list() {
    assert_eq!(s("id in (1,2,3)"), "(in id [1 2 3])");
    assert_eq!(
        s("id not in ( 1 , 'two' , :p )"),
        "(not in id [1 'two' :p])"
    );
    assert_eq!(s("id in (7)"), "(in id [7])");
    assert_eq!(s("id IN(1,2)"), "(in id [1 2])");
}

#[test]
fn is_null_and_is_not_null_take_no_value() {
    assert_eq!(s("name is null"), "(is null name)");
    assert_eq!(s("name is not null"), "(is not null name)");
    assert_eq!(s("name IS NOT NULL"), "(is not null name)");
}

#[test]
fn contains_starts_with_and_ends_with_take_quoted_or_bare_values() {
    assert_eq!(s("name contains bob"), "(contains name bob)");
    assert_eq!(
        s("name contains 'bob smith'"),
        "(contains name 'bob smith')"
    );
    assert_eq!(s("name starts with 'Jo'"), "(starts with name 'Jo')");
    assert_eq!(s("name ends with son"), "(ends with name son)");
}

#[test]
fn negated_contains_starts_with_and_ends_with_parse() {
    assert_eq!(s("name not contains x"), "(not contains name x)");
    assert_eq!(s("name not starts with x"), "(not starts with name x)");
    assert_eq!(s("name not ends with x"), "(not ends with name x)");
}

#[test]
fn between_takes_two_values_joined_by_its_own_and() {
    assert_eq!(s("age between 30 and 40"), "(between age 30 40)");
    assert_eq!(s("age not between 1 and 9"), "(not between age 1 9)");
    assert_eq!(
        s("d between '2024-01-01' and :end"),
        "(between d '2024-01-01' :end)"
    );
}

#[test]
fn the_and_of_between_is_not_a_logical_and() {
    assert_eq!(
        s("a between 1 and 2 and b = 3"),
        "(and (between a 1 2) (= b 3))"
    );
    assert_eq!(
        s("x=0 or a between 1 and 2 and b between 3 and 4"),
        "(or (= x 0) (and (between a 1 2) (between b 3 4)))"
    );
}

#[test]
fn keywords_are_case_insensitive_in_any_mix() {
    assert_eq!(s("a NoT LiKe 'x'"), "(not like a 'x')");
    assert_eq!(s("a Is NoT nUlL"), "(is not null a)");
    assert_eq!(s("a StArTs WiTh x"), "(starts with a x)");
    assert_eq!(s("a BETWEEN 1 AND 2"), "(between a 1 2)");
    assert_eq!(s("a Not In (1)"), "(not in a [1])");
    assert_eq!(
        s("NOT a=1 AND b=2 OR c=3"),
        "(or (and (not (= a 1)) (= b 2)) (= c 3))"
    );
}

#[test]
fn operator_words_can_be_field_names() {
    assert_eq!(s("like = 1"), "(= like 1)");
    assert_eq!(s("in in (1)"), "(in in [1])");
    assert_eq!(s("is is null"), "(is null is)");
    assert_eq!(s("between between 1 and 2"), "(between between 1 2)");
}

#[test]
fn every_operator_keeps_the_shape_its_operand_requires() {
    let cases = [
        ("a = 1", CompareOp::Eq),
        ("a != 1", CompareOp::Ne),
        ("a > 1", CompareOp::Gt),
        ("a >= 1", CompareOp::Ge),
        ("a < 1", CompareOp::Lt),
        ("a <= 1", CompareOp::Le),
        ("a like 1", CompareOp::Like),
        ("a not like 1", CompareOp::NotLike),
        ("a in (1)", CompareOp::In),
        ("a not in (1)", CompareOp::NotIn),
        ("a is null", CompareOp::IsNull),
        ("a is not null", CompareOp::IsNotNull),
        ("a contains 1", CompareOp::Contains),
        ("a not contains 1", CompareOp::NotContains),
        ("a starts with 1", CompareOp::StartsWith),
        ("a not starts with 1", CompareOp::NotStartsWith),
        ("a ends with 1", CompareOp::EndsWith),
        ("a not ends with 1", CompareOp::NotEndsWith),
        ("a between 1 and 2", CompareOp::Between),
        ("a not between 1 and 2", CompareOp::NotBetween),
    ];
    for (input, op) in cases {
        let Expr::Compare(cmp) = super::ok(input) else {
            panic!("{input} is not a comparison")
        };
        assert_eq!(cmp.op, op, "{input}");
        let shape_ok = match op {
            CompareOp::In | CompareOp::NotIn => matches!(cmp.operand, Operand::List(_)),
            CompareOp::IsNull | CompareOp::IsNotNull => cmp.operand == Operand::None,
            CompareOp::Between | CompareOp::NotBetween => {
                matches!(cmp.operand, Operand::Range(..))
            }
            _ => matches!(cmp.operand, Operand::Single(_)),
        };
        assert!(shape_ok, "{input}: {:?}", cmp.operand);
    }
}
