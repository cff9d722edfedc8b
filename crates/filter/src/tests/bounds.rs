//! Every bound: exactly at the limit parses, one past is its own error with its own message.

use crate::{Limits, ParseErrorKind as K, Span, parse};

fn limits() -> Limits {
    Limits::default()
}

#[test]
fn default_limits_match_the_security_bounds_table() {
    let l = Limits::default();
    assert_eq!(
        (l.max_length, l.max_nodes, l.max_depth, l.max_in_list),
        (8000, 200, 32, 1000)
    );
}

#[test]
fn a_filter_of_exactly_max_length_characters_parses() {
    let input = format!("a='{}'", "é".repeat(8000 - 4));
    assert_eq!(input.chars().count(), 8000);
    assert!(
        input.len() > 8000,
        "multi-byte text: bytes exceed characters"
    );
    assert!(parse(&input, &limits()).is_ok());
}

#[test]
fn one_character_past_max_length_is_too_long() {
    let input = format!("a='{}'", "é".repeat(8000 - 3));
    let e = parse(&input, &limits()).unwrap_err();
    assert_eq!(
        e.kind,
        K::TooLong {
            len: 8001,
            max: 8000
        }
    );
    // The span covers the text past the limit: the closing quote.
    assert_eq!(e.span, Span::new(input.len() - 1, input.len()));
    assert_eq!(
        e.to_string(),
        "Filter is too long: 8001 characters, the limit is 8000."
    );
    assert!(e.is_limit());
}

#[test]
fn length_is_checked_before_anything_else() {
    let e = parse(&" ".repeat(9000), &limits()).unwrap_err();
    assert_eq!(
        e.kind,
        K::TooLong {
            len: 9000,
            max: 8000
        }
    );
    let e = parse(&"(".repeat(9000), &limits()).unwrap_err();
    assert_eq!(
        e.kind,
        K::TooLong {
            len: 9000,
            max: 8000
        }
    );
}

/// `n` comparisons joined by `or`: n + 1 nodes (one `or` group).
fn or_chain(n: usize) -> String {
    vec!["a=1"; n].join(" or ")
}

#[test]
fn a_filter_of_exactly_max_nodes_parses() {
    assert!(parse(&or_chain(199), &limits()).is_ok());
    // Mixed: 2 nots + 1 and group + 1 or group + 4 comparisons = 8 nodes.
    let small = Limits {
        max_nodes: 8,
        ..limits()
    };
    assert!(parse("not a=1 and not b=2 or c=3 and d=4", &small).is_err());
    assert!(parse("not a=1 and not b=2 or (c=3)", &small).is_ok());
    assert!(parse("not (a=1 and not b=2) or c=3 or d=4", &small).is_ok());
}

#[test]
fn one_node_past_max_nodes_is_too_many_nodes() {
    let input = or_chain(200);
    let e = parse(&input, &limits()).unwrap_err();
    assert_eq!(e.kind, K::TooManyNodes { max: 200 });
    // The 201st node is the last comparison.
    assert_eq!(e.span, Span::new(input.len() - 3, input.len()));
    assert_eq!(
        e.to_string(),
        format!(
            "Filter is too complex: the limit is 200 conditions and logical operators, \
             exceeded at {}..{}.",
            input.len() - 3,
            input.len()
        )
    );
    assert!(e.is_limit());
}

#[test]
fn nots_and_groups_count_as_nodes_where_they_start() {
    let two = Limits {
        max_nodes: 2,
        ..limits()
    };
    let e = parse("not not a=1", &two).unwrap_err();
    assert_eq!(
        (e.kind, e.span),
        (K::TooManyNodes { max: 2 }, Span::new(8, 11))
    );
    let e = parse("a=1 and b=2", &two).unwrap_err();
    assert_eq!(e.span, Span::new(8, 11));
    let one = Limits {
        max_nodes: 1,
        ..limits()
    };
    let e = parse("a=1 and b=2", &one).unwrap_err();
    assert_eq!(e.span, Span::new(4, 7));
}

fn nested_parens(depth: usize) -> String {
    format!("{}a=1{}", "(".repeat(depth), ")".repeat(depth))
}

#[test]
fn nesting_of_exactly_max_depth_parses() {
    assert!(parse(&nested_parens(32), &limits()).is_ok());
    assert!(parse(&format!("{}a=1", "not ".repeat(32)), &limits()).is_ok());
    assert!(parse(&format!("{}(a=1)", "not ".repeat(31)), &limits()).is_ok());
}

#[test]
fn one_level_past_max_depth_is_too_deep() {
    let e = parse(&nested_parens(33), &limits()).unwrap_err();
    assert_eq!(e.kind, K::TooDeep { max: 32 });
    assert_eq!(e.span, Span::new(32, 33));
    assert_eq!(
        e.to_string(),
        "Filter is nested too deeply: the limit is 32 levels of parentheses and 'not', \
         exceeded at 32..33."
    );
    assert!(e.is_limit());
    let e = parse(&format!("{}a=1", "not ".repeat(33)), &limits()).unwrap_err();
    assert_eq!(
        (e.kind, e.span),
        (K::TooDeep { max: 32 }, Span::new(128, 131))
    );
}

#[test]
fn depth_counts_nesting_not_total_parentheses() {
    let siblings = vec!["((a=1))"; 100].join(" or ");
    let l = Limits {
        max_depth: 2,
        ..limits()
    };
    assert!(parse(&siblings, &l).is_ok());
}

#[test]
fn very_deep_input_is_refused_without_exhausting_the_stack() {
    let l = Limits {
        max_length: 1_000_000,
        max_depth: 32,
        ..limits()
    };
    let e = parse(&nested_parens(100_000), &l).unwrap_err();
    assert_eq!(e.kind, K::TooDeep { max: 32 });
}

fn in_list(n: usize) -> String {
    let values: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    format!("id in ({})", values.join(","))
}

#[test]
fn an_in_list_of_exactly_max_in_list_values_parses() {
    assert!(parse(&in_list(1000), &limits()).is_ok());
}

#[test]
fn one_value_past_max_in_list_is_list_too_long() {
    let input = in_list(1001);
    let e = parse(&input, &limits()).unwrap_err();
    assert_eq!(e.kind, K::ListTooLong { max: 1000 });
    // The 1001st value is `1000`, right before the closing parenthesis.
    assert_eq!(e.span, Span::new(input.len() - 5, input.len() - 1));
    assert_eq!(
        e.to_string(),
        format!(
            "Filter value list is too long: the limit is 1000 values, exceeded at {}..{}.",
            input.len() - 5,
            input.len() - 1
        )
    );
    assert!(e.is_limit());
}

#[test]
fn zero_limits_refuse_everything_they_bound() {
    let zero = Limits {
        max_length: 0,
        max_nodes: 0,
        max_depth: 0,
        max_in_list: 0,
    };
    assert_eq!(
        parse("a", &zero).unwrap_err().kind,
        K::TooLong { len: 1, max: 0 }
    );
    assert_eq!(parse("", &zero).unwrap_err().kind, K::Empty);
    let l = Limits {
        max_length: 100,
        ..zero
    };
    assert_eq!(
        parse("a=1", &l).unwrap_err().kind,
        K::TooManyNodes { max: 0 }
    );
    let l = Limits { max_nodes: 10, ..l };
    assert_eq!(parse("(a=1)", &l).unwrap_err().kind, K::TooDeep { max: 0 });
    assert_eq!(
        parse("a in (1)", &l).unwrap_err().kind,
        K::ListTooLong { max: 0 }
    );
}
