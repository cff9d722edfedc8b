//! Raw SQL (`_sql`) access. Unlike every other component it is granted only by a row naming
//! `_sql` exactly on the service: `*`, wildcards and rows for every service never grant it,
//! so roles written before `_sql` existed gain nothing. A role with record rules (row
//! filters or hidden fields) on the service may not have it at all: SQL would bypass them.

use crate::grant::RoleGrants;
use crate::verb::{Requestor, Verb, VerbMask};

/// The component that grants raw SQL on a service.
pub const SQL_COMPONENT: &str = "_sql";

/// What a role may do with `_sql` on a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlGrant {
    None,
    /// The GET bit: statements SQLite reports as read-only, and read transactions.
    ReadOnly,
    /// Any write bit (POST, PUT, PATCH, DELETE): every statement the engine allows.
    ReadWrite,
}

/// The `_sql` access of an active role on `service_id`: the union of the verb masks of its
/// exact `_sql` rows for the service. An inactive role has none.
pub fn sql_grant(grants: &RoleGrants, service_id: i64, requestor: Requestor) -> SqlGrant {
    if !grants.is_active {
        return SqlGrant::None;
    }
    let verbs = grants
        .grants
        .iter()
        .filter(|g| g.service_id() == Some(service_id) && g.component() == SQL_COMPONENT)
        .filter(|g| g.requestor_mask().contains(requestor))
        .fold(VerbMask::NONE, |verbs, g| verbs.union(g.verb_mask()));
    let writes = [Verb::Post, Verb::Put, Verb::Patch, Verb::Delete];
    if writes.iter().any(|verb| verbs.contains(*verb)) {
        SqlGrant::ReadWrite
    } else if verbs.contains(Verb::Get) {
        SqlGrant::ReadOnly
    } else {
        SqlGrant::None
    }
}

/// Whether any row that applies to `service_id` (its own rows and the rows for every
/// service) carries row filters or hidden fields.
pub fn has_record_rules(grants: &RoleGrants, service_id: i64) -> bool {
    grants.grants.iter().any(|g| {
        g.service_id().is_none_or(|id| id == service_id)
            && (!g.filters().is_empty() || !g.hidden_fields().is_empty())
    })
}

/// The services a role is granted `_sql` on (any verb) although it has record rules
/// there: the conflicts that refuse saving the role.
pub fn sql_conflicts(grants: &RoleGrants) -> Vec<i64> {
    let mut services: Vec<i64> = grants
        .grants
        .iter()
        .filter(|g| g.component() == SQL_COMPONENT && !g.verb_mask().is_empty())
        .filter_map(|g| g.service_id())
        .filter(|id| has_record_rules(grants, *id))
        .collect();
    services.sort_unstable();
    services.dedup();
    services
}
