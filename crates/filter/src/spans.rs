//! Span helpers: comparing ASTs by meaning only (tests, caches keyed by filter shape).

use crate::ast::{Comparison, Expr, Ident, Operand, Span, Value};

impl Expr {
    /// A copy with every span reset to `Span::default()`, so two ASTs parsed from
    /// differently spaced or cased text compare equal when they mean the same thing.
    pub fn strip_spans(&self) -> Expr {
        match self {
            Expr::And(items) => Expr::And(items.iter().map(Expr::strip_spans).collect()),
            Expr::Or(items) => Expr::Or(items.iter().map(Expr::strip_spans).collect()),
            Expr::Not(inner) => Expr::Not(Box::new(inner.strip_spans())),
            Expr::Compare(cmp) => Expr::Compare(cmp.strip_spans()),
        }
    }

    /// Calls `f` on every comparison, left to right (e.g. to resolve each field name
    /// against a schema and report the first unknown one with its span).
    pub fn for_each_comparison<'e>(&'e self, f: &mut impl FnMut(&'e Comparison)) {
        match self {
            Expr::And(items) | Expr::Or(items) => {
                items.iter().for_each(|item| item.for_each_comparison(f))
            }
            Expr::Not(inner) => inner.for_each_comparison(f),
            Expr::Compare(cmp) => f(cmp),
        }
    }
}

impl Comparison {
    /// See [`Expr::strip_spans`].
    pub fn strip_spans(&self) -> Comparison {
        Comparison {
            field: Ident {
                name: self.field.name.clone(),
                span: Span::default(),
            },
            op: self.op,
            operand: match &self.operand {
                Operand::None => Operand::None,
                Operand::Single(v) => Operand::Single(strip(v)),
                Operand::List(vs) => Operand::List(vs.iter().map(strip).collect()),
                Operand::Range(low, high) => Operand::Range(strip(low), strip(high)),
            },
            span: Span::default(),
        }
    }
}

fn strip(value: &Value) -> Value {
    Value {
        kind: value.kind.clone(),
        span: Span::default(),
    }
}
