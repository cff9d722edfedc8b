//! The route tree mirrors the URL tree: `/api/v2/system/...` in `system`,
//! `/api/v2/user/...` (the built-in user service) in `user`, and `/api/v2/{service}/...` for
//! database services in `db`. `/api/{service}` (no version)
//! serves the same routes, as DreamFactory. `/docs` is the page people browse the API with.
//! `/health`, `/health/ready` and `/metrics` are for operators (docs/OPERATIONS.md).

mod api_docs;
pub(crate) mod db;
pub(crate) mod doc_schemas;
mod docs_page;
mod health;
mod index;
pub mod metrics;
pub mod system;
pub(crate) mod user;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderValue;
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpResponse, ResponseError, web};
use serde_json::Value;

use crate::error::{ApiError, MSG_SYSTEM_DB_UNAVAILABLE};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v2")
            .wrap(from_fn(require_current_state))
            .configure(api),
    )
    .service(
        web::scope("/api")
            .wrap(from_fn(require_current_state))
            .configure(api),
    )
    .service(web::scope("/docs").configure(docs_page::configure))
    .configure(health::configure)
    .route("/", web::get().to(index::home))
    // Last: hosted apps and public folders of file services (`files::apps`).
    .service(
        web::resource("/{service}/{path:.*}")
            .route(web::get().to(crate::files::apps::serve_public))
            .route(web::head().to(crate::files::apps::serve_public)),
    );
}

fn api(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(index::list_services))
        .service(web::scope("/system").configure(system::configure))
        .service(web::scope("/api_docs").configure(api_docs::configure))
        // Before `/{service}`: the user service is not a database service.
        .service(web::scope("/user").configure(user::configure))
        // Scripted services and event scripts (`scripts::events`) around every service's
        // endpoints.
        .service(
            web::scope("/{service}")
                // Inside the scripts: event scripts run around file services' endpoints too.
                .wrap(from_fn(crate::files::handlers::file_services))
                .wrap(from_fn(crate::scripts::events::service_scripts))
                .configure(db::configure),
        );
}

/// 503 for every API request once this node has gone `change_feed.max_stale_seconds` without
/// confirming that its caches are current (the system database is unreachable): past that,
/// it could be answering with a revoked session or a deleted role.
async fn require_current_state(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let stale = request
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.is_stale());
    if stale {
        let refusal = ApiError::unavailable(MSG_SYSTEM_DB_UNAVAILABLE).error_response();
        return Ok(request.into_response(refusal).map_into_right_body());
    }
    Ok(next.call(request).await?.map_into_left_body())
}

/// The OpenAPI paths of the system API and the user service, relative to `/api/v2`, as
/// utoipa collects them from the handlers' annotations (plus the generic record resources),
/// serialised; `sluice_docs::system_document` completes them.
pub fn openapi() -> serde_json::Result<Value> {
    use utoipa::OpenApi;
    let mut api = system::SystemHandlers::openapi();
    api.merge(user::UserHandlers::openapi());
    let mut collected = serde_json::to_value(api)?;
    if let Some(paths) = collected["paths"].as_object_mut() {
        paths.extend(system::record_resource_paths());
    }
    Ok(collected)
}

/// 200 with a JSON body.
pub fn ok(body: Value) -> HttpResponse {
    HttpResponse::Ok().json(body)
}

/// 200 with bytes that are already JSON (connector output).
pub fn ok_json_bytes(body: impl Into<bytes::Bytes>) -> HttpResponse {
    // A constant: the same header from a `&str` was checked and copied on every read.
    const JSON: HeaderValue = HeaderValue::from_static("application/json");
    HttpResponse::Ok().content_type(JSON).body(body.into())
}
