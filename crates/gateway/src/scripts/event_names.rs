//! DreamFactory's event names (wire reference 12.1): `{service}.{path with / as .}.{verb}`,
//! then `.pre_process`, `.post_process` or `.queued`. A table endpoint fires two events per
//! phase, the one with the placeholder kept (`db._table.{table_name}.get`) and the concrete
//! one (`db._table.todo.get`); a record's id stays a placeholder in both
//! (`db._table.todo.{id}.patch`).

/// The phases a script can run in.
pub const PRE: &str = "pre_process";
pub const POST: &str = "post_process";
pub const QUEUED: &str = "queued";

/// The events of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestEvents {
    /// Without the phase, lower-cased, in the order their scripts run: the placeholder form
    /// first.
    pub names: Vec<String>,
    /// `event.resource`: the table of a table endpoint, the id of a record endpoint.
    pub resource: Option<String>,
}

impl RequestEvents {
    /// The event names of `phase`, in order.
    pub fn of_phase<'a>(&'a self, phase: &'a str) -> impl Iterator<Item = String> + 'a {
        self.names.iter().map(move |name| format!("{name}.{phase}"))
    }
}

/// The events of `verb` (lower case) on `service`'s `path` (the segments after the service).
pub fn request_events(service: &str, path: &[&str], verb: &str) -> RequestEvents {
    let service = service.to_ascii_lowercase();
    let lower: Vec<String> = path.iter().map(|s| s.to_ascii_lowercase()).collect();
    let name = |parts: &[&str]| {
        let mut name = service.clone();
        for part in parts {
            name.push('.');
            name.push_str(part);
        }
        name.push('.');
        name.push_str(verb);
        name
    };
    match lower.as_slice() {
        [kind, table] if is_table_resource(kind) => RequestEvents {
            names: vec![name(&[kind, placeholder_of(kind)]), name(&[kind, table])],
            resource: Some(path[1].to_owned()),
        },
        [kind, table, member] if is_table_resource(kind) => {
            let member_placeholder = member_placeholder_of(kind);
            RequestEvents {
                names: vec![
                    name(&[kind, placeholder_of(kind), member_placeholder]),
                    name(&[kind, table, member_placeholder]),
                ],
                resource: Some(path[2].to_owned()),
            }
        }
        parts => {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            RequestEvents {
                names: vec![name(&parts)],
                resource: None,
            }
        }
    }
}

fn is_table_resource(kind: &str) -> bool {
    kind == "_table" || kind == "_schema"
}

fn placeholder_of(_kind: &str) -> &'static str {
    "{table_name}"
}

fn member_placeholder_of(kind: &str) -> &'static str {
    if kind == "_schema" { "{field}" } else { "{id}" }
}

/// The events a database service offers, for `/system/event`: the service's own, `_table`
/// and `_schema` with their placeholders, and the concrete forms for `tables`.
pub fn service_events(service: &str, tables: &[String]) -> Vec<String> {
    const VERBS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
    let mut paths = vec![String::new(), "._table".to_owned(), "._schema".to_owned()];
    for kind in ["_table", "_schema"] {
        let member = member_placeholder_of(kind);
        paths.push(format!(".{kind}.{{table_name}}"));
        paths.push(format!(".{kind}.{{table_name}}.{member}"));
        for table in tables {
            paths.push(format!(".{kind}.{table}"));
            paths.push(format!(".{kind}.{table}.{member}"));
        }
    }
    let mut events = Vec::new();
    for path in paths {
        for verb in VERBS {
            events.push(format!("{service}{path}.{verb}"));
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_endpoints_fire_the_placeholder_then_the_concrete_event() {
        let events = request_events("db", &["_table", "Todo"], "get");
        assert_eq!(
            events.names,
            ["db._table.{table_name}.get", "db._table.todo.get"]
        );
        assert_eq!(events.resource.as_deref(), Some("Todo"));
        let events = request_events("db", &["_table", "todo", "5"], "patch");
        assert_eq!(
            events.names,
            [
                "db._table.{table_name}.{id}.patch",
                "db._table.todo.{id}.patch"
            ]
        );
        assert_eq!(events.resource.as_deref(), Some("5"));
        let pre: Vec<String> = events.of_phase(PRE).collect();
        assert_eq!(pre[1], "db._table.todo.{id}.patch.pre_process");
    }

    #[test]
    fn other_paths_name_their_segments() {
        assert_eq!(
            request_events("DB", &["_table"], "get").names,
            ["db._table.get"]
        );
        assert_eq!(request_events("db", &[], "get").names, ["db.get"]);
        assert_eq!(
            request_events("db", &["_schema", "todo", "name"], "get").names,
            [
                "db._schema.{table_name}.{field}.get",
                "db._schema.todo.{field}.get"
            ]
        );
        assert_eq!(
            request_events("api", &["a", "b", "c", "d"], "post").names,
            ["api.a.b.c.d.post"]
        );
    }
}
