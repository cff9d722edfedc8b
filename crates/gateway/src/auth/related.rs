//! The role's decisions for tables reached through relationships: a related read needs `GET`
//! on component `_table/{related}`, a nested write the verb DreamFactory's internal request
//! would use (`POST`, `PATCH`, `DELETE`), each with that access row's record rules.

use std::sync::Arc;

use sluice_connector_core::{ConnectorError, RelatedAccess, RowAccess, TableVerb};
use sluice_rbac::{Action, Decision, Verb, decide};

use super::principal::{Authority, Principal};

/// Decides per table and verb with the caller's role, as [`authorize_service`] does for the
/// table of the URL.
///
/// [`authorize_service`]: super::access::authorize_service
pub struct RoleTableAccess {
    principal: Principal,
    service_id: i64,
    service_name: String,
}

impl RoleTableAccess {
    pub fn new(principal: Principal, service_id: i64, service_name: String) -> Self {
        Self {
            principal,
            service_id,
            service_name,
        }
    }

    /// DreamFactory's denial of an internal request (`Session::checkServicePermission`):
    /// always 403, without the "Access Forbidden." prefix of the outer request's denial.
    fn denied(&self, verb: TableVerb, component: &str) -> ConnectorError {
        ConnectorError::Forbidden(format!(
            "{verb} access to component '{component}' of service '{}' is not allowed by this \
             user's role.",
            self.service_name
        ))
    }
}

impl RelatedAccess for RoleTableAccess {
    fn table_access(&self, table: &str, verb: TableVerb) -> Result<Arc<RowAccess>, ConnectorError> {
        let component = format!("_table/{}", table.to_ascii_lowercase());
        let role = match &self.principal.authority {
            Authority::Unrestricted => return Ok(RowAccess::unrestricted()),
            Authority::Role(role) => role,
            Authority::NoRole => return Err(self.denied(verb, &component)),
        };
        let action = Action {
            service_id: self.service_id,
            service_name: &self.service_name,
            component: &component,
            verb: match verb {
                TableVerb::Get => Verb::Get,
                TableVerb::Post => Verb::Post,
                TableVerb::Patch => Verb::Patch,
                TableVerb::Delete => Verb::Delete,
            },
            requestor: self.principal.requestor,
        };
        match decide(&role.grants, &action) {
            Decision::Allow {
                row_filter,
                hidden_fields,
            } => role
                .record_rules(row_filter, hidden_fields)
                .map_err(|error| ConnectorError::ServerFilter {
                    reason: format!("role {} on table '{table}': {error}", role.row.id),
                }),
            Decision::Deny(_) => Err(self.denied(verb, &component)),
        }
    }
}
