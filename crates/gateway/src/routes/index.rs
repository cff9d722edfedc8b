//! `GET /` and `GET /api/v2`: what this gateway serves.

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use super::ok;
use sluice_rbac::has_service_access;

use crate::auth::Principal;
use crate::auth::principal::Authority;
use crate::service_types::service_types;
use crate::state::AppState;

pub async fn home() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(concat!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sluice</title>",
            // Without an icon, browsers ask for /favicon.ico, which is a 404.
            "<link rel=\"icon\" type=\"image/png\" href=\"/docs/favicon-32x32.png\"></head>",
            "<body><h1>Sluice ",
            env!("CARGO_PKG_VERSION"),
            "</h1>",
            "<p>A DreamFactory-compatible REST API gateway. The API lives under ",
            "<a href=\"/api/v2\">/api/v2</a>; browse and try it on the ",
            "<a href=\"/docs\">API docs page</a>.</p></body></html>"
        ))
}

/// The services the caller may reach: active ones on which the role
/// grants any verb. Anonymous callers and callers without a role see none.
pub async fn list_services(state: web::Data<AppState>, principal: Principal) -> HttpResponse {
    let reachable = |service_id: i64| match &principal.authority {
        Authority::Unrestricted => true,
        Authority::Role(role) => has_service_access(&role.grants, service_id, principal.requestor),
        Authority::NoRole => false,
    };
    let services: Vec<Value> = state
        .services
        .all()
        .iter()
        .filter(|s| s.row.is_active && reachable(s.row.id))
        .map(|s| {
            json!({
                "id": s.row.id,
                "name": s.row.name,
                "label": s.row.label,
                "description": s.row.description,
                "type": s.row.service_type,
            })
        })
        .collect();
    let types: Vec<Value> = service_types()
        .into_iter()
        .map(|t| {
            json!({"name": t["name"], "label": t["label"], "group": t["group"],
                        "description": t["description"]})
        })
        .collect();
    ok(json!({ "services": services, "service_types": types }))
}
