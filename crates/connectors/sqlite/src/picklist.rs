//! Picklists (DreamFactory's `picklist`, OpenAPI's `enum`) as SQLite can hold them: a
//! `CHECK ("column" IN ('a', 'b', ...))` constraint. `_schema` writes one for a field with a
//! `picklist`; introspection reads them back from the table's CREATE statement. Only that
//! exact shape is recognised; any other CHECK is left alone (and keeps a table from being
//! rebuilt, since it could not be carried over). Core's `picklist_check` writes them.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Identifier(String),
    Text(String),
    Punct(char),
}

/// Splits SQL into identifiers, string literals and punctuation; `None` on an unterminated
/// quote (the catalog never holds one, but the input is treated as untrusted text).
fn tokens(sql: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                let mut text = String::new();
                loop {
                    match chars.next()? {
                        q if q == close && close != ']' && chars.peek() == Some(&close) => {
                            chars.next();
                            text.push(q);
                        }
                        q if q == close => break,
                        other => text.push(other),
                    }
                }
                out.push(if c == '\'' {
                    Token::Text(text)
                } else {
                    Token::Identifier(text)
                });
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut word = String::from(c);
                while let Some(&next) = chars.peek() {
                    if !(next.is_alphanumeric() || next == '_' || next == '$') {
                        break;
                    }
                    word.push(next);
                    chars.next();
                }
                out.push(Token::Word(word));
            }
            other => out.push(Token::Punct(other)),
        }
    }
    Some(out)
}

fn is_word(token: Option<&Token>, word: &str) -> bool {
    matches!(token, Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
}

/// The picklists of a CREATE TABLE statement, as `(column, values)`, and how many CHECK
/// constraints it has in all.
pub(crate) fn picklists(sql: &str) -> (Vec<(String, Vec<String>)>, usize) {
    let Some(tokens) = tokens(sql) else {
        return (Vec::new(), usize::MAX);
    };
    let mut found = Vec::new();
    let mut checks = 0;
    for start in 0..tokens.len() {
        if !is_word(tokens.get(start), "check") {
            continue;
        }
        checks += 1;
        if let Some(picklist) = picklist_at(&tokens[start + 1..]) {
            found.push(picklist);
        }
    }
    (found, checks)
}

/// `( column IN ( 'a' , 'b' ) )` at the start of `tokens`.
fn picklist_at(tokens: &[Token]) -> Option<(String, Vec<String>)> {
    let mut rest = tokens.iter();
    if rest.next()? != &Token::Punct('(') {
        return None;
    }
    let column = match rest.next()? {
        Token::Word(name) | Token::Identifier(name) => name.clone(),
        _ => return None,
    };
    if !is_word(rest.next(), "in") || rest.next()? != &Token::Punct('(') {
        return None;
    }
    let mut values = Vec::new();
    loop {
        match rest.next()? {
            Token::Text(value) => values.push(value.clone()),
            _ => return None,
        }
        match rest.next()? {
            Token::Punct(',') => {}
            Token::Punct(')') => break,
            _ => return None,
        }
    }
    (rest.next()? == &Token::Punct(')')).then_some((column, values))
}

#[cfg(test)]
mod tests {
    use sluice_connector_core::picklist_check as check_clause;

    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn picklist_checks_are_read_back() {
        let sql = "CREATE TABLE t (\"id\" integer PRIMARY KEY, \
                   \"status\" varchar(10) NOT NULL CHECK (\"status\" IN ('new', 'it''s done')), \
                   size TEXT check(size in ('S','M')), \
                   n integer CHECK (n > 0))";
        let (found, checks) = picklists(sql);
        assert_eq!(
            found,
            [
                ("status".to_owned(), strings(&["new", "it's done"])),
                ("size".to_owned(), strings(&["S", "M"]))
            ]
        );
        assert_eq!(checks, 3);
    }

    #[test]
    fn written_clauses_parse_back() {
        let values = strings(&["a", "b'c", "(x)"]);
        let sql = format!(
            "CREATE TABLE t (\"k\" text{})",
            check_clause("\"k\"", &values)
        );
        assert_eq!(picklists(&sql), (vec![("k".to_owned(), values)], 1));
    }

    #[test]
    fn other_shapes_are_not_picklists() {
        for sql in [
            "CREATE TABLE t (a text CHECK (a IN (1, 2)))",
            "CREATE TABLE t (a text CHECK (a IN ('x') OR a IS NULL))",
            "CREATE TABLE t (a text CHECK (lower(a) IN ('x')))",
            "CREATE TABLE t (a text CHECK (a IN ('x'",
        ] {
            assert!(picklists(sql).0.is_empty(), "{sql}");
        }
    }
}
