//! Parse errors: a kind plus the byte span of the offending text. The `Display` text is
//! client-facing (plain UTF-8, no HTML entities) and, for syntax errors, starts with
//! DreamFactory's own wording so clients matching on it keep working.

use std::fmt;

use crate::ast::Span;

/// DreamFactory's message for any filter it cannot parse; we append the precise detail.
pub const SYNTAX_ERROR_PREFIX: &str = "Invalid or unparsable filter request";

/// Why a filter was rejected, and where (`span` is a byte range into the filter text; for
/// errors at the end of the input it is the empty range `len..len`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub span: Span,
}

/// What went wrong. The bound errors (`TooLong`, `TooManyNodes`, `TooDeep`, `ListTooLong`)
/// are separate from syntax errors so the gateway can give each its own error code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The filter is empty or only whitespace (callers skip empty filters themselves).
    Empty,
    /// `len` characters, more than `max`.
    TooLong { len: usize, max: usize },
    /// More than `max` comparisons, `not`s and `and`/`or` groups.
    TooManyNodes { max: usize },
    /// More than `max` nested parentheses and `not`s.
    TooDeep { max: usize },
    /// More than `max` values in an `in (...)` list.
    ListTooLong { max: usize },
    /// A token other than the grammar allows here. `found` is the offending text, quoted
    /// and shortened.
    UnexpectedToken { expected: String, found: String },
    /// The filter ended where `expected` was still needed.
    UnexpectedEnd { expected: String },
    /// A character that no token starts with (`;`, backtick, `*`, `#`, ...).
    UnexpectedChar(char),
    /// A `'...'` or `"..."` string without its closing quote.
    UnterminatedString { quote: char },
    /// A `{lookup}` without its closing `}`.
    UnterminatedLookup,
    /// A `{...}` whose content is not a lookup name.
    InvalidLookup,
    /// A `:` not followed by a parameter name.
    InvalidParam,
    /// A `(` that is never closed; the span is the `(`.
    UnclosedParen,
    /// A `)` without a matching `(`.
    UnmatchedParen,
    /// An operator DreamFactory knows (or SQL has) but we deliberately do not support,
    /// lower-cased: `nor`, `xor`, `all`, `ilike`, ...
    UnsupportedOperator(String),
    /// `name(` : SQL functions are never accepted from clients.
    FunctionCall(String),
    /// `(select ...)`.
    Subquery,
    /// `--` or `/*`.
    Comment,
    /// `in` / `not in` without `( ... )`, DreamFactory's own message.
    ListWithoutParentheses,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind, span: Span) -> Self {
        Self { kind, span }
    }

    /// True for the four bound errors, false for syntax errors.
    pub fn is_limit(&self) -> bool {
        matches!(
            self.kind,
            ParseErrorKind::TooLong { .. }
                | ParseErrorKind::TooManyNodes { .. }
                | ParseErrorKind::TooDeep { .. }
                | ParseErrorKind::ListTooLong { .. }
        )
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ParseErrorKind as K;
        let at = SpanText(self.span);
        let p = SYNTAX_ERROR_PREFIX;
        match &self.kind {
            K::Empty => write!(f, "{p}: the filter is empty."),
            K::TooLong { len, max } => {
                write!(
                    f,
                    "Filter is too long: {len} characters, the limit is {max}."
                )
            }
            K::TooManyNodes { max } => write!(
                f,
                "Filter is too complex: the limit is {max} conditions and logical operators, \
                 exceeded {at}."
            ),
            K::TooDeep { max } => write!(
                f,
                "Filter is nested too deeply: the limit is {max} levels of parentheses and \
                 'not', exceeded {at}."
            ),
            K::ListTooLong { max } => write!(
                f,
                "Filter value list is too long: the limit is {max} values, exceeded {at}."
            ),
            K::UnexpectedToken { expected, found } => {
                write!(f, "{p}: expected {expected}, found {found} {at}.")
            }
            K::UnexpectedEnd { expected } => {
                write!(
                    f,
                    "{p}: expected {expected}, found the end of the filter {at}."
                )
            }
            K::UnexpectedChar(c) => write!(f, "{p}: unexpected character {c:?} {at}."),
            K::UnterminatedString { quote } => {
                write!(
                    f,
                    "{p}: unterminated string, expected a closing {quote} {at}."
                )
            }
            K::UnterminatedLookup => {
                write!(f, "{p}: unterminated lookup, expected a closing '}}' {at}.")
            }
            K::InvalidLookup => write!(
                f,
                "{p}: expected a lookup name (letters, digits, '_', '.', '-', '(' or ')') \
                 followed by '}}' {at}."
            ),
            K::InvalidParam => write!(
                f,
                "{p}: expected a parameter name (letters, digits, '_' or '$') after ':' {at}."
            ),
            K::UnclosedParen => write!(f, "{p}: the '(' {at} is never closed."),
            K::UnmatchedParen => write!(f, "{p}: the ')' {at} has no matching '('."),
            K::UnsupportedOperator(op) => {
                write!(f, "{p}: the operator '{op}' is not supported {at}")?;
                match op.as_str() {
                    "nor" | "xor" => write!(f, "; use 'and', 'or' and 'not'."),
                    "all" => write!(f, "; use 'in'."),
                    "ilike" => write!(f, "; use 'like'."),
                    _ => write!(f, "."),
                }
            }
            K::FunctionCall(name) => {
                write!(
                    f,
                    "{p}: function calls such as '{name}(' are not supported {at}."
                )
            }
            K::Subquery => write!(f, "{p}: subqueries are not supported {at}."),
            K::Comment => write!(f, "{p}: comments are not supported {at}."),
            K::ListWithoutParentheses => write!(
                f,
                "Filter value lists must be wrapped in parentheses: expected '(' {at}."
            ),
        }
    }
}

impl std::error::Error for ParseError {}

/// Renders `at 3..7`: byte offsets, half-open, as in the AST.
struct SpanText(Span);

impl fmt::Display for SpanText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}..{}", self.0.start, self.0.end)
    }
}

/// Quotes a piece of the client's text for a message, shortened so a 5,000-character string
/// cannot bloat the error body.
pub(crate) fn quote_found(text: &str) -> String {
    const MAX_CHARS: usize = 32;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("'{}...'", &text[..cut]),
        None => format!("'{text}'"),
    }
}
