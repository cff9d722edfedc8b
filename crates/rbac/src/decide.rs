//! The access decision and the "any access at all" questions asked by role-filtered
//! listings (`GET /_table`, `GET /api/v2`, API docs).

use std::fmt::{self, Display, Formatter};

use crate::component::{Specificity, normalize_component, specificity};
use crate::grant::RoleGrants;
use crate::row_filter::{RowFilterSet, select_record_grant};
use crate::verb::{Requestor, Verb, VerbMask};

/// What a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action<'a> {
    pub service_id: i64,
    /// The service's API name, for denial messages.
    pub service_name: &'a str,
    /// The request path after the service (`_table/todo/5`, or `""` for the service root).
    /// It is normalised again here (`normalize_component`), so raw paths are safe to pass.
    pub component: &'a str,
    pub verb: Verb,
    pub requestor: Requestor,
}

/// The outcome of [`decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed. `row_filter` is the role's record filter for requests on a table's records,
    /// to be combined with the client's filter and re-checked on written values.
    Allow {
        row_filter: Option<RowFilterSet>,
        /// Columns of the table the role may not read (treated as absent), from the same access row
        /// as `row_filter`; empty for most roles.
        hidden_fields: Vec<String>,
    },
    Deny(DenyReason),
}

/// Why a request was denied, with what the gateway needs for DreamFactory's messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DenyReason {
    /// The role is not active: 403.
    RoleInactive,
    /// No matching row grants the verb: 403 for a logged-in user. For a request with an API
    /// key only, DreamFactory answers 401 `Unauthorized. User is not authenticated.` instead,
    /// which only the gateway can tell.
    VerbNotAllowed {
        verb: Verb,
        /// The normalised component; empty for the service root.
        component: String,
        service: String,
    },
}

impl DenyReason {
    /// DreamFactory's exact 403 message.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

impl Display for DenyReason {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            DenyReason::RoleInactive => f.write_str(
                "Access Forbidden. The role assigned to you or your application or the default \
                 role of your application is not active.",
            ),
            DenyReason::VerbNotAllowed {
                verb,
                component,
                service,
            } => {
                write!(f, "Access Forbidden. {verb} access to ")?;
                if !component.is_empty() {
                    write!(f, "component '{component}' of ")?;
                }
                write!(f, "service '{service}' is not allowed by this user's role.")
            }
        }
    }
}

/// Decides `action` for a role (not a system administrator: those bypass RBAC and the gateway
/// never asks; nor a route DreamFactory opens to everyone, such as `user/session`: those
/// routes ask for no role at all).
///
/// Allowed iff the role is active and the verb is in [`permitted_verbs`]. When allowed, the
/// row filter and hidden fields come from the most specific access row that grants the verb
/// on the table (see `select_record_grant`).
pub fn decide(grants: &RoleGrants, action: &Action<'_>) -> Decision {
    if !grants.is_active {
        return Decision::Deny(DenyReason::RoleInactive);
    }
    let component = normalize_component(action.component);
    let verbs = verb_mask_of(grants, action.service_id, &component, action.requestor);
    if !verbs.contains(action.verb) {
        return Decision::Deny(DenyReason::VerbNotAllowed {
            verb: action.verb,
            component,
            service: action.service_name.to_owned(),
        });
    }
    let record_grant = select_record_grant(
        grants,
        action.service_id,
        &component,
        action.verb,
        action.requestor,
    );
    Decision::Allow {
        row_filter: record_grant
            .and_then(|g| RowFilterSet::new(g.filter_op(), g.filters().to_vec())),
        hidden_fields: record_grant.map_or_else(Vec::new, |g| g.hidden_fields().to_vec()),
    }
}

/// The verbs the role grants `requestor` on `component` of a service: the union of the
/// verb masks of the matching rows at the most specific level that has any (exact >
/// wildcard > service `*` > all services). A more specific level shadows the broader ones
/// even when it lacks the verb, or grants nothing at all. Rows whose requestor mask lacks
/// `requestor` (including mask 0) are ignored. An inactive role has none.
pub fn permitted_verbs(
    grants: &RoleGrants,
    service_id: i64,
    component: &str,
    requestor: Requestor,
) -> VerbMask {
    if !grants.is_active {
        return VerbMask::NONE;
    }
    verb_mask_of(
        grants,
        service_id,
        &normalize_component(component),
        requestor,
    )
}

/// Whether the role grants any verb on `component` (df-core `checkForAnyServicePermissions`):
/// e.g. whether a table shows in `GET /_table`, asked with `_table/{name}`.
pub fn has_any_access(
    grants: &RoleGrants,
    service_id: i64,
    component: &str,
    requestor: Requestor,
) -> bool {
    !permitted_verbs(grants, service_id, component, requestor).is_empty()
}

/// Whether the role grants any verb on any component of the service (df-core
/// `allowsServiceAccess`), for `GET /api/v2`, `system/cache` and API docs. Components
/// do not matter here, unlike in [`permitted_verbs`]: the rows of this service decide if
/// there are any (even with an empty union), otherwise the rows for all services.
pub fn has_service_access(grants: &RoleGrants, service_id: i64, requestor: Requestor) -> bool {
    if !grants.is_active {
        return false;
    }
    let mut service = None;
    let mut all = None;
    for grant in &grants.grants {
        if !grant.requestor_mask().contains(requestor) {
            continue;
        }
        let slot = match grant.service_id() {
            Some(id) if id == service_id => &mut service,
            Some(_) => continue,
            None => &mut all,
        };
        *slot = Some(grant.verb_mask().union(slot.unwrap_or(VerbMask::NONE)));
    }
    service.or(all).is_some_and(|verbs| !verbs.is_empty())
}

/// [`permitted_verbs`] for an active role and a normalised component.
fn verb_mask_of(
    grants: &RoleGrants,
    service_id: i64,
    component: &str,
    requestor: Requestor,
) -> VerbMask {
    let mut best: Option<(Specificity, VerbMask)> = None;
    for grant in &grants.grants {
        if !grant.requestor_mask().contains(requestor) {
            continue;
        }
        let Some(level) = specificity(grant, service_id, component) else {
            continue;
        };
        best = match best {
            Some((best_level, verbs)) if best_level == level => {
                Some((level, verbs.union(grant.verb_mask())))
            }
            Some((best_level, _)) if best_level > level => best,
            _ => Some((level, grant.verb_mask())),
        };
    }
    best.map_or(VerbMask::NONE, |(_, verbs)| verbs)
}
