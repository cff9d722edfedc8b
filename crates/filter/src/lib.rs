#![doc = include_str!("../README.md")]
//!
//! # Grammar
//!
//! ```text
//! filter      = or_expr ;
//! or_expr     = and_expr , { ( "or" | "||" ) , and_expr } ;
//! and_expr    = not_expr , { ( "and" | "&&" ) , not_expr } ;
//! not_expr    = "not" , not_expr | primary ;
//! primary     = "(" , or_expr , ")" | comparison ;
//!
//! comparison  = field , ( symbol_op , value
//!                       | [ "not" ] , ( "like" | "contains" | "starts" , "with"
//!                                     | "ends" , "with" ) , value
//!                       | [ "not" ] , "in" , list
//!                       | [ "not" ] , "between" , value , "and" , value
//!                       | "is" , [ "not" ] , "null" ) ;
//! symbol_op   = "=" | "eq" | "!=" | "<>" | "ne" | ">" | "gt" | ">=" | "ge" | "gte"
//!             | "<" | "lt" | "<=" | "le" | "lte" ;
//! list        = "(" , value , { "," , value } , ")" ;
//!
//! value       = quoted | bare | param | lookup ;
//! quoted      = "'" , { ? any char but ' ? | "''" } , "'"
//!             | '"' , { ? any char but " ? | '""' } , '"' ;
//! param       = ":" , identifier ;
//! lookup      = "{" , lookup_char , { lookup_char } , "}" ;
//! field       = identifier ;         (* not "and", "or", "not"; not directly before "(" *)
//! bare        = word ;               (* not "and", "or", "not"; not directly before "(" *)
//!
//! identifier  = ( letter | "_" | "$" ) , { letter | digit | "_" | "$" } ;
//! word        = word_char , { word_char } ;       (* no ":" first, no "--" or "/*" inside *)
//! word_char   = letter | digit | "_" | "$" | "." | "-" | "+" | "@" | "%" | ":" | "/" ;
//! lookup_char = letter | digit | "_" | "." | "-" | "(" | ")" ;
//! ```
//!
//! - **Precedence** is `not` > `and` > `or`; parentheses are optional and nest.
//!   `a=1 or b=2 and c=3` means `a=1 or (b=2 and c=3)`. A chain of one operator is one
//!   flattened node; parentheses the client wrote around a group are kept as nesting.
//! - **Keywords** (`and`, `or`, `not`, `like`, `in`, `is`, `null`, `between`, `contains`,
//!   `starts`, `ends`, `with` and the word operators) are case-insensitive (ASCII).
//!   `and`, `or` and `not` are reserved: never a field, never a bare value (quote them).
//!   The `and` of `between X and Y` belongs to `between`.
//! - **Tokens** may be separated by any Unicode whitespace, which is needed only between two
//!   words: `(a=1)AND(b=2)`, `status=open`, `age>=30` need none.
//! - **Strings** are `'...'` or `"..."`; the quote character doubled stands for itself
//!   (`'O''Brien'` is `O'Brien`). There are no backslash escapes. A quoted value is always
//!   literal text: `'{user.id}'` is not a lookup and `'42'` is not a number.
//! - **Bare values** are words: numbers (`42`, `-1.5`, `1e3`), `true`, `null`, dates and
//!   times (`2024-01-31T10:00:00Z`), e-mail addresses, LIKE patterns (`G%`). They end at
//!   anything that is not a word character. Values are not typed here (a bare `null` stays
//!   the word `null`); the connector types them by column and binds them as parameters.
//! - **Parameters** `:name` are filled from the request's `params`; **lookups** `{user.id}`
//!   are resolved from the session. Both are kept as names here, never substituted as text.
//! - **Refused with their own error**: function calls (`lower(name)`), subqueries
//!   (`(select ...)`), comments (`--`, `/*`), `nor`/`xor`, DreamFactory's `all`, and any
//!   character outside the grammar (`;`, backtick, `*`, `#`, ...).
//!
//! # Bounds
//!
//! Checked by [`parse`] against [`Limits`] (defaults in brackets), each with its own
//! [`ParseErrorKind`]: length in characters, before anything else (8000); AST nodes, where
//! each comparison, `not` and `and`/`or` group counts one (200); nesting of parentheses and
//! `not` (32); values in one `in` list (1000).
//!
//! `docs/filter.md` at the repository root has examples and the DreamFactory differences.

mod ast;
mod error;
mod lexer;
mod limits;
mod parser;
mod print;
mod spans;

#[cfg(test)]
mod tests;

pub use ast::{CompareOp, Comparison, Expr, Ident, Operand, Span, Value, ValueKind};
pub use error::{ParseError, ParseErrorKind, SYNTAX_ERROR_PREFIX};
pub use limits::Limits;

/// Parses a DreamFactory `filter` into an AST whose nodes carry byte spans into `input`.
///
/// # Errors
///
/// A [`ParseError`] with the span of the offending text when `input` is longer than
/// `limits.max_length` characters (checked first, before any other work), is empty or only
/// whitespace, does not follow the grammar, or exceeds another bound of `limits`.
pub fn parse(input: &str, limits: &Limits) -> Result<Expr, ParseError> {
    check_length(input, limits.max_length)?;
    if input.trim().is_empty() {
        let span = Span::new(0, input.len());
        return Err(ParseError::new(ParseErrorKind::Empty, span));
    }
    parser::Parser::new(input, limits).parse_filter()
}

/// The length bound, in characters. Bytes are an upper bound on characters, so the common
/// case costs nothing; only an over-long input is counted (to report its length), and the
/// span points at the text past the limit.
fn check_length(input: &str, max: usize) -> Result<(), ParseError> {
    if input.len() <= max {
        return Ok(());
    }
    match input.char_indices().nth(max) {
        None => Ok(()),
        Some((cut, _)) => {
            let kind = ParseErrorKind::TooLong {
                len: input.chars().count(),
                max,
            };
            Err(ParseError::new(kind, Span::new(cut, input.len())))
        }
    }
}
