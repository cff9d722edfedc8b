//! Comparisons: `field op operand`, where the operator fixes the operand's shape (no value,
//! one value, a parenthesised list, or a `between` range).

use super::{Parser, is_logical_word, is_word};
use crate::ast::{CompareOp, Comparison, Ident, Operand, Span, Value, ValueKind};
use crate::error::{ParseError, ParseErrorKind, quote_found};
use crate::lexer::{Token, TokenKind, unescape};

/// Operators that DreamFactory passes through or SQL has, refused by name so the client
/// learns it is a choice and not a typo. Every other word is simply "not an operator".
const UNSUPPORTED: &[&str] = &[
    "all", "any", "some", "ilike", "regexp", "rlike", "glob", "match", "similar", "exists",
];

impl<'a> Parser<'a> {
    /// `comparison = field operator operand`; `name` (at `span`) is already known to be an
    /// identifier.
    pub(super) fn parse_comparison(
        &mut self,
        name: &'a str,
        span: Span,
    ) -> Result<Comparison, ParseError> {
        if name.eq_ignore_ascii_case("select") && !self.symbol_operator_follows() {
            return Err(ParseError::new(ParseErrorKind::Subquery, span));
        }
        self.refuse_call(name, span)?;
        let field = Ident {
            name: name.to_owned(),
            span,
        };
        let (op, op_span) = self.parse_operator(name)?;
        let after = self.quoted_text(op_span);
        let operand = match op {
            CompareOp::IsNull | CompareOp::IsNotNull => Operand::None,
            CompareOp::In | CompareOp::NotIn => Operand::List(self.parse_list()?),
            CompareOp::Between | CompareOp::NotBetween => {
                let low = self.parse_value(&after)?;
                // This `and` belongs to `between`; the logical layer never sees it.
                let and = self.next()?;
                if !is_word(and, "and") {
                    return Err(
                        self.unexpected(and, format!("'and' after the first value of {after}"))
                    );
                }
                Operand::Range(low, self.parse_value("'and'")?)
            }
            _ => Operand::Single(self.parse_value(&after)?),
        };
        let span = Span::new(span.start, self.last_end);
        self.count_node(span)?;
        Ok(Comparison {
            field,
            op,
            operand,
            span,
        })
    }

    /// The operator after `field`, with the span of all its words.
    fn parse_operator(&mut self, field: &str) -> Result<(CompareOp, Span), ParseError> {
        let tok = self.next()?;
        let op = match tok.kind {
            TokenKind::Eq => CompareOp::Eq,
            TokenKind::Ne => CompareOp::Ne,
            TokenKind::Gt => CompareOp::Gt,
            TokenKind::Ge => CompareOp::Ge,
            TokenKind::Lt => CompareOp::Lt,
            TokenKind::Le => CompareOp::Le,
            TokenKind::Word(w) => match w.to_ascii_lowercase().as_str() {
                "eq" => CompareOp::Eq,
                "ne" => CompareOp::Ne,
                "gt" => CompareOp::Gt,
                "ge" | "gte" => CompareOp::Ge,
                "lt" => CompareOp::Lt,
                "le" | "lte" => CompareOp::Le,
                "like" => CompareOp::Like,
                "in" => CompareOp::In,
                "contains" => CompareOp::Contains,
                "between" => CompareOp::Between,
                "starts" => self.expect_with(tok, CompareOp::StartsWith)?,
                "ends" => self.expect_with(tok, CompareOp::EndsWith)?,
                "is" => self.parse_is()?,
                "not" => self.parse_negated()?,
                other if UNSUPPORTED.contains(&other) => {
                    let kind = ParseErrorKind::UnsupportedOperator(other.to_owned());
                    return Err(ParseError::new(kind, tok.span));
                }
                _ => return Err(self.expected_operator(tok, field)),
            },
            _ => return Err(self.expected_operator(tok, field)),
        };
        Ok((op, Span::new(tok.span.start, self.last_end)))
    }

    fn expected_operator(&self, tok: Token<'a>, field: &str) -> ParseError {
        let expected = format!("a comparison operator after {}", quote_found(field));
        self.unexpected(tok, expected)
    }

    /// After `starts` / `ends`: the `with`.
    fn expect_with(&mut self, word: Token<'a>, op: CompareOp) -> Result<CompareOp, ParseError> {
        let tok = self.next()?;
        if is_word(tok, "with") {
            return Ok(op);
        }
        let expected = format!("'with' after {}", self.quoted_text(word.span));
        Err(self.unexpected(tok, expected))
    }

    /// After `is`: `null` or `not null`.
    fn parse_is(&mut self) -> Result<CompareOp, ParseError> {
        let tok = self.next()?;
        if is_word(tok, "null") {
            return Ok(CompareOp::IsNull);
        }
        if !is_word(tok, "not") {
            return Err(self.unexpected(tok, "'null' or 'not null' after 'is'"));
        }
        let tok = self.next()?;
        if is_word(tok, "null") {
            return Ok(CompareOp::IsNotNull);
        }
        Err(self.unexpected(tok, "'null' after 'is not'"))
    }

    /// After a `not` in operator position: the negated operator.
    fn parse_negated(&mut self) -> Result<CompareOp, ParseError> {
        let tok = self.next()?;
        let op = match tok.kind {
            TokenKind::Word(w) => match w.to_ascii_lowercase().as_str() {
                "like" => Some(CompareOp::NotLike),
                "in" => Some(CompareOp::NotIn),
                "contains" => Some(CompareOp::NotContains),
                "between" => Some(CompareOp::NotBetween),
                "starts" => Some(self.expect_with(tok, CompareOp::NotStartsWith)?),
                "ends" => Some(self.expect_with(tok, CompareOp::NotEndsWith)?),
                _ => None,
            },
            _ => None,
        };
        op.ok_or_else(|| {
            let expected = "'like', 'in', 'contains', 'starts with', 'ends with' or 'between' \
                            after 'not'";
            self.unexpected(tok, expected)
        })
    }

    /// `list = "(" value { "," value } ")"`, at most `max_in_list` values.
    fn parse_list(&mut self) -> Result<Vec<Value>, ParseError> {
        let open = self.next()?;
        if open.kind != TokenKind::LParen {
            return Err(ParseError::new(
                ParseErrorKind::ListWithoutParentheses,
                open.span,
            ));
        }
        self.refuse_subquery(open)?;
        let mut values = Vec::new();
        let mut after = "'('";
        loop {
            let value = self.parse_value(after)?;
            if values.len() == self.limits.max_in_list {
                let kind = ParseErrorKind::ListTooLong {
                    max: self.limits.max_in_list,
                };
                return Err(ParseError::new(kind, value.span));
            }
            values.push(value);
            let sep = self.next()?;
            match sep.kind {
                TokenKind::Comma => after = "','",
                TokenKind::RParen => return Ok(values),
                TokenKind::End => {
                    return Err(ParseError::new(ParseErrorKind::UnclosedParen, open.span));
                }
                _ => return Err(self.unexpected(sep, "',' or ')' in the value list")),
            }
        }
    }

    /// `value = quoted | bare | ":" name | "{" lookup "}"`; `after` names what precedes it,
    /// already quoted, for the error message.
    fn parse_value(&mut self, after: &str) -> Result<Value, ParseError> {
        let tok = self.next()?;
        let kind = match tok.kind {
            TokenKind::Quoted { raw, quote } => ValueKind::Quoted(unescape(raw, quote)),
            TokenKind::Param(name) => ValueKind::Param(name.to_owned()),
            TokenKind::Lookup(name) => ValueKind::Lookup(name.to_owned()),
            TokenKind::Word(w) if !is_logical_word(w) => {
                self.refuse_call(w, tok.span)?;
                ValueKind::Bare(w.to_owned())
            }
            TokenKind::LParen => {
                // DreamFactory inlined parenthesised values as raw SQL; we take none.
                self.refuse_subquery(tok)?;
                return Err(self.unexpected(tok, format!("a value after {after}")));
            }
            _ => return Err(self.unexpected(tok, format!("a value after {after}"))),
        };
        Ok(Value {
            kind,
            span: tok.span,
        })
    }

    /// A word directly followed by `(` is a function call, which clients never get: nothing
    /// the client typed is ever pasted into SQL.
    fn refuse_call(&mut self, name: &str, span: Span) -> Result<(), ParseError> {
        let next = self.peek()?;
        if next.kind == TokenKind::LParen && next.span.start == span.end {
            let kind = ParseErrorKind::FunctionCall(name.to_owned());
            return Err(ParseError::new(kind, Span::new(span.start, next.span.end)));
        }
        Ok(())
    }

    /// `(select ...`, reported as what it is rather than as a bad value.
    fn refuse_subquery(&mut self, open: Token<'a>) -> Result<(), ParseError> {
        let next = self.peek()?;
        if is_word(next, "select") {
            let span = Span::new(open.span.start, next.span.end);
            return Err(ParseError::new(ParseErrorKind::Subquery, span));
        }
        Ok(())
    }

    /// Whether a symbol comparison operator comes next, so that a column really named
    /// `select` can still be compared while `select * from t` is called a subquery.
    fn symbol_operator_follows(&mut self) -> bool {
        matches!(
            self.peek().map(|t| t.kind),
            Ok(TokenKind::Eq
                | TokenKind::Ne
                | TokenKind::Gt
                | TokenKind::Ge
                | TokenKind::Lt
                | TokenKind::Le)
        )
    }
}
