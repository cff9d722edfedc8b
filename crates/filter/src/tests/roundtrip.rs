//! The canonical printer, and the properties: the parser never panics, errors and AST spans
//! always lie on character boundaries inside the input, and print -> parse is the identity
//! (modulo spans), both for generated ASTs and for whatever arbitrary input happens to parse.

use proptest::prelude::*;

use super::ok;
use crate::lexer::{is_bare_value, is_identifier};
use crate::{CompareOp, Comparison, Expr, Ident, Limits, Operand, Span, Value, ValueKind, parse};

#[test]
fn printing_normalises_aliases_case_quotes_and_spacing() {
    let printed = |input: &str| ok(input).to_string();
    assert_eq!(printed("(A EQ \"x\")AND(b<>1)"), "A = 'x' and b != 1");
    assert_eq!(printed("a GTE 1 || NOT(b lte 2)"), "a >= 1 or not b <= 2");
    assert_eq!(printed("n NOT  STARTS  WITH x"), "n not starts with x");
    assert_eq!(
        printed("id not in(1,'two',:p,{u.id})"),
        "id not in (1, 'two', :p, {u.id})"
    );
    assert_eq!(printed("a BETWEEN 1 AND 2"), "a between 1 and 2");
    assert_eq!(printed("a is not null"), "a is not null");
}

#[test]
fn printing_parenthesises_nested_groups_and_nothing_else() {
    let printed = |input: &str| ok(input).to_string();
    assert_eq!(
        printed("((a=1)) or ((b=2) and (c=3))"),
        "a = 1 or (b = 2 and c = 3)"
    );
    assert_eq!(printed("a=1 or b=2 and c=3"), "a = 1 or (b = 2 and c = 3)");
    assert_eq!(printed("not a=1 and b=2"), "not a = 1 and b = 2");
    assert_eq!(
        printed("(a=1 or b=2) and c=3"),
        "(a = 1 or b = 2) and c = 3"
    );
    assert_eq!(
        printed("a=1 and (b=2 and c=3)"),
        "a = 1 and (b = 2 and c = 3)"
    );
    assert_eq!(printed("not (a=1 and b=2)"), "not (a = 1 and b = 2)");
    assert_eq!(printed("not (not (a=1))"), "not not a = 1");
}

#[test]
fn printing_doubles_single_quotes_and_keeps_double_quotes() {
    assert_eq!(ok(r#"a = "it's ""x""""#).to_string(), r#"a = 'it''s "x"'"#);
}

/// Limits large enough that generated ASTs never hit them.
pub(super) fn roomy() -> Limits {
    Limits {
        max_length: 1 << 20,
        max_nodes: 1 << 16,
        max_depth: 1 << 10,
        max_in_list: 1 << 16,
    }
}

fn reserved(word: &str) -> bool {
    ["and", "or", "not", "select"]
        .iter()
        .any(|r| word.eq_ignore_ascii_case(r))
}

fn field() -> impl Strategy<Value = Ident> {
    "[a-zA-Z_$éß東][a-zA-Z0-9_$é東]{0,6}"
        .prop_filter("reserved word", |name| {
            !reserved(name) && is_identifier(name)
        })
        .prop_map(|name| Ident {
            name,
            span: Span::default(),
        })
}

fn value() -> impl Strategy<Value = Value> {
    let kind = prop_oneof![
        any::<String>().prop_map(ValueKind::Quoted),
        "[a-zA-Z0-9_$.+@%:/é-]{1,10}"
            .prop_filter("not a bare value", |v| is_bare_value(v) && !reserved(v))
            .prop_map(ValueKind::Bare),
        "[a-zA-Z_$][a-zA-Z0-9_$]{0,6}".prop_map(ValueKind::Param),
        "[a-zA-Z0-9_.()-]{1,10}".prop_map(ValueKind::Lookup),
    ];
    kind.prop_map(|kind| Value {
        kind,
        span: Span::default(),
    })
}

const OPS: [CompareOp; 20] = [
    CompareOp::Eq,
    CompareOp::Ne,
    CompareOp::Gt,
    CompareOp::Ge,
    CompareOp::Lt,
    CompareOp::Le,
    CompareOp::Like,
    CompareOp::NotLike,
    CompareOp::In,
    CompareOp::NotIn,
    CompareOp::IsNull,
    CompareOp::IsNotNull,
    CompareOp::Contains,
    CompareOp::NotContains,
    CompareOp::StartsWith,
    CompareOp::NotStartsWith,
    CompareOp::EndsWith,
    CompareOp::NotEndsWith,
    CompareOp::Between,
    CompareOp::NotBetween,
];

fn comparison() -> impl Strategy<Value = Expr> {
    let op = prop::sample::select(&OPS[..]);
    let values = prop::collection::vec(value(), 1..5);
    (field(), op, values).prop_map(|(field, op, mut values)| {
        let operand = match op {
            CompareOp::IsNull | CompareOp::IsNotNull => Operand::None,
            CompareOp::In | CompareOp::NotIn => Operand::List(values),
            CompareOp::Between | CompareOp::NotBetween => {
                let low = values.remove(0);
                Operand::Range(low, values.pop().unwrap_or_else(|| value_bare("1")))
            }
            _ => Operand::Single(values.remove(0)),
        };
        let span = Span::default();
        Expr::Compare(Comparison {
            field,
            op,
            operand,
            span,
        })
    })
}

fn value_bare(text: &str) -> Value {
    Value {
        kind: ValueKind::Bare(text.into()),
        span: Span::default(),
    }
}

pub(super) fn expr() -> impl Strategy<Value = Expr> {
    comparison().prop_recursive(5, 40, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..5).prop_map(Expr::And),
            prop::collection::vec(inner.clone(), 2..5).prop_map(Expr::Or),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

/// Fragments of the grammar (and of attacks on it), to reach deep parser states far more
/// often than uniformly random strings do.
fn token_soup() -> impl Strategy<Value = String> {
    let fragment = prop::sample::select(vec![
        "a",
        "b_1",
        "é",
        "(",
        ")",
        ",",
        "=",
        "!=",
        "<>",
        ">=",
        "<",
        "and",
        "OR",
        "&&",
        "||",
        "not",
        "like",
        "in",
        "is",
        "null",
        "between",
        "contains",
        "starts",
        "with",
        "ends",
        "'x'",
        "'O''B'",
        "\"q\"",
        "'",
        "\"",
        "42",
        "-1.5",
        ":p",
        ":",
        "{user.id}",
        "{",
        "}",
        "select",
        "xor",
        "f(",
        "--",
        "/*",
        ";",
        "`",
        "*",
        " ",
        "\t",
        "😀",
    ]);
    prop::collection::vec(fragment, 0..30).prop_map(|parts| parts.concat())
}

/// Checks everything that must hold for any input, whether it parses or not.
pub(super) fn check_any_input(input: &str) -> Result<(), TestCaseError> {
    let spans_ok = |s: Span| s.start <= s.end && input.get(s.start..s.end).is_some();
    match parse(input, &Limits::default()) {
        Err(e) => prop_assert!(
            spans_ok(e.span),
            "bad error span {:?} for {input:?}",
            e.span
        ),
        Ok(expr) => {
            let mut fields_ok = true;
            expr.for_each_comparison(&mut |c| {
                let f = c.field.span;
                fields_ok &=
                    spans_ok(c.span) && spans_ok(f) && input[f.start..f.end] == c.field.name;
            });
            prop_assert!(fields_ok, "bad comparison span in {input:?}");
            let reparsed = parse(&expr.to_string(), &Limits::default());
            prop_assert_eq!(reparsed.map(|e| e.strip_spans()), Ok(expr.strip_spans()));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_arbitrary_unicode(input in any::<String>()) {
        check_any_input(&input)?;
    }

    #[test]
    fn parse_never_panics_on_grammar_fragments(input in token_soup()) {
        check_any_input(&input)?;
    }

    #[test]
    fn printing_then_parsing_gives_the_same_ast(expr in expr()) {
        let printed = expr.to_string();
        let parsed = parse(&printed, &roomy()).map_err(|e| {
            TestCaseError::fail(format!("{printed:?} does not parse: {e}"))
        })?;
        prop_assert_eq!(parsed.strip_spans(), expr.strip_spans());
        prop_assert_eq!(parsed.to_string(), printed);
    }
}
