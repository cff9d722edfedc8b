//! `/system/script_type` (the engines scripts may name) and `/system/event` (the events a
//! script can be written for), so DreamFactory's admin app can list and edit scripts.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::auth::SystemAdmin;
use crate::error::ApiError;
use crate::params::Params;
use crate::registry::Backend;
use crate::routes::doc_schemas::Resources;
use crate::routes::ok;
use crate::scripts::NODEJS;
use crate::scripts::event_names::{POST, PRE, QUEUED, service_events};
use crate::state::AppState;
use crate::system::listing::{project, requested_fields, wrapped};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/script_type", web::get().to(list_types))
        .route("/script_type/{name}", web::get().to(get_type))
        .route("/event", web::get().to(list_events));
}

fn script_types() -> Vec<Value> {
    vec![json!({
        "name": NODEJS,
        "label": "Node.js",
        "description": "JavaScript, run in Sluice's sandboxed engine (QuickJS) with time and memory limits.",
        "sandboxed": true,
        "supports_inline_execution": false,
    })]
}

#[utoipa::path(get, path = "/system/script_type", tag = "system", operation_id = "get_script_types",
    summary = "The script engines: nodejs (JavaScript, sandboxed).",
    params(("fields" = Option<String>, Query, description = "Comma-separated fields to return."),
        ("as_list" = Option<bool>, Query, description = "Names only.")),
    responses((status = 200, description = "The script types.", body = Resources)))]
pub(crate) async fn list_types(
    _: SystemAdmin,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    if params.flag("as_list") {
        return Ok(ok(wrapped(vec![json!(NODEJS)], &params)));
    }
    let fields = requested_fields(&params);
    let types: Vec<Value> = script_types()
        .into_iter()
        .filter_map(|t| match t {
            Value::Object(map) => Some(project(map, fields.as_deref())),
            _ => None,
        })
        .collect();
    Ok(ok(wrapped(types, &params)))
}

#[utoipa::path(get, path = "/system/script_type/{name}", tag = "system", operation_id = "get_script_type",
    summary = "One script engine.",
    params(("name" = String, Path, description = "The type name: nodejs.")),
    responses((status = 200, description = "The script type.", body = Object),
        (status = 404, description = "No such type.")))]
pub(crate) async fn get_type(
    _: SystemAdmin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    script_types()
        .into_iter()
        .find(|t| t["name"] == name.as_str())
        .map(ok)
        .ok_or_else(|| ApiError::not_found(format!("Script type '{name}' not found.")))
}

#[utoipa::path(get, path = "/system/event", tag = "system", operation_id = "get_events",
    summary = "The events scripts can be written for, by service.",
    params(("service" = Option<String>, Query, description = "Only this service's events."),
        ("as_list" = Option<bool>, Query, description = "Event names only, as one list."),
        ("scriptable" = Option<bool>, Query, description = "The names scripts are saved under: each event with .pre_process, .post_process and .queued."),
        ("services_only" = Option<bool>, Query, description = "Only the names of the services that have events.")),
    responses((status = 200, description = "The events.", body = Resources)))]
pub(crate) async fn list_events(
    _: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let only = params.get(&["service"]).map(str::to_ascii_lowercase);
    let services: Vec<_> = state
        .services
        .all()
        .into_iter()
        .filter(|s| s.backend.database().is_some())
        .filter(|s| {
            only.as_deref()
                .is_none_or(|o| o == s.name.to_ascii_lowercase())
        })
        .collect();
    if params.flag("services_only") {
        let names: Vec<Value> = services.iter().map(|s| json!(s.name)).collect();
        return Ok(ok(wrapped(names, &params)));
    }
    let scriptable = params.flag("scriptable");
    let mut by_service = Vec::new();
    for service in &services {
        let tables = match &service.backend {
            Backend::Sqlite { database, .. } | Backend::Remote { database, .. } => {
                // Placeholders only when the database cannot be read now.
                match database.schema(false).await {
                    Ok(schema) => schema
                        .tables()
                        .iter()
                        .map(|t| t.name().to_owned())
                        .collect(),
                    Err(_) => Vec::new(),
                }
            }
            _ => Vec::new(),
        };
        let mut events = service_events(&service.name, &tables);
        if scriptable {
            events = events
                .iter()
                .flat_map(|e| [PRE, POST, QUEUED].map(|phase| format!("{e}.{phase}")))
                .collect();
        }
        by_service.push((service.name.clone(), events));
    }
    if params.flag("as_list") {
        let all: Vec<Value> = by_service
            .into_iter()
            .flat_map(|(_, events)| events.into_iter().map(Value::String))
            .collect();
        return Ok(ok(wrapped(all, &params)));
    }
    let resource: Vec<Value> = by_service
        .into_iter()
        .map(|(name, events)| json!({"name": name, "events": events}))
        .collect();
    Ok(ok(wrapped(resource, &params)))
}
