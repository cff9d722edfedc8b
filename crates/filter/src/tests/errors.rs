//! Every syntax error kind, with its exact span and client-facing message.

use super::err;
use crate::{ParseErrorKind as K, Span};

/// Asserts kind, span and message of the error for `input`.
pub(super) fn check(input: &str, kind: K, span: (usize, usize), message: &str) {
    let e = err(input);
    assert_eq!(e.kind, kind, "{input:?}");
    assert_eq!(e.span, Span::new(span.0, span.1), "{input:?}");
    assert_eq!(e.to_string(), message, "{input:?}");
    assert!(!e.is_limit());
}

#[test]
fn empty_and_whitespace_only_filters_are_errors() {
    let msg = "Invalid or unparsable filter request: the filter is empty.";
    check("", K::Empty, (0, 0), msg);
    check(" \t\n", K::Empty, (0, 3), msg);
}

#[test]
fn a_missing_value_names_the_operator_and_the_end_of_the_filter() {
    check(
        "status=",
        K::UnexpectedEnd {
            expected: "a value after '='".into(),
        },
        (7, 7),
        "Invalid or unparsable filter request: expected a value after '=', \
         found the end of the filter at 7..7.",
    );
}

#[test]
fn a_missing_value_before_a_keyword_names_the_keyword() {
    check(
        "a NOT   LIKE and b=1",
        K::UnexpectedToken {
            expected: "a value after 'NOT LIKE'".into(),
            found: "'and'".into(),
        },
        (13, 16),
        "Invalid or unparsable filter request: expected a value after 'NOT LIKE', \
         found 'and' at 13..16.",
    );
}

#[test]
fn a_missing_operator_names_the_field() {
    check(
        "name 'x'",
        K::UnexpectedToken {
            expected: "a comparison operator after 'name'".into(),
            found: "''x''".into(),
        },
        (5, 8),
        "Invalid or unparsable filter request: expected a comparison operator after 'name', \
         found ''x'' at 5..8.",
    );
}

#[test]
fn unquoted_values_with_spaces_are_refused_at_the_second_word() {
    check(
        "name = John Smith",
        K::UnexpectedToken {
            expected: "'and', 'or' or the end of the filter".into(),
            found: "'Smith'".into(),
        },
        (12, 17),
        "Invalid or unparsable filter request: expected 'and', 'or' or the end of the filter, \
         found 'Smith' at 12..17.",
    );
}

#[test]
fn a_condition_is_expected_after_a_logical_operator() {
    check(
        "a=1 and",
        K::UnexpectedEnd {
            expected: "a field name, 'not' or '('".into(),
        },
        (7, 7),
        "Invalid or unparsable filter request: expected a field name, 'not' or '(', \
         found the end of the filter at 7..7.",
    );
    let e = err("a=1 and or b=2");
    assert_eq!(e.span, Span::new(8, 10));
}

#[test]
fn field_names_must_be_identifiers() {
    for (input, found, span) in [("1a=1", "'1a'", (0, 2)), ("a-b=1", "'a-b'", (0, 3))] {
        let e = err(input);
        let expected = "a field name, 'not' or '('".to_owned();
        assert_eq!(
            e.kind,
            K::UnexpectedToken {
                expected,
                found: found.into()
            }
        );
        assert_eq!(e.span, Span::new(span.0, span.1));
    }
    let e = err("and = 1");
    assert_eq!(e.span, Span::new(0, 3));
}

#[test]
fn logical_words_are_not_bare_values() {
    let e = err("a = or");
    assert_eq!(
        e.kind,
        K::UnexpectedToken {
            expected: "a value after '='".into(),
            found: "'or'".into()
        }
    );
}

#[test]
fn unterminated_strings_span_from_the_quote_to_the_end() {
    check(
        "a = 'abc",
        K::UnterminatedString { quote: '\'' },
        (4, 8),
        "Invalid or unparsable filter request: unterminated string, expected a closing ' at 4..8.",
    );
    check(
        "a = \"x\"\"",
        K::UnterminatedString { quote: '"' },
        (4, 8),
        "Invalid or unparsable filter request: unterminated string, expected a closing \" at 4..8.",
    );
}

#[test]
fn lookups_must_be_closed_and_well_formed() {
    check(
        "a = {user.id",
        K::UnterminatedLookup,
        (4, 12),
        "Invalid or unparsable filter request: unterminated lookup, expected a closing '}' at 4..12.",
    );
    let msg = "Invalid or unparsable filter request: expected a lookup name (letters, digits, \
               '_', '.', '-', '(' or ')') followed by '}' at 4..10.";
    check("a = {user i}", K::InvalidLookup, (4, 10), msg);
    check(
        "a = {}",
        K::InvalidLookup,
        (4, 6),
        &msg.replace("4..10", "4..6"),
    );
}

#[test]
fn params_need_a_name() {
    let msg = |s: usize, e: usize| {
        format!(
            "Invalid or unparsable filter request: expected a parameter name (letters, digits, \
             '_' or '$') after ':' at {s}..{e}."
        )
    };
    check("a = :", K::InvalidParam, (4, 5), &msg(4, 5));
    check("a = :1x", K::InvalidParam, (4, 7), &msg(4, 7));
    check("a = :a.b", K::InvalidParam, (4, 8), &msg(4, 8));
}

#[test]
fn unbalanced_parentheses_point_at_the_lone_one() {
    check(
        "((a=1) and b=2",
        K::UnclosedParen,
        (0, 1),
        "Invalid or unparsable filter request: the '(' at 0..1 is never closed.",
    );
    check(
        "(a=1))",
        K::UnmatchedParen,
        (5, 6),
        "Invalid or unparsable filter request: the ')' at 5..6 has no matching '('.",
    );
    check(
        "a in (1, 2",
        K::UnclosedParen,
        (5, 6),
        "Invalid or unparsable filter request: the '(' at 5..6 is never closed.",
    );
    let e = err("(a=1 b=2)");
    let expected = "'and', 'or' or ')'".to_owned();
    assert_eq!(
        e.kind,
        K::UnexpectedToken {
            expected,
            found: "'b'".into()
        }
    );
}

#[test]
fn empty_parentheses_and_empty_lists_are_errors() {
    assert_eq!(err("()").span, Span::new(1, 2));
    check(
        "a in ()",
        K::UnexpectedToken {
            expected: "a value after '('".into(),
            found: "')'".into(),
        },
        (6, 7),
        "Invalid or unparsable filter request: expected a value after '(', found ')' at 6..7.",
    );
    let e = err("a in (1,)");
    assert_eq!(
        e.kind,
        K::UnexpectedToken {
            expected: "a value after ','".into(),
            found: "')'".into()
        }
    );
    let e = err("a in (1 2)");
    assert_eq!(
        e.kind,
        K::UnexpectedToken {
            expected: "',' or ')' in the value list".into(),
            found: "'2'".into()
        }
    );
}

#[test]
fn incomplete_multi_word_operators_name_the_missing_word() {
    let expected = |e: &str| err(e).kind;
    assert_eq!(
        expected("a starts 'x'"),
        K::UnexpectedToken {
            expected: "'with' after 'starts'".into(),
            found: "''x''".into()
        }
    );
    assert_eq!(
        expected("a ENDS"),
        K::UnexpectedEnd {
            expected: "'with' after 'ENDS'".into()
        }
    );
    assert_eq!(
        expected("a is 1"),
        K::UnexpectedToken {
            expected: "'null' or 'not null' after 'is'".into(),
            found: "'1'".into()
        }
    );
    assert_eq!(
        expected("a is not 1"),
        K::UnexpectedToken {
            expected: "'null' after 'is not'".into(),
            found: "'1'".into()
        }
    );
    assert_eq!(
        expected("a not = 1"),
        K::UnexpectedToken {
            expected:
                "'like', 'in', 'contains', 'starts with', 'ends with' or 'between' after 'not'"
                    .into(),
            found: "'='".into(),
        }
    );
    assert_eq!(
        expected("a between 1 or 2"),
        K::UnexpectedToken {
            expected: "'and' after the first value of 'between'".into(),
            found: "'or'".into()
        }
    );
    assert_eq!(
        expected("a between 1 && 2"),
        K::UnexpectedToken {
            expected: "'and' after the first value of 'between'".into(),
            found: "'&&'".into()
        }
    );
}

#[test]
fn in_lists_without_parentheses_get_dreamfactorys_message() {
    check(
        "id in 1,2,3",
        K::ListWithoutParentheses,
        (6, 7),
        "Filter value lists must be wrapped in parentheses: expected '(' at 6..7.",
    );
    let e = err("id not in");
    assert_eq!(
        (e.kind, e.span),
        (K::ListWithoutParentheses, Span::new(9, 9))
    );
}

#[test]
fn long_offending_text_is_shortened_in_the_message() {
    let long = "x".repeat(100);
    let e = err(&format!("a = 1 {long}"));
    let K::UnexpectedToken { found, .. } = &e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(found, &format!("'{}...'", "x".repeat(32)));
    assert_eq!(e.span, Span::new(6, 106));
}

#[test]
fn the_first_error_in_reading_order_is_reported() {
    // The lexer is pulled lazily, so the syntax error at `=` wins over the bad string later.
    let e = err("a = = 'unterminated");
    assert_eq!(e.span, Span::new(4, 5));
}

#[test]
fn parse_errors_implement_std_error() {
    let e: Box<dyn std::error::Error> = Box::new(err("a="));
    assert!(e.to_string().starts_with(crate::SYNTAX_ERROR_PREFIX));
}
