//! `/system/cache`: list cacheable services, and drop cached service state and schema
//! (wire reference 14).

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use crate::auth::SystemAdmin;
use crate::error::ApiError;
use crate::registry::Backend;
use crate::routes::ok;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/cache")
            .route(web::get().to(list))
            .route(web::delete().to(flush_all)),
    )
    .route("/cache/{service}", web::delete().to(flush_service));
}

async fn list(_: SystemAdmin, state: web::Data<AppState>) -> HttpResponse {
    let services: Vec<Value> = state
        .services
        .all()
        .iter()
        .map(|s| {
            json!({"name": s.row.name, "label": s.row.label,
                        "description": s.row.description, "type": s.row.service_type})
        })
        .collect();
    ok(json!({ "resource": services }))
}

async fn flush_all(_: SystemAdmin, state: web::Data<AppState>) -> HttpResponse {
    for service in state.services.all() {
        if let Backend::Sqlite { connector, .. } = &service.backend {
            connector.invalidate();
        }
    }
    tracing::info!("all service caches flushed");
    ok(json!({ "success": true }))
}

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
        Backend::Sqlite { connector, .. } => connector.invalidate(),
        Backend::User { .. } | Backend::Unavailable { .. } => {
            return Err(ApiError::not_implemented(
                "Service does not implement API controlled cache.",
            ));
        }
    }
    tracing::info!(service.name = %service.name, "service cache flushed");
    Ok(ok(json!({ "success": true })))
}
