//! `docs/filter.md` is checked against the parser, so the examples and messages it shows
//! cannot drift from what clients get.

use crate::{Limits, parse};

const DOC: &str = include_str!("../../../../docs/filter.md");

/// The rows of the Markdown table that follows `heading`, as cells.
fn table_after(heading: &str) -> Vec<Vec<String>> {
    let start = DOC
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?} in the doc"));
    DOC[start..]
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2) // header and separator
        .map(|line| {
            let line = line.replace("\\|", "\u{0}");
            line.trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().replace('\u{0}', "|"))
                .collect()
        })
        .collect()
}

/// The code spans of a cell: "`a`, `b`" gives ["a", "b"].
fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

#[test]
fn every_quick_example_in_the_doc_parses() {
    let rows = table_after("## Quick examples");
    assert!(rows.len() > 20);
    for row in rows {
        for filter in code_spans(&row[0]) {
            if let Err(e) = parse(filter, &Limits::default()) {
                panic!("doc example {filter:?} fails: {e}");
            }
        }
    }
}

#[test]
fn every_error_message_in_the_doc_is_what_the_parser_says() {
    let rows = table_after("## Errors");
    let mut checked = 0;
    for row in rows {
        let (filters, messages) = (code_spans(&row[0]), code_spans(&row[1]));
        // Rows describing generated input ("8,001 characters") are covered in bounds.rs.
        let (Some(filter), Some(message)) = (filters.first(), messages.first()) else {
            continue;
        };
        let error = parse(filter, &Limits::default()).expect_err(filter);
        assert_eq!(&error.to_string(), message, "{filter}");
        checked += 1;
    }
    assert!(checked >= 14, "only {checked} rows checked");
}

#[test]
fn every_refused_form_in_the_doc_is_an_error() {
    let rows = table_after("### What we refuse that DreamFactory accepted");
    for row in rows {
        for filter in code_spans(&row[0]) {
            assert!(
                parse(filter, &Limits::default()).is_err(),
                "{filter} parses"
            );
        }
    }
}
