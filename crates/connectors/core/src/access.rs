//! What the caller's session and role bring to a read: lookup values (`{user.id}`) and the
//! role's row restriction (record filter plus hidden fields). The gateway builds both; the
//! connector only resolves them against the schema, so they follow the same path as the
//! client's own options: lookups are bound, never pasted into SQL, the role's
//! filter combines with the client's as a tree, and hidden fields stay out of reach.

use std::fmt;
use std::sync::{Arc, LazyLock};

use sluice_filter::Expr;

use crate::related::{RelatedAccess, Unrestricted};

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
/// - The row filter is combined with the client's filter as `client AND role` (as trees, so
///   the client's `or` cannot reach outside its own group) on every read: list pages,
///   counts, `ids=` and by-id reads. It is resolved against the *full* table, so it may name
///   columns hidden from the client, and its lookups may be private. A lookup in it that does
///   not resolve to a usable value (unknown, `null`, not of the column's type) makes its
///   comparison UNKNOWN in SQL: it matches no row, and neither does its negation.
/// - Hidden fields (matched case-insensitively; names the table does not have are ignored)
///   do not exist for the client: naming one in `fields`, `filter`, `order`, `group` or
///   `id_field` gets the same 400 as an unknown field, and `*`, the default projection and
///   `include_schema` leave them out. A hidden primary key column leaves the table
///   without a readable key, as if it had none.
///
/// There is no `Default`: a value is either the role's rules ([`RowAccess::restricted`]) or
/// the explicit [`RowAccess::unrestricted`] of an administrator, so "no restriction" is
/// always written down where it is decided.
#[derive(Debug, Clone, PartialEq)]
pub struct RowAccess {
    row_filter: Option<Expr>,
    hidden_fields: Vec<String>,
}

impl RowAccess {
    /// The rules of a role's grant: its record filter (parsed by `sluice-filter`; values
    /// may be `{lookup}`s) and the columns it may not read.
    pub fn restricted(row_filter: Option<Expr>, hidden_fields: Vec<String>) -> Self {
        Self {
            row_filter,
            hidden_fields,
        }
    }

    /// Every row and every column: a system administrator's access. Shared, so handing it
    /// to a request costs one reference count.
    pub fn unrestricted() -> Arc<Self> {
        static UNRESTRICTED: LazyLock<Arc<RowAccess>> = LazyLock::new(|| {
            Arc::new(RowAccess {
                row_filter: None,
                hidden_fields: Vec::new(),
            })
        });
        Arc::clone(&UNRESTRICTED)
    }

    /// The role's record filter, if it has one.
    pub fn row_filter(&self) -> Option<&Expr> {
        self.row_filter.as_ref()
    }

    /// The columns the role may not read.
    pub fn hidden_fields(&self) -> &[String] {
        &self.hidden_fields
    }

    /// Whether this restricts nothing (no filter, no hidden field).
    pub fn is_unrestricted(&self) -> bool {
        self.row_filter.is_none() && self.hidden_fields.is_empty()
    }
}

/// Everything the access check decided for one request on one table: the role's
/// [`RowAccess`] on it, its [`RelatedAccess`] to the tables reached through relationships,
/// the session's lookups and user id. Every plan ([`ReadPlan`](crate::ReadPlan),
/// [`WritePlan`](crate::WritePlan)) needs one, so a request cannot reach rows without
/// passing through the access check.
///
/// There is no `Default` and no `Option`: an administrator's access is the explicit
/// [`TableAccess::unrestricted`], a role's is [`TableAccess::restricted`].
///
/// A plan cannot be built without one:
///
/// ```compile_fail,E0599
/// # use sluice_connector_core::TableAccess;
/// let access = TableAccess::default();
/// ```
#[derive(Clone)]
pub struct TableAccess {
    row: Arc<RowAccess>,
    related: Arc<dyn RelatedAccess>,
    lookups: Option<Arc<dyn LookupSource>>,
    user_id: Option<i64>,
}

impl TableAccess {
    /// Every row, column and related table: a system administrator's access. No lookups and
    /// no user until [`with_lookups`](Self::with_lookups) / [`with_user_id`](Self::with_user_id).
    pub fn unrestricted() -> Self {
        static RELATED: LazyLock<Arc<dyn RelatedAccess>> = LazyLock::new(|| Arc::new(Unrestricted));
        Self {
            row: RowAccess::unrestricted(),
            related: Arc::clone(&RELATED),
            lookups: None,
            user_id: None,
        }
    }

    /// A role's access: `row` on the table of the request, `related` for the others.
    pub fn restricted(row: Arc<RowAccess>, related: Arc<dyn RelatedAccess>) -> Self {
        Self {
            row,
            related,
            lookups: None,
            user_id: None,
        }
    }

    /// Where `{name}` lookups come from. Without a source every lookup in the client's
    /// filter is a 400 and every lookup in a role's filter matches no row (fail closed), so
    /// a caller may leave it out when no filter can name one (the by-id hot path).
    #[must_use]
    pub fn with_lookups(mut self, lookups: Arc<dyn LookupSource>) -> Self {
        self.lookups = Some(lookups);
        self
    }

    /// The session's user id: the value of `{user.id}` in written record values (before
    /// the lookups are asked).
    #[must_use]
    pub fn with_user_id(mut self, user_id: Option<i64>) -> Self {
        self.user_id = user_id;
        self
    }

    /// The role's rules on the table of the request.
    pub fn row(&self) -> &RowAccess {
        &self.row
    }

    /// The role's access to the other tables of the service.
    pub fn related(&self) -> &dyn RelatedAccess {
        &*self.related
    }

    /// The session's lookups, when the caller attached them.
    pub fn lookups(&self) -> Option<&dyn LookupSource> {
        self.lookups.as_deref()
    }

    pub fn user_id(&self) -> Option<i64> {
        self.user_id
    }
}

impl fmt::Debug for TableAccess {
    /// The role's rules, never the lookup values (session data: API keys, e-mail
    /// addresses, which must not end up in logs).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TableAccess")
            .field("row", &self.row)
            .field("lookups", &self.lookups.as_ref().map(|_| "..."))
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
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
