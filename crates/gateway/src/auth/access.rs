//! Access decisions. Handlers receive a capability (`SystemAdmin`, `ServiceAccess`) that can
//! only be obtained by passing the check here, so a route cannot forget it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::http::{Method, StatusCode};
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use sluice_connector_core::{RowAccess, TableAccess};
use sluice_rbac::{
    Action, Decision, DenyReason, FilterConfigError, Requestor, RowFilterSet, Verb, VerbMask,
    decide, has_any_access, permitted_verbs,
};

use super::caller::{MSG_NO_CREDENTIALS, MSG_NO_SESSION_TOKEN, Session};
use super::principal::{Authority, Principal};
use super::related::RoleTableAccess;
use crate::error::{ApiError, MSG_BAD_SERVER_FILTER};
use crate::registry::ServiceEntry;

const MSG_NO_API_KEY: &str = "No API Key provided. Please provide a valid API Key using \
X-DreamFactory-API-Key request header or 'api_key' url query parameter.";
const MSG_ROLE_NOT_FOUND: &str =
    "Role not found. A role may not be assigned to you or your application.";
const MSG_NOT_AUTHENTICATED: &str = "Unauthorized. User is not authenticated.";

/// DreamFactory's denial for a request the caller's role does not allow (wire reference
/// 8.7), in its order: no credentials, no role, inactive role, not logged in, not allowed.
pub fn deny(principal: &Principal, method: &Method, component: &str, service: &str) -> ApiError {
    let logged_in = principal.session.is_some();
    if !logged_in && !principal.api_key_sent {
        return ApiError::bad_request(MSG_NO_CREDENTIALS);
    }
    let role = match &principal.authority {
        Authority::Role(role) => role,
        Authority::NoRole | Authority::Unrestricted => {
            return match (logged_in, principal.api_key_sent) {
                (false, _) => ApiError::bad_request(MSG_NO_SESSION_TOKEN),
                (true, false) => ApiError::bad_request(MSG_NO_API_KEY),
                (true, true) => ApiError::forbidden(MSG_ROLE_NOT_FOUND),
            };
        }
    };
    if !role.grants.is_active {
        return ApiError::forbidden(DenyReason::RoleInactive.message());
    }
    if !logged_in {
        return ApiError::unauthorized(MSG_NOT_AUTHENTICATED);
    }
    let verb = method.as_str().parse().unwrap_or(Verb::Get);
    ApiError::forbidden(
        DenyReason::VerbNotAllowed {
            verb,
            component: component.to_ascii_lowercase(),
            service: service.to_string(),
        }
        .message(),
    )
}

/// A system administrator's verified session: the capability the `system` routes require.
/// Administrators with per-app roles are role-restricted (8.6) and, since no role can be
/// granted the system service here, may not use it.
#[derive(Debug, Clone)]
pub struct SystemAdmin(pub Session);

impl SystemAdmin {
    pub fn user_id(&self) -> i64 {
        self.0.user.id
    }
}

impl FromRequest for SystemAdmin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(request, payload);
        let method = request.method().clone();
        let component = request
            .path()
            .split_once("/system")
            .map(|(_, rest)| rest.trim_matches('/').to_string())
            .unwrap_or_default();
        Box::pin(async move {
            let principal = principal.await?;
            match (&principal.authority, &principal.session) {
                (Authority::Unrestricted, Some(session)) => Ok(SystemAdmin(session.clone())),
                _ => Err(deny(&principal, &method, &component, "system")),
            }
        })
    }
}

/// Permission to use one service for one request. Only [`authorize_service`] makes one.
pub struct ServiceAccess {
    service: Arc<ServiceEntry>,
    principal: Principal,
    /// The role's record rules for this request (row filter, hidden fields);
    /// [`RowAccess::unrestricted`] for an administrator.
    row_access: Arc<RowAccess>,
}

impl ServiceAccess {
    pub fn service(&self) -> &Arc<ServiceEntry> {
        &self.service
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    pub fn row_access(&self) -> &RowAccess {
        &self.row_access
    }

    /// What the caller may do on the table of this request, for core's plans: the role's
    /// record rules on it and, for relationships (`related` reads and nested writes), the
    /// same role decided per table and verb; an administrator's is
    /// [`TableAccess::unrestricted`]. The session's user id comes along; lookups are
    /// attached by the handler when a filter may use them.
    pub fn table_access(&self) -> TableAccess {
        let access = match &self.principal.authority {
            Authority::Unrestricted => TableAccess::unrestricted(),
            Authority::Role(_) | Authority::NoRole => TableAccess::restricted(
                Arc::clone(&self.row_access),
                Arc::new(RoleTableAccess::new(
                    self.principal.clone(),
                    self.service.row.id,
                    self.service.name.clone(),
                )),
            ),
        };
        access.with_user_id(self.principal.user_id())
    }

    /// Whether the caller may use `component` of this service with any verb: what decides
    /// which tables a listing shows (wire reference 9.3, 9.6).
    pub fn may_see(&self, component: &str) -> bool {
        match &self.principal.authority {
            Authority::Unrestricted => true,
            Authority::Role(role) => {
                has_any_access(&role.grants, self.service.row.id, component, Requestor::Api)
            }
            Authority::NoRole => false,
        }
    }

    /// The verbs the caller may use on `component` of this service (all for an
    /// administrator): the `access` of `_schema` descriptors.
    pub fn permitted(&self, component: &str) -> VerbMask {
        match &self.principal.authority {
            Authority::Unrestricted => VerbMask::ALL_CRUD,
            Authority::Role(role) => {
                permitted_verbs(&role.grants, self.service.row.id, component, Requestor::Api)
            }
            Authority::NoRole => VerbMask::NONE,
        }
    }

    /// The fields the role hides when reading `table`: those of this request's grant and
    /// those of `GET _table/{table}`, so `_schema` never shows what `_table` would not.
    pub fn hidden_fields(&self, table: &str) -> Vec<String> {
        let mut hidden: Vec<String> = self.row_access.hidden_fields().to_vec();
        if let Authority::Role(role) = &self.principal.authority {
            let component = format!("_table/{}", table.to_ascii_lowercase());
            let action = Action {
                service_id: self.service.row.id,
                service_name: &self.service.name,
                component: &component,
                verb: Verb::Get,
                requestor: Requestor::Api,
            };
            if let Decision::Allow { hidden_fields, .. } = decide(&role.grants, &action) {
                hidden.extend(hidden_fields);
            }
        }
        hidden
    }
}

/// Decides whether the caller may use `component` of `service` with `method`.
///
/// # Errors
///
/// The denial of [`deny`]; 500 `Invalid server-side filter configuration detected.` when
/// the role's row filter for this request cannot be read.
pub fn authorize_service(
    principal: Principal,
    service: Arc<ServiceEntry>,
    method: &Method,
    component: &str,
) -> Result<ServiceAccess, ApiError> {
    let role = match &principal.authority {
        Authority::Unrestricted => {
            return Ok(ServiceAccess {
                service,
                principal,
                row_access: RowAccess::unrestricted(),
            });
        }
        Authority::Role(role) => Arc::clone(role),
        Authority::NoRole => return Err(deny(&principal, method, component, &service.name)),
    };
    let Ok(verb) = method.as_str().parse::<Verb>() else {
        return Err(deny(&principal, method, component, &service.name));
    };
    let action = Action {
        service_id: service.row.id,
        service_name: &service.name,
        component,
        verb,
        requestor: Requestor::Api,
    };
    match decide(&role.grants, &action) {
        Decision::Allow {
            row_filter,
            hidden_fields,
        } => {
            let row_access = role
                .record_rules(row_filter, hidden_fields)
                .map_err(|error| {
                    tracing::warn!(role.id = role.row.id, %error, "unusable role row filter");
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, MSG_BAD_SERVER_FILTER)
                })?;
            Ok(ServiceAccess {
                service,
                principal,
                row_access,
            })
        }
        Decision::Deny(_) => Err(deny(&principal, method, component, &service.name)),
    }
}

/// The record rules of an allowed decision ([`RowAccess::unrestricted`] when it restricts
/// nothing).
///
/// # Errors
///
/// The role's stored filters cannot be turned into a filter expression.
pub fn row_access(
    row_filter: Option<RowFilterSet>,
    hidden_fields: Vec<String>,
) -> Result<Arc<RowAccess>, FilterConfigError> {
    let row_filter = row_filter.map(|set| set.to_expr()).transpose()?;
    if row_filter.is_none() && hidden_fields.is_empty() {
        return Ok(RowAccess::unrestricted());
    }
    Ok(Arc::new(RowAccess::restricted(row_filter, hidden_fields)))
}
