//! Access decisions. Handlers receive a capability (`SystemAdmin`, `ServiceAccess`) that can
//! only be obtained by passing the check here, so a route cannot forget it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::http::{Method, StatusCode};
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use sluice_connector_core::{RowAccess, TableAccess};
use sluice_rbac::{
    Action, Decision, DenyReason, FilterConfigError, RowFilterSet, Verb, VerbMask, decide,
    has_any_access, permitted_verbs,
};

use super::caller::{MSG_NO_CREDENTIALS, MSG_NO_SESSION_TOKEN, Session, hint_context};
use super::directory::RoleEntry;
use super::principal::{Authority, Principal};
use super::related::RoleTableAccess;
use crate::error::{ApiError, MSG_BAD_SERVER_FILTER};
use crate::rate_limits;
use crate::registry::ServiceEntry;
use crate::state::AppState;

const MSG_NO_API_KEY: &str = "No API Key provided. Please provide a valid API Key using \
X-DreamFactory-API-Key request header or 'api_key' url query parameter.";
const MSG_ROLE_NOT_FOUND: &str =
    "Role not found. A role may not be assigned to you or your application.";
const MSG_NOT_AUTHENTICATED: &str = "Unauthorized. User is not authenticated.";

/// DreamFactory's denial for a request the caller's role does not allow, in its
/// order: no credentials, no role, inactive role, not logged in, not allowed.
/// The message is DreamFactory's; `context.hint` says what to check.
pub fn deny(principal: &Principal, method: &Method, component: &str, service: &str) -> ApiError {
    let (error, why) = denial(principal, method, component, service);
    // Roles cannot be granted the system API, nor its document: only administrators reach it.
    let system_api = service == "system" || (service == "api_docs" && component == "system");
    let hint = if system_api {
        SYSTEM_HINT.to_string()
    } else {
        why
    };
    error.with_context(hint_context(&hint))
}

const SYSTEM_HINT: &str = "The system API is for administrators: sign in with POST \
/api/v2/system/admin/session and send its session_token as X-DreamFactory-Session-Token.";
const UNKNOWN_KEY_HINT: &str = "The API key is not the api_key of any app: check the \
X-DreamFactory-API-Key value (an administrator can list the apps' keys).";

/// The denial and what to check.
fn denial(
    principal: &Principal,
    method: &Method,
    component: &str,
    service: &str,
) -> (ApiError, String) {
    let logged_in = principal.session.is_some();
    let key_known = principal.app.is_some();
    if !logged_in && !principal.api_key_sent {
        let hint = "Send an API key (X-DreamFactory-API-Key header) or a session token \
                    (X-DreamFactory-Session-Token header).";
        return (ApiError::bad_request(MSG_NO_CREDENTIALS), hint.to_string());
    }
    let role = match &principal.authority {
        Authority::Role(role) => role,
        Authority::NoRole | Authority::Unrestricted => {
            let no_role = "Neither the signed-in user nor the app of this API key has a \
                           role: give the user a role for this app, or the app a default role.";
            return match (logged_in, principal.api_key_sent) {
                (false, _) if !key_known => (
                    ApiError::bad_request(MSG_NO_SESSION_TOKEN),
                    UNKNOWN_KEY_HINT.to_string(),
                ),
                (false, _) => (
                    ApiError::bad_request(MSG_NO_SESSION_TOKEN),
                    "The app of this API key has no default role: give the app a role \
                     (role_id), or sign in as a user with a role for this app."
                        .to_string(),
                ),
                (true, false) => (
                    ApiError::bad_request(MSG_NO_API_KEY),
                    "Users get their role through an app: send the app's API key \
                     (X-DreamFactory-API-Key) along with the session token."
                        .to_string(),
                ),
                (true, true) if !key_known => (
                    ApiError::forbidden(MSG_ROLE_NOT_FOUND),
                    UNKNOWN_KEY_HINT.to_string(),
                ),
                (true, true) => (ApiError::forbidden(MSG_ROLE_NOT_FOUND), no_role.to_string()),
            };
        }
    };
    if !role.grants.is_active {
        let hint = "The role that applies to this request is inactive: an administrator can \
                    activate it (is_active) or assign another role.";
        return (
            ApiError::forbidden(DenyReason::RoleInactive.message()),
            hint.to_string(),
        );
    }
    let verb = method.as_str().parse().unwrap_or(Verb::Get);
    let component = component.to_ascii_lowercase();
    let target = if component.is_empty() {
        format!("service '{service}'")
    } else {
        format!("'{component}' of service '{service}'")
    };
    if !logged_in {
        let hint = format!(
            "The role of this API key does not allow {verb} on {target}: grant the verb to \
             the role, or also send the session token of a user whose role allows it."
        );
        return (ApiError::unauthorized(MSG_NOT_AUTHENTICATED), hint);
    }
    let hint = format!(
        "The role that applies to this session does not allow {verb} on {target}: an \
         administrator can add the verb to the role's access for it (verb_mask)."
    );
    let message = DenyReason::VerbNotAllowed {
        verb,
        component,
        service: service.to_string(),
    }
    .message();
    (ApiError::forbidden(message), hint)
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

/// Permission to use one service for one request, within its rate limits. Only
/// [`authorize_service`] makes one.
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
    /// which tables a listing shows.
    pub fn may_see(&self, component: &str) -> bool {
        match &self.principal.authority {
            Authority::Unrestricted => true,
            Authority::Role(role) => has_any_access(
                &role.grants,
                self.service.row.id,
                component,
                self.principal.requestor,
            ),
            Authority::NoRole => false,
        }
    }

    /// The verbs the caller may use on `component` of this service (all for an
    /// administrator): the `access` of `_schema` descriptors.
    pub fn permitted(&self, component: &str) -> VerbMask {
        match &self.principal.authority {
            Authority::Unrestricted => VerbMask::ALL_CRUD,
            Authority::Role(role) => permitted_verbs(
                &role.grants,
                self.service.row.id,
                component,
                self.principal.requestor,
            ),
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
                requestor: self.principal.requestor,
            };
            if let Decision::Allow { hidden_fields, .. } = decide(&role.grants, &action) {
                hidden.extend(hidden_fields);
            }
        }
        hidden
    }
}

/// The service called `name`. Unknown services are 404 only for callers who could see them
/// (administrators); others get the denial they would get for a service they may not use.
///
/// # Errors
///
/// As said.
pub fn find_service(
    state: &AppState,
    principal: &Principal,
    name: &str,
    method: &Method,
    component: &str,
) -> Result<Arc<ServiceEntry>, ApiError> {
    match state.services.get(name) {
        Some(service) => Ok(service),
        None if principal.is_unrestricted() => Err(ApiError::not_found(format!(
            "Could not find a service for {name}"
        ))),
        None => Err(deny(principal, method, component, name)),
    }
}

/// Whether the role lets `principal` use `component` of `service` with `method`: the
/// decision [`authorize_service`] makes, without its record rules and without counting the
/// request against rate limits (the handler that follows does both). Event scripts run only
/// for callers this allows.
///
/// # Errors
///
/// DreamFactory's denial ([`deny`]).
pub fn check_access(
    principal: &Principal,
    service: &ServiceEntry,
    method: &Method,
    component: &str,
) -> Result<(), ApiError> {
    role_decision(principal, service, method, component).map(drop)
}

/// A role's permission: the role, its row filter and its hidden fields.
type Allowed = (Arc<RoleEntry>, Option<RowFilterSet>, Vec<String>);

/// What the caller's role allows for `method` on `component`: `None` for an unrestricted
/// caller, the role and its row filter and hidden fields otherwise.
fn role_decision(
    principal: &Principal,
    service: &ServiceEntry,
    method: &Method,
    component: &str,
) -> Result<Option<Allowed>, ApiError> {
    let role = match &principal.authority {
        Authority::Unrestricted => return Ok(None),
        Authority::Role(role) => Arc::clone(role),
        Authority::NoRole => return Err(deny(principal, method, component, &service.name)),
    };
    let Ok(verb) = method.as_str().parse::<Verb>() else {
        return Err(deny(principal, method, component, &service.name));
    };
    let action = Action {
        service_id: service.row.id,
        service_name: &service.name,
        component,
        verb,
        requestor: principal.requestor,
    };
    match decide(&role.grants, &action) {
        Decision::Allow {
            row_filter,
            hidden_fields,
        } => Ok(Some((role, row_filter, hidden_fields))),
        Decision::Deny(_) => Err(deny(principal, method, component, &service.name)),
    }
}

/// Decides whether the caller may use `component` of `service` with `method`, then checks
/// and counts the rate limits that apply (a denied request is never counted; an
/// administrator is never limited).
///
/// # Errors
///
/// The denial of [`deny`]; 500 `Invalid server-side filter configuration detected.` when
/// the role's row filter for this request cannot be read; the 429 (or 503) of
/// [`rate_limits::enforce`](fn@crate::rate_limits::enforce).
pub async fn authorize_service(
    state: &AppState,
    principal: Principal,
    service: Arc<ServiceEntry>,
    method: &Method,
    component: &str,
) -> Result<ServiceAccess, ApiError> {
    let Some((role, row_filter, hidden_fields)) =
        role_decision(&principal, &service, method, component)?
    else {
        return Ok(ServiceAccess {
            service,
            principal,
            row_access: RowAccess::unrestricted(),
        });
    };
    let row_access = role
        .record_rules(row_filter, hidden_fields)
        .map_err(|error| {
            tracing::warn!(role.id = role.row.id, %error, "unusable role row filter");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, MSG_BAD_SERVER_FILTER)
        })?;
    // A deactivated service refuses the request (`open_service`): not counted.
    if service.row.is_active {
        rate_limits::enforce(state, &principal, service.row.id, component, method).await?;
    }
    Ok(ServiceAccess {
        service,
        principal,
        row_access,
    })
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
