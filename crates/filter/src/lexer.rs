//! The tokenizer. It is pulled one token at a time by the parser (rather than tokenizing the
//! whole input up front) so the error reported is always the first one in reading order.
//!
//! Words are deliberately one token class: a field name, a keyword and a bare value all lex
//! the same way and the parser decides by position. That keeps `status=open`, `age>=30` and
//! `)AND(` working without spaces while a bare value such as `2024-01-31` or `a@b.com` stays
//! one token.

use crate::ast::Span;
use crate::error::{ParseError, ParseErrorKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: TokenKind<'a>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind<'a> {
    LParen,
    RParen,
    Comma,
    /// `=`
    Eq,
    /// `!=` or `<>`
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    /// `&&`
    AndAnd,
    /// `||`
    OrOr,
    /// A run of word characters: field, keyword or bare value.
    Word(&'a str),
    /// The text between the quotes, still with doubled quotes (unescaped on demand, so
    /// tokens stay `Copy`).
    Quoted {
        raw: &'a str,
        quote: char,
    },
    /// `:name`, without the colon.
    Param(&'a str),
    /// `{name}`, without the braces.
    Lookup(&'a str),
    End,
}

pub(crate) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str) -> Self {
        Self { input, pos: 0 }
    }

    pub fn next_token(&mut self) -> Result<Token<'a>, ParseError> {
        let rest = &self.input[self.pos..];
        let trimmed = rest.trim_start();
        self.pos += rest.len() - trimmed.len();
        let start = self.pos;
        let Some(c) = trimmed.chars().next() else {
            return Ok(self.token(TokenKind::End, start));
        };
        let next = trimmed[c.len_utf8()..].chars().next();
        if is_comment_start(c, next) {
            return Err(self.error(ParseErrorKind::Comment, start, start + 2));
        }
        let two = |kind| (kind, 2);
        let (kind, len) = match (c, next) {
            ('(', _) => (TokenKind::LParen, 1),
            (')', _) => (TokenKind::RParen, 1),
            (',', _) => (TokenKind::Comma, 1),
            ('=', _) => (TokenKind::Eq, 1),
            ('!', Some('=')) => two(TokenKind::Ne),
            ('<', Some('>')) => two(TokenKind::Ne),
            ('<', Some('=')) => two(TokenKind::Le),
            ('<', _) => (TokenKind::Lt, 1),
            ('>', Some('=')) => two(TokenKind::Ge),
            ('>', _) => (TokenKind::Gt, 1),
            ('&', Some('&')) => two(TokenKind::AndAnd),
            ('|', Some('|')) => two(TokenKind::OrOr),
            ('\'' | '"', _) => return self.quoted(c),
            ('{', _) => return self.lookup(),
            _ if is_word_char(c) => return self.word(),
            _ => {
                let kind = ParseErrorKind::UnexpectedChar(c);
                return Err(self.error(kind, start, start + c.len_utf8()));
            }
        };
        self.pos += len;
        Ok(self.token(kind, start))
    }

    fn token(&self, kind: TokenKind<'a>, start: usize) -> Token<'a> {
        Token {
            kind,
            span: Span::new(start, self.pos),
        }
    }

    fn error(&self, kind: ParseErrorKind, start: usize, end: usize) -> ParseError {
        ParseError::new(kind, Span::new(start, end))
    }

    /// `'...'` or `"..."`; the same quote doubled stands for itself. Quote characters are
    /// ASCII, so scanning bytes is safe in UTF-8.
    fn quoted(&mut self, quote: char) -> Result<Token<'a>, ParseError> {
        let start = self.pos;
        let q = quote as u8;
        let bytes = self.input.as_bytes();
        let mut i = start + 1;
        while i < bytes.len() {
            if bytes[i] == q {
                if bytes.get(i + 1) == Some(&q) {
                    i += 2;
                    continue;
                }
                self.pos = i + 1;
                let raw = &self.input[start + 1..i];
                return Ok(self.token(TokenKind::Quoted { raw, quote }, start));
            }
            i += 1;
        }
        let kind = ParseErrorKind::UnterminatedString { quote };
        Err(self.error(kind, start, self.input.len()))
    }

    /// `{name}`; the name is resolved later against a closed set of lookups, but its
    /// characters are still an allowlist so nothing odd travels further.
    fn lookup(&mut self) -> Result<Token<'a>, ParseError> {
        let start = self.pos;
        let body = &self.input[start + 1..];
        let name_len = body
            .find(|c: char| !is_lookup_char(c))
            .unwrap_or(body.len());
        let name = &body[..name_len];
        let after = start + 1 + name_len;
        match body[name_len..].chars().next() {
            Some('}') if !name.is_empty() => {
                self.pos = after + 1;
                Ok(self.token(TokenKind::Lookup(name), start))
            }
            Some(c) => Err(self.error(ParseErrorKind::InvalidLookup, start, after + c.len_utf8())),
            None => Err(self.error(ParseErrorKind::UnterminatedLookup, start, after)),
        }
    }

    fn word(&mut self) -> Result<Token<'a>, ParseError> {
        let start = self.pos;
        let rest = &self.input[start..];
        let mut end = rest.len();
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if !is_word_char(c) {
                end = i;
                break;
            }
            // A comment opener inside a word (`1--`, `x/*`) is still a comment.
            if is_comment_start(c, chars.peek().map(|&(_, n)| n)) {
                return Err(self.error(ParseErrorKind::Comment, start + i, start + i + 2));
            }
        }
        self.pos = start + end;
        let text = &rest[..end];
        let kind = match text.strip_prefix(':') {
            Some(name) if is_identifier(name) => TokenKind::Param(name),
            Some(_) => return Err(self.error(ParseErrorKind::InvalidParam, start, self.pos)),
            None => TokenKind::Word(text),
        };
        Ok(self.token(kind, start))
    }
}

fn is_comment_start(c: char, next: Option<char>) -> bool {
    matches!((c, next), ('-', Some('-')) | ('/', Some('*')))
}

/// Characters of a word (field, keyword or bare value). An allowlist, never a blocklist:
/// letters and digits of any script plus the punctuation that numbers, dates, times, e-mail
/// addresses and LIKE patterns need. Anything else must be quoted.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '$' | '.' | '-' | '+' | '@' | '%' | ':' | '/')
}

fn is_lookup_char(c: char) -> bool {
    // `(` and `)` allow DreamFactory's modifier form, `{strtoupper(user.name)}`.
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '(' | ')')
}

/// A field or parameter name: letters (any script), digits, `_` and `$`, not starting with
/// a digit.
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// Valid text for a bare value as the lexer produces it: non-empty word characters, no
/// comment opener, no leading `:`. The round-trip tests generate bare values with it.
#[cfg(test)]
pub(crate) fn is_bare_value(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(':')
        && s.chars().all(is_word_char)
        && !s.contains("--")
        && !s.contains("/*")
}

/// Undoes the doubled-quote escaping of a quoted token.
pub(crate) fn unescape(raw: &str, quote: char) -> String {
    let doubled = if quote == '\'' { "''" } else { "\"\"" };
    if raw.contains(doubled) {
        raw.replace(doubled, &doubled[..1])
    } else {
        raw.to_owned()
    }
}
