//! Component paths and how a grant's component matches a request's, as DreamFactory's role
//! check matches them.
//!
//! Both sides are normalised to lower case first, so every comparison below is a plain
//! byte comparison and DreamFactory's `strcasecmp` needs no counterpart.

use crate::grant::Grant;

/// How specifically a grant matches a request, ordered from broadest to most specific so that
/// the maximum is the level that decides (`Exact > Wildcard > ServiceWide > AllServices`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Specificity {
    /// A row with no service whose component is `*` (or empty, for an empty request
    /// component).
    AllServices,
    /// A row for this service whose component is `*`.
    ServiceWide,
    /// A row for this service whose component ends in `*` and prefixes the request
    /// component: `_table/*`, `_table/todo/*`.
    Wildcard,
    /// A row for this service whose component equals the request component.
    Exact,
}

/// The request component as DreamFactory's access check sees it: the path after the service
/// with surrounding `/` trimmed (the router drops trailing ones, DreamFactory the leading
/// ones), the first `(...)` group removed, and lower-cased (the access middleware does that).
/// Idempotent on components without parentheses, so it is safe to apply to an already
/// normalised one.
pub(crate) fn normalize_component(path: &str) -> String {
    let path = path.trim_matches('/');
    match (path.find('('), path.find(')')) {
        (Some(open), Some(close)) if open < close => {
            let without_group = format!("{}{}", &path[..open], &path[close + 1..]);
            without_group.trim_matches('/').to_lowercase()
        }
        _ => path.to_lowercase(),
    }
}

/// A stored component as loaded (trimmed of `/`), lower-cased for matching.
pub(crate) fn normalize_grant_component(component: &str) -> String {
    component.trim_matches('/').to_lowercase()
}

/// The component row filters are selected against: `_table/{table}`, with any id or deeper
/// path stripped. `None` when the request is not about one table (row filters only apply to
/// records).
pub(crate) fn table_component(component: &str) -> Option<&str> {
    let rest = component.strip_prefix("_table/")?;
    let table_len = rest.find('/').unwrap_or(rest.len());
    if table_len == 0 {
        return None;
    }
    Some(&component[.."_table/".len() + table_len])
}

/// How `grant` matches a request for `component` (normalised) on `service_id`, ignoring
/// verbs and requestors; `None` when it does not apply at all.
pub(crate) fn specificity(grant: &Grant, service_id: i64, component: &str) -> Option<Specificity> {
    let row = grant.component();
    match grant.service_id() {
        Some(id) if id == service_id => service_row_specificity(row, component),
        Some(_) => None,
        // A row for every service counts only as `*`, or as the root of every service.
        None if row == "*" || (row.is_empty() && component.is_empty()) => {
            Some(Specificity::AllServices)
        }
        None => None,
    }
}

fn service_row_specificity(row: &str, component: &str) -> Option<Specificity> {
    if component.is_empty() {
        return match row {
            "" => Some(Specificity::Exact),
            "*" => Some(Specificity::ServiceWide),
            _ => None,
        };
    }
    if row == component {
        Some(Specificity::Exact)
    } else if row == "*" {
        // Checked before the wildcard rule on purpose. DreamFactory's code tests the wildcard
        // first, and a lone `*` passes that test (star at position 0), so there `*` rows are
        // OR-ed with `_table/*` rows instead of being shadowed by them. DreamFactory's documented rule ranks
        // service-wide `*` below wildcards, and that is what is implemented
        // (crates/rbac/README.md, "Where this differs from DreamFactory").
        Some(Specificity::ServiceWide)
    } else if wildcard_matches(row, component) {
        Some(Specificity::Wildcard)
    } else {
        None
    }
}

/// DreamFactory's rule: with the row's first `*` at byte `p`,
/// `substr(component + "/", 0, p) + "*" == row`. So the star must end the row, and
/// `component + "/"` must start with everything before it: `_table/*` matches `_table`,
/// `_table/x`, `_table/x/5`; `_table/todo/*` matches `_table/todo` and `_table/todo/9` but
/// not `_table/todos`.
fn wildcard_matches(row: &str, component: &str) -> bool {
    let Some(star) = row.find('*') else {
        return false;
    };
    if star + 1 != row.len() {
        return false;
    }
    let prefix = &row.as_bytes()[..star];
    let component = component.as_bytes();
    match prefix.len().checked_sub(component.len()) {
        // The prefix reaches into the appended "/": it must be exactly `component + "/"`.
        Some(1) => prefix.ends_with(b"/") && &prefix[..component.len()] == component,
        Some(0) | None => component.starts_with(prefix),
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wildcard_rule_is_a_character_prefix_of_the_component_plus_a_slash() {
        let cases = [
            ("_table/*", "_table", true),
            ("_table/*", "_table/x", true),
            ("_table/*", "_table/x/5", true),
            ("_table/*", "_tablex", false),
            ("_table/*", "_tab", false),
            ("_table/todo/*", "_table/todo", true),
            ("_table/todo/*", "_table/todo/9", true),
            ("_table/todo/*", "_table/todos", false),
            ("_table/todo/*", "_table/tod", false),
            // A star that does not end the row never matches (DreamFactory compares the
            // whole row with the prefix plus one star).
            ("_table/*/x", "_table/a/x", false),
            // No slash before the star: a plain character prefix.
            ("_table/to*", "_table/todo", true),
            ("_table/to*", "_table/to", true),
            ("_table/to*", "_table/t", false),
            ("_sch*", "_schema/t", true),
            ("_table/*", "_table/ünï", true),
        ];
        for (row, component, expected) in cases {
            assert_eq!(
                wildcard_matches(row, component),
                expected,
                "{row:?} against {component:?}"
            );
        }
    }

    #[test]
    fn request_components_are_trimmed_stripped_of_one_group_and_lower_cased() {
        let cases = [
            ("", ""),
            ("/", ""),
            ("/_table/Todo/", "_table/todo"),
            ("_table/todo(a,b)", "_table/todo"),
            ("_table/(x)", "_table"),
            ("_table/a)b(", "_table/a)b("),
            ("_SCHEMA", "_schema"),
        ];
        for (path, expected) in cases {
            assert_eq!(normalize_component(path), expected, "{path:?}");
            assert_eq!(
                normalize_component(expected),
                expected,
                "idempotent on {path:?}"
            );
        }
        // Only the first group goes, as in DreamFactory.
        assert_eq!(normalize_component("_table/t(a)/(b)"), "_table/t/(b)");
    }

    #[test]
    fn the_table_component_strips_ids_and_deeper_paths() {
        let cases = [
            ("_table/todo", Some("_table/todo")),
            ("_table/todo/5", Some("_table/todo")),
            ("_table/todo/5/x", Some("_table/todo")),
            ("_table", None),
            ("_table/", None),
            ("_schema/todo", None),
            ("", None),
        ];
        for (component, expected) in cases {
            assert_eq!(table_component(component), expected, "{component:?}");
        }
    }
}
