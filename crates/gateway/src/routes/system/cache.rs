//! `/system/cache`: list cacheable services, and drop their cached schema and cached reads
//! (docs/CACHING.md).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sluice_system_db::Topic;

use crate::auth::SystemAdmin;
use crate::error::ApiError;
use crate::params::Params;
use crate::registry::Backend;
use crate::routes::doc_schemas::{Resources, Success};
use crate::routes::ok;
use crate::state::AppState;
use crate::system::listing::wrapped;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/cache")
            .route(web::get().to(list))
            .route(web::delete().to(flush_all)),
    )
    .route("/cache/{service}", web::delete().to(flush_service));
}

#[utoipa::path(get, path = "/system/cache", tag = "system", operation_id = "get_cache",
    summary = "The services and their caches.",
    responses((status = 200, description = "The services.", body = Resources)))]
async fn list(
    _: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let services: Vec<Value> = state
        .services
        .all()
        .iter()
        .map(|s| {
            json!({"name": s.row.name, "label": s.row.label,
                        "description": s.row.description, "type": s.row.service_type})
        })
        .collect();
    Ok(ok(wrapped(services, &params)))
}

#[utoipa::path(delete, path = "/system/cache", tag = "system", operation_id = "delete_cache",
    summary = "Drop every service's cached schema and cached reads.",
    responses((status = 200, description = "Flushed.", body = Success)))]
async fn flush_all(_: SystemAdmin, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    for service in state.services.all() {
        if service.backend.database().is_some() {
            flush(&state, service.row.id).await?;
        }
    }
    tracing::info!("all service caches flushed");
    Ok(ok(json!({ "success": true })))
}

/// Every node drops the service's cached schema and cached reads, through the change feed.
async fn flush(state: &AppState, service_id: i64) -> Result<(), ApiError> {
    Ok(state
        .db
        .announce(Topic::Schema, &service_id.to_string())
        .await?)
}

#[utoipa::path(delete, path = "/system/cache/{service}", tag = "system", operation_id = "delete_service_cache",
    summary = "Drop one service's cached schema and cached reads.",
    params(("service" = String, Path, description = "The service name.")),
    responses((status = 200, description = "Flushed.", body = Success),
        (status = 404, description = "No such service."),
        (status = 501, description = "The service has no cache.")))]
async fn flush_service(
    _: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    let service = state
        .services
        .get(&name)
        .ok_or_else(|| ApiError::not_found(format!("Could not find a service for {name}")))?;
    match &service.backend {
        Backend::Sqlite { .. } | Backend::Remote { .. } => flush(&state, service.row.id).await?,
        Backend::User { .. }
        | Backend::Script { .. }
        | Backend::Files { .. }
        | Backend::Unavailable { .. } => {
            return Err(ApiError::not_implemented(
                "Service does not implement API controlled cache.",
            ));
        }
    }
    tracing::info!(service.name = %service.name, "service cache flushed");
    Ok(ok(json!({ "success": true })))
}
