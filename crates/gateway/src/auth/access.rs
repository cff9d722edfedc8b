//! Access decisions. Handlers receive a capability (`SystemAdmin`, `ServiceAccess`) that can
//! only be obtained by passing the check here, so a route cannot forget it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest, dev::Payload};

use super::caller::{Caller, MSG_NO_CREDENTIALS, MSG_NO_SESSION_TOKEN, Session};
use crate::error::ApiError;
use crate::registry::ServiceEntry;

const MSG_NO_API_KEY: &str = "No API Key provided. Please provide a valid API Key using \
X-DreamFactory-API-Key request header or 'api_key' url query parameter.";

/// DreamFactory's denial for a caller that holds no grant (wire reference 8.7).
pub fn deny(caller: &Caller, method: &Method, component: &str, service: &str) -> ApiError {
    match (&caller.session, &caller.api_key) {
        (None, None) => ApiError::bad_request(MSG_NO_CREDENTIALS),
        (None, Some(_)) => ApiError::bad_request(MSG_NO_SESSION_TOKEN),
        (Some(_), None) => ApiError::bad_request(MSG_NO_API_KEY),
        (Some(_), Some(_)) => {
            let component = if component.is_empty() {
                String::new()
            } else {
                format!(" to component '{component}'")
            };
            ApiError::forbidden(format!(
                "Access Forbidden. {method} access{component} of service '{service}' \
                 is not allowed by this user's role."
            ))
        }
    }
}

/// A system administrator's verified session: the capability the `system` routes require.
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
        let caller = Caller::from_request(request, payload);
        let method = request.method().clone();
        let component = request
            .path()
            .split_once("/system")
            .map(|(_, rest)| rest.trim_matches('/').to_string())
            .unwrap_or_default();
        Box::pin(async move {
            let caller = caller.await?;
            match caller.session {
                Some(session) if session.user.is_sys_admin => Ok(SystemAdmin(session)),
                _ => Err(deny(&caller, &method, &component, "system")),
            }
        })
    }
}

/// Permission to use one service for one request. Only `authorize_service` makes one.
#[derive(Clone)]
pub struct ServiceAccess {
    service: Arc<ServiceEntry>,
}

impl ServiceAccess {
    pub fn service(&self) -> &Arc<ServiceEntry> {
        &self.service
    }
}

/// Decides whether `caller` may use `component` of `service` with `method`.
/// System administrators may do everything; roles come with the access-control issue.
pub fn authorize_service(
    caller: &Caller,
    service: Arc<ServiceEntry>,
    method: &Method,
    component: &str,
) -> Result<ServiceAccess, ApiError> {
    if caller.is_sys_admin() {
        return Ok(ServiceAccess { service });
    }
    Err(deny(caller, method, component, &service.name))
}
