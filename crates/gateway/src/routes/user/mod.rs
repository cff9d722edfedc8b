//! `/api/v2/user`: the built-in `user` service for non-admin users.
//! `session`, `register`, `password` and `profile` are DreamFactory's access
//! exceptions: no role is needed, each handler checks what it needs itself. `custom` is
//! decided by the caller's role like any service component.

mod custom;
pub(crate) mod password;
pub(crate) mod profile;
mod register;
mod session;

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::{FromRequest, HttpRequest, HttpResponse, Resource, dev::Payload, web};

use crate::auth::{Principal, Session, authorize_service};
use crate::error::ApiError;
use crate::registry::ServiceEntry;
use crate::routes::doc_schemas::Resources;
use crate::service_types::user::{USER_SERVICE_NAME, UserServiceConfig};
use crate::state::AppState;

pub const MSG_NO_SESSION: &str = "There is no valid session for the current request.";

/// The resources of the user service, as `GET /api/v2/user` lists them.
const RESOURCES: &[&str] = &["custom", "password", "profile", "register", "session"];

/// The user service's handlers, for its OpenAPI paths (relative to `/api/v2`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_resources,
    session::login,
    session::current,
    session::refresh,
    session::logout,
    register::register,
    profile::read,
    profile::update,
    password::password,
    custom::list,
    custom::set_many,
    custom::delete_many,
    custom::get_one,
    custom::set_one,
    custom::delete_one,
))]
pub(crate) struct UserHandlers;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(list_resources))
        .configure(session::configure)
        .configure(register::configure)
        .configure(profile::configure)
        .configure(password::configure)
        .configure(custom::configure)
        .default_service(web::to(unknown_resource));
}

/// A resource whose unsupported verbs get DreamFactory's 400 rather than a bare 405.
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(unsupported_verb))
}

/// The `user` service, present and active: every route under `/api/v2/user` takes it, so
/// deactivating the service turns all of them off.
pub struct UserService(pub Arc<ServiceEntry>);

impl UserService {
    pub fn config(&self) -> UserServiceConfig {
        self.0.user_config().cloned().unwrap_or_default()
    }

    fn find(request: &HttpRequest) -> Result<Self, ApiError> {
        let state = request
            .app_data::<web::Data<AppState>>()
            .ok_or_else(|| ApiError::internal("application state missing"))?;
        let service = state
            .services
            .get(USER_SERVICE_NAME)
            .filter(|service| service.user_config().is_some())
            .ok_or_else(|| {
                ApiError::not_found(format!("Could not find a service for {USER_SERVICE_NAME}"))
            })?;
        if !service.row.is_active {
            return Err(ApiError::forbidden(format!(
                "Service {} is deactivated.",
                service.name
            )));
        }
        Ok(UserService(service))
    }
}

impl FromRequest for UserService {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::find(request))
    }
}

/// The caller's session, or DreamFactory's 401 for the user resources that need one.
pub fn require_session(session: Option<Session>) -> Result<Session, ApiError> {
    session.ok_or_else(|| ApiError::unauthorized(MSG_NO_SESSION))
}

/// Why `password` cannot be a new password, if it cannot (DreamFactory's minimum length,
/// 16 by default, and Sluice's maximum).
pub fn new_password_problem(state: &AppState, password: &str) -> Option<String> {
    let min = state.settings.auth.password_min_length;
    if password.chars().count() < min {
        return Some(format!("The password must be at least {min} characters."));
    }
    let max = crate::auth::password::MAX_PASSWORD_BYTES;
    (password.len() > max).then(|| format!("The password may not be greater than {max} bytes."))
}

/// `GET /api/v2/user`: not an access exception, so the role decides, as for any service root.
#[utoipa::path(get, path = "/user", tag = "user", operation_id = "get_user_resources",
    summary = "List the user service's resources (the role decides).",
    params(("as_list" = Option<bool>, Query, description = "Names only.")),
    responses((status = 200, description = "The resources.", body = Resources)))]
async fn list_resources(
    service: UserService,
    principal: Principal,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize_service(&state, principal, service.0, request.method(), "").await?;
    let params = crate::params::Params::from_query(request.query_string())?;
    if params.flag("as_access_list") {
        // DreamFactory's user service lists only its root and everything below it.
        return Ok(super::ok(serde_json::json!({ "resource": ["", "*"] })));
    }
    let as_list = params.flag("as_list");
    let resource: Vec<_> = RESOURCES
        .iter()
        .map(|name| {
            if as_list {
                serde_json::json!(name)
            } else {
                serde_json::json!({ "name": name })
            }
        })
        .collect();
    Ok(super::ok(serde_json::json!({ "resource": resource })))
}

fn resource_name(request: &HttpRequest) -> String {
    request
        .path()
        .split_once("/user/")
        .map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_string())
        .unwrap_or_default()
}

async fn unknown_resource(_: UserService, request: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "Resource '{}' not found for service '{USER_SERVICE_NAME}'.",
        resource_name(&request)
    )))
}

async fn unsupported_verb(_: UserService, request: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::bad_request(format!(
        "{} requests for resource '{}' are not currently supported by the '{USER_SERVICE_NAME}' service.",
        request.method(),
        resource_name(&request)
    )))
}
