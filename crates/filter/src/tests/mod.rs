//! Unit tests. Most assert on [`sexpr`], a fully parenthesised rendering of the AST, so the
//! structure (precedence, flattening, operand shapes) is visible in one string, the way a
//! snapshot would show it.

mod bounds;
mod docs;
mod dreamfactory;
mod errors;
mod logic;
mod noisy;
mod operators;
mod refusals;
mod roundtrip;
mod security;
mod values;

use crate::{Expr, Limits, Operand, ParseError, ValueKind, parse};

/// Parses with the default limits, panicking with the message on failure.
fn ok(input: &str) -> Expr {
    parse(input, &Limits::default()).unwrap_or_else(|e| panic!("{input:?} failed: {e}"))
}

/// Parses with the default limits, panicking if it succeeds.
fn err(input: &str) -> ParseError {
    match parse(input, &Limits::default()) {
        Ok(expr) => panic!("{input:?} parsed as {}", sexpr(&expr)),
        Err(e) => e,
    }
}

/// The structure of a parse, e.g. `(or (= a 1) (and (= b 2) (= c 3)))`.
fn s(input: &str) -> String {
    sexpr(&ok(input))
}

fn sexpr(expr: &Expr) -> String {
    match expr {
        Expr::And(items) => group("and", items),
        Expr::Or(items) => group("or", items),
        Expr::Not(inner) => format!("(not {})", sexpr(inner)),
        Expr::Compare(c) => {
            let operand = match &c.operand {
                Operand::None => String::new(),
                Operand::Single(v) => format!(" {}", value(&v.kind)),
                Operand::List(vs) => {
                    let vs: Vec<_> = vs.iter().map(|v| value(&v.kind)).collect();
                    format!(" [{}]", vs.join(" "))
                }
                Operand::Range(lo, hi) => format!(" {} {}", value(&lo.kind), value(&hi.kind)),
            };
            format!("({} {}{operand})", c.op, c.field.name)
        }
    }
}

fn group(op: &str, items: &[Expr]) -> String {
    let items: Vec<_> = items.iter().map(sexpr).collect();
    format!("({op} {})", items.join(" "))
}

/// Values keep their kind visible: `'quoted'`, `bare`, `:param`, `{lookup}`.
fn value(kind: &ValueKind) -> String {
    kind.to_string()
}
