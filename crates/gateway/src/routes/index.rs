//! `GET /` and `GET /api/v2`: what this gateway serves.

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use super::ok;
use crate::auth::Caller;
use crate::service_types::service_types;
use crate::state::AppState;

pub async fn home() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(concat!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sluice</title></head>",
            "<body><h1>Sluice ",
            env!("CARGO_PKG_VERSION"),
            "</h1>",
            "<p>A DreamFactory-compatible REST API gateway. The API lives under ",
            "<a href=\"/api/v2\">/api/v2</a>.</p></body></html>"
        ))
}

/// The services the caller may reach (wire reference 9.6). Anonymous callers see none.
pub async fn list_services(state: web::Data<AppState>, caller: Caller) -> HttpResponse {
    let services: Vec<Value> = if caller.is_sys_admin() {
        state
            .services
            .all()
            .iter()
            .filter(|s| s.row.is_active)
            .map(|s| {
                json!({
                    "id": s.row.id,
                    "name": s.row.name,
                    "label": s.row.label,
                    "description": s.row.description,
                    "type": s.row.service_type,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let types: Vec<Value> = service_types()
        .into_iter()
        .map(|t| {
            json!({"name": t["name"], "label": t["label"], "group": t["group"],
                        "description": t["description"]})
        })
        .collect();
    ok(json!({ "services": services, "service_types": types }))
}
