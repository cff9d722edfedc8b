//! Values (quoted, bare, params, lookups), field names, and the spans the AST records.

use super::{ok, s};
use crate::{Comparison, Expr, Operand, Span, Value, ValueKind};

fn comparison(input: &str) -> Comparison {
    match ok(input) {
        Expr::Compare(c) => c,
        other => panic!("{input} is not a comparison: {other:?}"),
    }
}

fn single(input: &str) -> Value {
    match comparison(input).operand {
        Operand::Single(v) => v,
        other => panic!("{input}: {other:?}"),
    }
}

#[test]
fn single_and_double_quoted_strings_are_unescaped_by_doubling() {
    assert_eq!(
        single("a='O''Brien'").kind,
        ValueKind::Quoted("O'Brien".into())
    );
    assert_eq!(
        single(r#"a="say ""hi""""#).kind,
        ValueKind::Quoted(r#"say "hi""#.into())
    );
    assert_eq!(single(r#"a="it's""#).kind, ValueKind::Quoted("it's".into()));
    assert_eq!(
        single(r#"a='say "hi"'"#).kind,
        ValueKind::Quoted(r#"say "hi""#.into())
    );
    assert_eq!(single("a=''").kind, ValueKind::Quoted(String::new()));
    assert_eq!(single("a=''''").kind, ValueKind::Quoted("'".into()));
}

#[test]
fn quoted_strings_keep_everything_the_grammar_otherwise_refuses() {
    let text = "x) AND (y=1; -- /* */ `z` \\ {user.id} :p é 😀\n";
    let quoted = format!("a = '{text}'");
    assert_eq!(single(&quoted).kind, ValueKind::Quoted(text.into()));
}

#[test]
fn quoted_strings_are_literal_even_when_they_look_like_lookups_or_numbers() {
    assert_eq!(
        single("a='{user.id}'").kind,
        ValueKind::Quoted("{user.id}".into())
    );
    assert_eq!(single("a=':p'").kind, ValueKind::Quoted(":p".into()));
    assert_eq!(single("a='and'").kind, ValueKind::Quoted("and".into()));
}

#[test]
fn bare_values_cover_numbers_words_dates_emails_and_patterns() {
    for bare in [
        "42",
        "-1.5",
        "1e3",
        "1e+3",
        "+49",
        ".5",
        "open",
        "true",
        "null",
        "2024-01-31",
        "2024-01-31T10:00:00Z",
        "10:30",
        "a@b.com",
        "first.last+tag@example.org",
        "G%",
        "%a_b%",
        "http://x.org/p",
        "$1",
        "München",
        "東京",
    ] {
        assert_eq!(
            single(&format!("a={bare}")).kind,
            ValueKind::Bare(bare.into()),
            "{bare}"
        );
    }
}

#[test]
fn bare_values_end_at_whitespace_parentheses_and_commas() {
    assert_eq!(s("(a=x)and(b=y)"), "(and (= a x) (= b y))");
    assert_eq!(s("a in (x,y)"), "(in a [x y])");
    assert_eq!(s("a=x or b=y"), "(or (= a x) (= b y))");
}

#[test]
fn params_are_names_without_the_colon() {
    assert_eq!(single("name = :n").kind, ValueKind::Param("n".into()));
    assert_eq!(
        single("name=:user_id2").kind,
        ValueKind::Param("user_id2".into())
    );
    assert_eq!(s("a in (:x, :y)"), "(in a [:x :y])");
}

#[test]
fn lookups_are_names_without_the_braces() {
    assert_eq!(
        single("owner = {user.id}").kind,
        ValueKind::Lookup("user.id".into())
    );
    assert_eq!(
        single("r={role.name}").kind,
        ValueKind::Lookup("role.name".into())
    );
    assert_eq!(
        single("x={my_lookup}").kind,
        ValueKind::Lookup("my_lookup".into())
    );
    let modifier = single("n={strtoupper(user.name)}").kind;
    assert_eq!(modifier, ValueKind::Lookup("strtoupper(user.name)".into()));
}

#[test]
fn field_names_allow_any_script_digits_underscore_and_dollar() {
    for field in [
        "a",
        "first_name",
        "_x",
        "$id",
        "col2",
        "prénom",
        "名前",
        "Ünïcödé_9",
    ] {
        assert_eq!(comparison(&format!("{field}=1")).field.name, field);
    }
}

#[test]
fn field_names_keep_the_case_the_client_typed() {
    assert_eq!(comparison("First_Name = 'x'").field.name, "First_Name");
}

#[test]
fn spans_point_at_the_field_the_value_and_the_whole_comparison() {
    let input = "(x = 1) and  last_name LIKE 'G%'";
    let Expr::And(items) = ok(input) else {
        panic!()
    };
    let Expr::Compare(c) = &items[1] else {
        panic!()
    };
    assert_eq!(&input[c.field.span.start..c.field.span.end], "last_name");
    assert_eq!(&input[c.span.start..c.span.end], "last_name LIKE 'G%'");
    let Operand::Single(v) = &c.operand else {
        panic!()
    };
    assert_eq!(v.span, Span::new(28, 32));
}

#[test]
fn spans_include_quotes_colons_braces_and_list_parentheses() {
    let span_of = |input: &str| {
        let c = comparison(input);
        let value_span = match &c.operand {
            Operand::Single(v) => v.span,
            _ => c.span,
        };
        (c.span, value_span)
    };
    assert_eq!(span_of("a = 'x'"), (Span::new(0, 7), Span::new(4, 7)));
    assert_eq!(span_of("a = :p"), (Span::new(0, 6), Span::new(4, 6)));
    assert_eq!(span_of("a = {u.id}"), (Span::new(0, 10), Span::new(4, 10)));
    assert_eq!(
        span_of("a in (1, 2) "),
        (Span::new(0, 11), Span::new(0, 11))
    );
    assert_eq!(
        span_of("a is not null"),
        (Span::new(0, 13), Span::new(0, 13))
    );
    assert_eq!(
        span_of("a between 1 and 22"),
        (Span::new(0, 18), Span::new(0, 18))
    );
}

#[test]
fn spans_are_byte_offsets_even_after_multibyte_text() {
    let input = "é = 'ü' and b = 1";
    let Expr::And(items) = ok(input) else {
        panic!()
    };
    let Expr::Compare(b) = &items[1] else {
        panic!()
    };
    assert_eq!(b.field.span, Span::new(14, 15));
    assert_eq!(&input[b.span.start..b.span.end], "b = 1");
}

#[test]
fn for_each_comparison_visits_comparisons_left_to_right() {
    let expr = ok("a=1 or not (b=2 and c in (3))");
    let mut fields = Vec::new();
    expr.for_each_comparison(&mut |c| fields.push(c.field.name.as_str()));
    assert_eq!(fields, ["a", "b", "c"]);
}

#[test]
fn strip_spans_makes_differently_written_filters_equal() {
    let a = ok("(A = 'x')AND(b IN (1,2))");
    let b = ok("A eq \"x\" && b in ( 1 , 2 )");
    assert_ne!(a, b);
    assert_eq!(a.strip_spans(), b.strip_spans());
}
