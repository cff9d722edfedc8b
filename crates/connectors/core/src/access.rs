//! What the caller's session and role bring to a read: lookup values (`{user.id}`) and the
//! role's row restriction (record filter plus hidden fields). The gateway builds both; the
//! connector only resolves them against the schema, so they follow the same path as the
//! client's own options (security rules R1, R3, R5).

use sluice_filter::Expr;

/// The value of one lookup, as the gateway found it in the session or the lookup tables.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupValue {
    /// A JSON scalar (string, number, boolean) or `Null`. It is typed by the column it is
    /// compared with, exactly like a `:param` from JSON, and always bound as a parameter.
    pub value: serde_json::Value,
    /// Private lookups may be used by the role's filter but never by the client's filter,
    /// where they are as unavailable as an unknown name.
    pub private: bool,
}

/// Where `{name}` lookups come from. The gateway implements it over the session (lazily: a
/// lookup is only computed when a filter names it).
///
/// `name` is the text inside the braces exactly as written, modifiers included
/// (`strtoupper(user.name)`): applying modifiers is the implementation's business.
pub trait LookupSource: Send + Sync {
    /// The lookup's value, or `None` when there is no such lookup for this caller (for
    /// example `user.id` when the caller has no user).
    fn lookup(&self, name: &str) -> Option<LookupValue>;
}

/// The row-level restriction of the caller's role on one table.
///
/// - `row_filter` is combined with the client's filter as `client AND role` (as trees, so
///   the client's `or` cannot reach outside its own group) on every read: list pages,
///   counts, `ids=` and by-id reads. It is resolved against the *full* table, so it may name
///   columns hidden from the client, and its lookups may be private. A lookup in it that does
///   not resolve to a usable value (unknown, `null`, not of the column's type) makes its
///   comparison UNKNOWN in SQL: it matches no row, and neither does its negation.
/// - `hidden_fields` (matched case-insensitively; names the table does not have are
///   ignored) do not exist for the client: naming one in `fields`, `filter`, `order`,
///   `group` or `id_field` gets the same 400 as an unknown field, and `*`, the default
///   projection and `include_schema` leave them out (rule R5). A hidden primary key column
///   leaves the table without a readable key, as if it had none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowAccess {
    /// The role's record filter, parsed by `sluice-filter`; values may be `{lookup}`s.
    pub row_filter: Option<Expr>,
    /// Columns the role may not read.
    pub hidden_fields: Vec<String>,
}

/// Lookups for tests: a fixed map, recording the names asked for.
#[cfg(test)]
pub(crate) mod test_support {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::{LookupSource, LookupValue};

    #[derive(Debug, Default)]
    pub(crate) struct Session {
        values: HashMap<String, LookupValue>,
        pub(crate) asked: Mutex<Vec<String>>,
    }

    impl Session {
        pub(crate) fn with(mut self, name: &str, value: serde_json::Value) -> Self {
            let value = LookupValue {
                value,
                private: false,
            };
            self.values.insert(name.to_owned(), value);
            self
        }

        pub(crate) fn with_private(mut self, name: &str, value: serde_json::Value) -> Self {
            let value = LookupValue {
                value,
                private: true,
            };
            self.values.insert(name.to_owned(), value);
            self
        }
    }

    impl LookupSource for Session {
        fn lookup(&self, name: &str) -> Option<LookupValue> {
            self.asked
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(name.to_owned());
            self.values.get(name).cloned()
        }
    }
}
