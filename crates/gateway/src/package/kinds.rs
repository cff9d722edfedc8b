//! The one table of what a package carries: each kind of system object, its entry in the zip
//! (`system/{kind}.json`, DreamFactory's layout) and the field that names its records.
//!
//! Adding a kind is a variant here; the compiler then lists the `match`es to extend in
//! `export.rs` and `records.rs`. A file service's files are not a kind: they travel under
//! the service's name (`files.rs`).

use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Role,
    Service,
    App,
    User,
    Admin,
    Lookup,
    Cors,
    Limit,
    EventScript,
    EmailTemplate,
    Custom,
}

impl Kind {
    /// Every kind, in the order an import writes them: each after the kinds it refers to
    /// (a role's access rows are written after the services, see `import.rs`).
    pub const ALL: [Kind; 11] = [
        Kind::Role,
        Kind::Service,
        Kind::App,
        Kind::User,
        Kind::Admin,
        Kind::Lookup,
        Kind::Cors,
        Kind::Limit,
        Kind::EventScript,
        Kind::EmailTemplate,
        Kind::Custom,
    ];

    /// DreamFactory's resource name: the manifest key, the export's query parameter and the
    /// zip entry's file name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Role => "role",
            Kind::Service => "service",
            Kind::App => "app",
            Kind::User => "user",
            Kind::Admin => "admin",
            Kind::Lookup => "lookup",
            Kind::Cors => "cors",
            Kind::Limit => "limit",
            Kind::EventScript => "event_script",
            Kind::EmailTemplate => "email_template",
            Kind::Custom => "custom",
        }
    }

    /// The zip entry holding this kind's records (a JSON array).
    pub fn entry(self) -> String {
        format!("system/{}.json", self.name())
    }

    /// The field that names a record of this kind: what an export selects by, what an
    /// import matches existing objects by, and what its report shows.
    pub fn key_field(self) -> &'static str {
        match self {
            Kind::User | Kind::Admin => "email",
            Kind::Cors => "path",
            _ => "name",
        }
    }

    /// The name of `record` (its key field as text; empty when it has none).
    pub fn key_of(self, record: &Map<String, Value>) -> String {
        match record.get(self.key_field()) {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    }
}

/// Which records of each kind an export takes, from its query (`role=a,b`, `service=*`).
/// No kind named at all means everything.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Per kind: `None` takes nothing, `Some(None)` everything, `Some(Some(names))` those.
    chosen: Vec<(Kind, Option<Option<Vec<String>>>)>,
}

impl Selection {
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let given: Vec<(Kind, Option<String>)> =
            Kind::ALL.iter().map(|&k| (k, get(k.name()))).collect();
        let any = given.iter().any(|(_, value)| value.is_some());
        let chosen = given
            .into_iter()
            .map(|(kind, value)| {
                let pick = match value {
                    None if any => None,
                    None => Some(None),
                    Some(list) if list.trim() == "*" => Some(None),
                    Some(list) => Some(Some(
                        list.split(',')
                            .map(|name| name.trim().to_owned())
                            .filter(|name| !name.is_empty())
                            .collect(),
                    )),
                };
                (kind, pick)
            })
            .collect();
        Self { chosen }
    }

    /// Whether the record named `key` of `kind` is taken.
    pub fn takes(&self, kind: Kind, key: &str) -> bool {
        self.chosen
            .iter()
            .find(|(k, _)| *k == kind)
            .and_then(|(_, pick)| pick.as_ref())
            .is_some_and(|names| {
                names
                    .as_ref()
                    .is_none_or(|names| names.iter().any(|n| n.eq_ignore_ascii_case(key)))
            })
    }

    /// The names asked for that match no record, per kind, so the export can refuse them.
    pub fn unmatched(&self, kind: Kind, keys: &[String]) -> Vec<String> {
        let Some((_, Some(Some(names)))) = self.chosen.iter().find(|(k, _)| *k == kind) else {
            return Vec::new();
        };
        names
            .iter()
            .filter(|name| !keys.iter().any(|key| key.eq_ignore_ascii_case(name)))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_kind_named_takes_everything_and_a_named_kind_takes_only_its_names() {
        let all = Selection::from_query(|_| None);
        assert!(all.takes(Kind::Role, "x") && all.takes(Kind::EventScript, "a.b"));

        let some = Selection::from_query(|name| match name {
            "role" => Some("Reader, writer".into()),
            "service" => Some("*".into()),
            _ => None,
        });
        assert!(some.takes(Kind::Role, "reader") && some.takes(Kind::Role, "writer"));
        assert!(!some.takes(Kind::Role, "other"));
        assert!(some.takes(Kind::Service, "anything"));
        assert!(!some.takes(Kind::App, "anything"));
        assert_eq!(
            some.unmatched(Kind::Role, &["reader".into()]),
            vec!["writer".to_string()]
        );
    }
}
