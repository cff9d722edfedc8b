//! `/system/service_type`: the service types this build supports, with their config schemas.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use crate::auth::SystemAdmin;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::doc_schemas::Resources;
use crate::routes::ok;
use crate::service_types::service_types;
use crate::system::listing::{project, requested_fields, wrapped};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/service_type", web::get().to(list))
        .route("/service_type/{name}", web::get().to(get_one));
}

#[utoipa::path(get, path = "/system/service_type", tag = "system", operation_id = "get_service_types",
    summary = "The service types this build supports, with their config schemas.",
    params(("fields" = Option<String>, Query, description = "Comma-separated fields to return."),
        ("group" = Option<String>, Query, description = "Only the types of this group."),
        ("as_list" = Option<bool>, Query, description = "Names only.")),
    responses((status = 200, description = "The service types.", body = Resources)))]
async fn list(_: SystemAdmin, request: HttpRequest) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let group = params.get(&["group"]);
    let fields = requested_fields(&params);
    let types: Vec<Value> = service_types()
        .into_iter()
        .filter(|t| {
            group.is_none_or(|g| {
                t["group"]
                    .as_str()
                    .is_some_and(|tg| tg.eq_ignore_ascii_case(g))
            })
        })
        .filter_map(|t| match t {
            Value::Object(map) => Some(project(map, fields.as_deref())),
            _ => None,
        })
        .collect();
    if params.flag("as_list") {
        let names: Vec<Value> = types.iter().map(|t| t["name"].clone()).collect();
        return Ok(ok(wrapped(names, &params)));
    }
    Ok(ok(wrapped(types, &params)))
}

#[utoipa::path(get, path = "/system/service_type/{name}", tag = "system", operation_id = "get_service_type",
    summary = "One service type.",
    params(("name" = String, Path, description = "The type name, e.g. `sqlite`."),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return.")),
    responses((status = 200, description = "The service type.", body = Object),
        (status = 404, description = "No such type.")))]
async fn get_one(
    _: SystemAdmin,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let name = path.into_inner();
    service_types()
        .into_iter()
        .find(|t| t["name"] == name.as_str())
        .and_then(|t| match t {
            Value::Object(map) => Some(ok(project(map, requested_fields(&params).as_deref()))),
            _ => None,
        })
        .ok_or_else(|| ApiError::not_found(format!("Service type '{name}' not found.")))
}
