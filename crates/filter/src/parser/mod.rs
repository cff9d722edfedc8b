//! Recursive descent over the lexer's tokens: the logical layer (`or` < `and` < `not` <
//! parentheses) lives here, comparisons and values in [`comparison`].
//!
//! Every recursion goes through [`Parser::enter`], which enforces `max_depth`, so the stack
//! used is bounded whatever the input. `and`/`or` chains are loops, not recursion, and are
//! flattened into one node as the AST promises.

mod comparison;

use crate::ast::{Expr, Span};
use crate::error::{ParseError, ParseErrorKind, quote_found};
use crate::lexer::{Lexer, Token, TokenKind, is_identifier};
use crate::limits::Limits;

pub(crate) struct Parser<'a> {
    input: &'a str,
    lexer: Lexer<'a>,
    /// One token of lookahead is all the grammar needs.
    peeked: Option<Token<'a>>,
    /// End of the last consumed token, to close comparison spans.
    last_end: usize,
    limits: &'a Limits,
    nodes: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    pub fn new(input: &'a str, limits: &'a Limits) -> Self {
        Self {
            input,
            lexer: Lexer::new(input),
            peeked: None,
            last_end: 0,
            limits,
            nodes: 0,
            depth: 0,
        }
    }

    /// `filter = or_expr EOF`
    pub fn parse_filter(mut self) -> Result<Expr, ParseError> {
        let expr = self.parse_or()?;
        let tok = self.next()?;
        match tok.kind {
            TokenKind::End => Ok(expr),
            TokenKind::RParen => Err(ParseError::new(ParseErrorKind::UnmatchedParen, tok.span)),
            _ => Err(self.unexpected_after_condition(tok, "'and', 'or' or the end of the filter")),
        }
    }

    /// `or_expr = and_expr { ("or" | "||") and_expr }`
    fn parse_or(&mut self) -> Result<Expr, ParseError> {
        self.parse_chain(TokenKind::OrOr, "or", Self::parse_and, Expr::Or)
    }

    /// `and_expr = not_expr { ("and" | "&&") not_expr }`
    fn parse_and(&mut self) -> Result<Expr, ParseError> {
        self.parse_chain(TokenKind::AndAnd, "and", Self::parse_not, Expr::And)
    }

    /// A chain of operands joined by one logical operator, flattened into a single node
    /// (or just the operand when there is no operator).
    fn parse_chain(
        &mut self,
        symbol: TokenKind<'static>,
        keyword: &str,
        operand: fn(&mut Self) -> Result<Expr, ParseError>,
        group: fn(Vec<Expr>) -> Expr,
    ) -> Result<Expr, ParseError> {
        let mut first = Some(operand(self)?);
        let mut items = Vec::new();
        loop {
            let tok = self.peek()?;
            if !(tok.kind == symbol || is_word(tok, keyword)) {
                break;
            }
            self.next()?;
            if let Some(first) = first.take() {
                // The group is one node however long the chain: count it at its first operator.
                self.count_node(tok.span)?;
                items.push(first);
            }
            items.push(operand(self)?);
        }
        Ok(first.unwrap_or_else(|| group(items)))
    }

    /// `not_expr = "not" not_expr | primary`
    fn parse_not(&mut self) -> Result<Expr, ParseError> {
        let tok = self.peek()?;
        if !is_word(tok, "not") {
            return self.parse_primary();
        }
        self.next()?;
        self.enter(tok.span)?;
        self.count_node(tok.span)?;
        let inner = self.parse_not()?;
        self.depth -= 1;
        Ok(Expr::Not(Box::new(inner)))
    }

    /// `primary = "(" or_expr ")" | comparison`
    fn parse_primary(&mut self) -> Result<Expr, ParseError> {
        let tok = self.next()?;
        match tok.kind {
            TokenKind::LParen => {
                self.enter(tok.span)?;
                let inner = self.parse_or()?;
                let close = self.next()?;
                match close.kind {
                    TokenKind::RParen => {}
                    TokenKind::End => {
                        return Err(ParseError::new(ParseErrorKind::UnclosedParen, tok.span));
                    }
                    _ => return Err(self.unexpected_after_condition(close, "'and', 'or' or ')'")),
                }
                self.depth -= 1;
                Ok(inner)
            }
            TokenKind::Word(name) if is_identifier(name) && !is_logical_word(name) => {
                self.parse_comparison(name, tok.span).map(Expr::Compare)
            }
            _ => Err(self.unexpected(tok, "a field name, 'not' or '('")),
        }
    }

    fn peek(&mut self) -> Result<Token<'a>, ParseError> {
        if let Some(tok) = self.peeked {
            return Ok(tok);
        }
        let tok = self.lexer.next_token()?;
        self.peeked = Some(tok);
        Ok(tok)
    }

    fn next(&mut self) -> Result<Token<'a>, ParseError> {
        let tok = self.peek()?;
        self.peeked = None;
        if tok.kind != TokenKind::End {
            self.last_end = tok.span.end;
        }
        Ok(tok)
    }

    /// One level deeper (a `(` or a `not`), refused past `max_depth`.
    fn enter(&mut self, span: Span) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            let kind = ParseErrorKind::TooDeep {
                max: self.limits.max_depth,
            };
            return Err(ParseError::new(kind, span));
        }
        Ok(())
    }

    fn count_node(&mut self, span: Span) -> Result<(), ParseError> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            let kind = ParseErrorKind::TooManyNodes {
                max: self.limits.max_nodes,
            };
            return Err(ParseError::new(kind, span));
        }
        Ok(())
    }

    /// The error for `tok` where `expected` was wanted.
    fn unexpected(&self, tok: Token<'a>, expected: impl Into<String>) -> ParseError {
        let expected = expected.into();
        let kind = match tok.kind {
            TokenKind::End => ParseErrorKind::UnexpectedEnd { expected },
            _ => ParseErrorKind::UnexpectedToken {
                expected,
                found: quote_found(self.text(tok.span)),
            },
        };
        ParseError::new(kind, tok.span)
    }

    /// Like [`Self::unexpected`], but names `nor`/`xor` as unsupported rather than unknown:
    /// DreamFactory passes them through, so clients may well try them.
    fn unexpected_after_condition(&self, tok: Token<'a>, expected: &str) -> ParseError {
        match tok.kind {
            TokenKind::Word(w)
                if w.eq_ignore_ascii_case("nor") || w.eq_ignore_ascii_case("xor") =>
            {
                let kind = ParseErrorKind::UnsupportedOperator(w.to_ascii_lowercase());
                ParseError::new(kind, tok.span)
            }
            _ => self.unexpected(tok, expected),
        }
    }

    fn text(&self, span: Span) -> &'a str {
        &self.input[span.start..span.end]
    }

    /// The client's text at `span` for a message: quoted, shortened, and with whitespace
    /// runs collapsed so `NOT   LIKE` reads `'NOT LIKE'`.
    fn quoted_text(&self, span: Span) -> String {
        let words: Vec<&str> = self.text(span).split_whitespace().collect();
        quote_found(&words.join(" "))
    }
}

/// Is `tok` the keyword `kw` (case-insensitive)?
fn is_word(tok: Token<'_>, kw: &str) -> bool {
    matches!(tok.kind, TokenKind::Word(w) if w.eq_ignore_ascii_case(kw))
}

/// `and`, `or` and `not` are reserved: they can be neither a field name nor a bare value
/// (quote them to compare with the text `'and'`).
fn is_logical_word(w: &str) -> bool {
    ["and", "or", "not"]
        .iter()
        .any(|kw| w.eq_ignore_ascii_case(kw))
}
