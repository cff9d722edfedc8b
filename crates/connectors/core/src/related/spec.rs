//! The `related` parameter as a tree of requested relationship names, and the lookup of the
//! per-relationship options `{rel}_fields`, `{rel}_limit`, `{rel}_order`.

use std::collections::HashMap;

use crate::error::ConnectorError;

/// What `related` asks for at one level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Wanted {
    /// `*`: every relationship the caller may read (top level only).
    pub(crate) all: bool,
    pub(crate) items: Vec<WantedItem>,
}

/// One named relationship and what is asked for inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WantedItem {
    /// As the client wrote it (trimmed); matched case-insensitively.
    pub(crate) name: String,
    pub(crate) children: Vec<WantedItem>,
}

/// DreamFactory's 400 for a relationship the table does not have (the message of its
/// earlier versions; today's DreamFactory silently ignores unknown names). Also the answer
/// for a relationship the caller may not follow because a linking column is hidden, so the
/// two cannot be told apart.
pub(crate) fn invalid_relationship(name: &str) -> ConnectorError {
    ConnectorError::bad_request(format!("Invalid relationship '{name}' requested."))
}

/// Parses `related`: a comma list of names or dotted paths (`a.b` asks for `a` and, inside
/// each of its records, `b`), or `*` for every relationship of the table. Blank entries are
/// dropped; repeated names are merged.
///
/// # Errors
///
/// 400 `Invalid relationship 'x' requested.` for an empty path segment or a `*` inside a
/// path; 400 naming the limit for a path deeper than `max_depth`.
pub(crate) fn parse_related(text: &str, max_depth: usize) -> Result<Wanted, ConnectorError> {
    let mut wanted = Wanted::default();
    for item in text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        if item == "*" {
            wanted.all = true;
            continue;
        }
        let segments: Vec<&str> = item.split('.').map(str::trim).collect();
        if segments.iter().any(|s| s.is_empty() || s.contains('*')) {
            return Err(invalid_relationship(item));
        }
        if segments.len() > max_depth {
            return Err(ConnectorError::bad_request(format!(
                "Related records can be nested at most {max_depth} levels deep: '{item}'."
            )));
        }
        insert(&mut wanted.items, &segments);
    }
    Ok(wanted)
}

fn insert(items: &mut Vec<WantedItem>, path: &[&str]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let position = match items
        .iter()
        .position(|item| item.name.eq_ignore_ascii_case(first))
    {
        Some(position) => position,
        None => {
            items.push(WantedItem {
                name: (*first).to_owned(),
                children: Vec::new(),
            });
            items.len() - 1
        }
    };
    insert(&mut items[position].children, rest);
}

/// The per-relationship options, keyed by lower-cased parameter name.
#[derive(Debug, Clone, Default)]
pub(crate) struct RelatedOptions(HashMap<String, String>);

impl RelatedOptions {
    pub(crate) fn new(raw: &HashMap<String, String>) -> Self {
        Self(
            raw.iter()
                .map(|(key, value)| (key.to_ascii_lowercase(), value.clone()))
                .collect(),
        )
    }

    /// `{path}_{option}`, or DreamFactory's `{path}.{option}` (PHP turns the `.` of query
    /// keys into `_`, so DreamFactory accepts both). `path` is the lower-cased dotted path.
    pub(crate) fn get(&self, path: &str, option: &str) -> Option<&str> {
        self.0
            .get(&format!("{path}_{option}"))
            .or_else(|| self.0.get(&format!("{path}.{option}")))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(items: &[WantedItem]) -> Vec<String> {
        items
            .iter()
            .map(|item| {
                if item.children.is_empty() {
                    item.name.clone()
                } else {
                    format!("{}({})", item.name, names(&item.children).join(","))
                }
            })
            .collect()
    }

    #[test]
    fn paths_become_a_tree_with_repeats_merged() {
        let wanted = parse_related(" a , a.b,A.c.d,, e ", 3).expect("valid");
        assert!(!wanted.all);
        assert_eq!(names(&wanted.items), ["a(b,c(d))", "e"]);
        let all = parse_related("*,x.y", 3).expect("valid");
        assert!(all.all);
        assert_eq!(names(&all.items), ["x(y)"]);
    }

    #[test]
    fn malformed_and_too_deep_paths_are_refused() {
        let message = |text: &str| parse_related(text, 3).map_err(|e| e.to_string());
        assert_eq!(
            message("a..b"),
            Err("Invalid relationship 'a..b' requested.".into())
        );
        assert_eq!(
            message("a.*"),
            Err("Invalid relationship 'a.*' requested.".into())
        );
        assert_eq!(
            message("a.b.c.d"),
            Err("Related records can be nested at most 3 levels deep: 'a.b.c.d'.".into())
        );
    }

    #[test]
    fn options_are_found_with_underscore_or_dot_in_any_case() {
        let raw = HashMap::from([
            ("Rel_Fields".to_owned(), "a".to_owned()),
            ("rel.limit".to_owned(), "2".to_owned()),
            ("rel.child_order".to_owned(), "x".to_owned()),
        ]);
        let options = RelatedOptions::new(&raw);
        assert_eq!(options.get("rel", "fields"), Some("a"));
        assert_eq!(options.get("rel", "limit"), Some("2"));
        assert_eq!(options.get("rel.child", "order"), Some("x"));
        assert_eq!(options.get("rel", "order"), None);
    }
}
