//! `/api/v2/system`: the admin API.

mod admin_profile;
mod admin_session;
mod app;
mod cache;
mod cors;
mod custom;
mod email_template;
mod environment;
mod event_script;
pub(crate) mod input;
mod limit;
mod limit_cache;
mod lookup;
mod package;
mod role;
mod script_type;
mod service;
mod service_type;
mod user;
mod user_app_roles;
mod user_input;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::ok;
use crate::auth::SystemAdmin;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::doc_schemas::Resources;
use crate::system::listing::wrapped;
use crate::system::resource;

pub use app::generate_key as generate_api_key;
pub(crate) use app::validate_key as validate_api_key;
pub(crate) use cors::new_cors;
pub(crate) use custom::{MAX_VALUES as MAX_CUSTOM_VALUES, record as custom_record};
pub(crate) use email_template::{
    merged as email_template_fields, record as email_template_record,
    write_error as email_template_write_error,
};
pub(crate) use event_script::imported_script;
pub(crate) use limit::rekey as limit_key_text;
pub(crate) use role::{imported_access, refuse_sql_with_record_rules};
pub(crate) use service::validate_config as validate_service_config;
pub(crate) use service::validate_name as validate_service_name;
pub(crate) use user_app_roles::ASSIGNMENTS;
pub(crate) use user_input::derived_name;

/// The resources this build serves under `/system`: the admin app shows a page only for the
/// resources this list names.
const RESOURCES: &[&str] = &[
    "admin",
    "app",
    "cache",
    "cors",
    "custom",
    "email_template",
    "environment",
    "event",
    "event_script",
    "limit",
    "limit_cache",
    "lookup",
    "package",
    "role",
    "script_type",
    "service",
    "service_type",
    "user",
];

/// The handlers documented with `#[utoipa::path]`; the record resources are documented by
/// [`resource::openapi_paths`], since their handlers are generic.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_resources,
        environment::environment,
        admin_session::login,
        admin_session::current,
        admin_session::refresh,
        admin_session::logout,
        admin_profile::read,
        admin_profile::update,
        admin_profile::password,
        cache::list,
        cache::flush_all,
        cache::flush_service,
        limit_cache::list,
        limit_cache::get_one,
        limit_cache::reset_one,
        limit_cache::reset_many,
        package::export_package,
        package::import_package,
        service_type::list,
        service_type::get_one,
        event_script::list,
        event_script::get_one,
        event_script::save,
        event_script::delete,
        script_type::list_types,
        script_type::get_type,
        script_type::list_events,
        custom::list,
        custom::get_one,
        custom::set_many,
        custom::set_one,
        custom::delete_many,
        custom::delete_one,
    ),
    components(schemas(
        service::ServiceInput,
        role::RoleInput,
        role::AccessRowInput,
        app::AppInput,
        lookup::LookupInput,
        cors::CorsInput,
        limit::LimitInput,
        event_script::EventScriptInput,
        email_template::EmailTemplateInput,
        user_input::UserInput,
        user_app_roles::AssignmentInput,
    ))
)]
pub(crate) struct SystemHandlers;

/// The record resources' path items, added to what utoipa collects from [`SystemHandlers`].
pub(crate) fn record_resource_paths() -> Vec<(String, serde_json::Value)> {
    use crate::system::resource_doc::openapi_paths;
    [
        openapi_paths::<user::Admins>(),
        openapi_paths::<user::Users>(),
        openapi_paths::<service::Services>(),
        openapi_paths::<role::Roles>(),
        openapi_paths::<app::Apps>(),
        openapi_paths::<lookup::Lookups>(),
        openapi_paths::<cors::CorsRules>(),
        openapi_paths::<limit::Limits>(),
        openapi_paths::<email_template::EmailTemplates>(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(list_resources))
        .configure(environment::configure)
        // Before `admin`'s own routes, so `/admin/session`, `/admin/profile` and `/admin/password`
        // are not read as `/admin/{id}`.
        .configure(admin_session::configure)
        .configure(admin_profile::configure)
        .configure(resource::configure::<user::Admins>)
        .configure(resource::configure::<user::Users>)
        .configure(resource::configure::<service::Services>)
        .configure(resource::configure::<role::Roles>)
        .configure(resource::configure::<app::Apps>)
        .configure(resource::configure::<lookup::Lookups>)
        .configure(resource::configure::<cors::CorsRules>)
        .configure(resource::configure::<limit::Limits>)
        .configure(resource::configure::<email_template::EmailTemplates>)
        .configure(custom::configure)
        .configure(service_type::configure)
        .configure(event_script::configure)
        .configure(script_type::configure)
        .configure(cache::configure)
        .configure(limit_cache::configure)
        .configure(package::configure)
        .default_service(web::to(unknown_resource));
}

#[utoipa::path(get, path = "/system", tag = "system", operation_id = "get_system_resources",
    summary = "List the system resources.",
    params(("as_list" = Option<bool>, Query, description = "Names only."),
        ("as_access_list" = Option<bool>, Query, description = "The role components of the system API (`\"\"`, `*`, `{resource}/`, `{resource}/*`)."),
        ("include_count" = Option<bool>, Query, description = "Add `meta.count`.")),
    responses((status = 200, description = "The resources.", body = Resources)))]
async fn list_resources(
    _admin: SystemAdmin,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let resource: Vec<_> = if params.flag("as_access_list") {
        // Administrators only reach this, and they may use every resource.
        let components = RESOURCES
            .iter()
            .flat_map(|name| [format!("{name}/"), format!("{name}/*")]);
        ["".to_string(), "*".to_string()]
            .into_iter()
            .chain(components)
            .map(|component| json!(component))
            .collect()
    } else if params.flag("as_list") {
        RESOURCES.iter().map(|name| json!(name)).collect()
    } else {
        RESOURCES
            .iter()
            .map(|name| json!({ "name": name }))
            .collect()
    };
    Ok(ok(wrapped(resource, &params)))
}

async fn unknown_resource(
    _admin: SystemAdmin,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let resource = request
        .path()
        .split_once("/system/")
        .map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_string())
        .unwrap_or_default();
    Err(ApiError::not_found(format!(
        "Resource '{resource}' not found for service 'system'."
    )))
}
