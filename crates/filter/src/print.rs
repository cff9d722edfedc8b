//! The canonical printer. For any AST the parser produces, `parse(&expr.to_string())` gives
//! the same AST back (modulo spans): lower-case keywords, symbol operators, single-quoted
//! strings with `'` doubled, one space between tokens.
//!
//! Every `and`/`or` group nested in another group, or under `not`, is parenthesised, and
//! nothing else is. Mixed groups need it for precedence only one way round (`a or (b and c)`
//! would parse the same without), but always writing it makes the grouping obvious to a
//! human reading logs; same-operator groups only nest when the client wrote parentheses
//! (chains are flattened), so printing them keeps the nesting the client wrote.

use std::fmt::{self, Display, Formatter};

use crate::ast::{CompareOp, Comparison, Expr, Ident, Operand, Value, ValueKind};

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::And(items) => write_chain(f, items, " and "),
            Expr::Or(items) => write_chain(f, items, " or "),
            Expr::Not(inner) => {
                f.write_str("not ")?;
                write_operand(f, inner)
            }
            Expr::Compare(cmp) => cmp.fmt(f),
        }
    }
}

fn write_chain(f: &mut Formatter<'_>, items: &[Expr], sep: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write_operand(f, item)?;
    }
    Ok(())
}

/// Operands of `and`, `or` and `not`: groups in parentheses, the rest as they are. `not`
/// binds tighter than both, so `not a = 1 and b = 2` needs none.
fn write_operand(f: &mut Formatter<'_>, expr: &Expr) -> fmt::Result {
    match expr {
        Expr::And(_) | Expr::Or(_) => write!(f, "({expr})"),
        Expr::Not(_) | Expr::Compare(_) => expr.fmt(f),
    }
}

impl Display for Comparison {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.op)?;
        match &self.operand {
            Operand::None => Ok(()),
            Operand::Single(value) => write!(f, " {value}"),
            Operand::Range(low, high) => write!(f, " {low} and {high}"),
            Operand::List(values) => {
                f.write_str(" (")?;
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    value.fmt(f)?;
                }
                f.write_str(")")
            }
        }
    }
}

impl Display for Ident {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl CompareOp {
    /// The canonical spelling, as printed: symbols for the six order operators, lower-case
    /// words for the rest.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Like => "like",
            CompareOp::NotLike => "not like",
            CompareOp::In => "in",
            CompareOp::NotIn => "not in",
            CompareOp::IsNull => "is null",
            CompareOp::IsNotNull => "is not null",
            CompareOp::Contains => "contains",
            CompareOp::NotContains => "not contains",
            CompareOp::StartsWith => "starts with",
            CompareOp::NotStartsWith => "not starts with",
            CompareOp::EndsWith => "ends with",
            CompareOp::NotEndsWith => "not ends with",
            CompareOp::Between => "between",
            CompareOp::NotBetween => "not between",
        }
    }
}

impl Display for CompareOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Display for Value {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl Display for ValueKind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ValueKind::Quoted(text) => write!(f, "'{}'", text.replace('\'', "''")),
            ValueKind::Bare(text) => f.write_str(text),
            ValueKind::Param(name) => write!(f, ":{name}"),
            ValueKind::Lookup(name) => write!(f, "{{{name}}}"),
        }
    }
}
