//! `/system/limit_cache`: the rate-limit counters, read and reset by administrators
//! (`rate_limits::cache_view` computes the entries).
//!
//! Resets act on the counters this node uses: the shared ones in Redis when `redis.url` is
//! set, else this node's own.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use sluice_system_db::LimitRow;

use crate::auth::SystemAdmin;
use crate::error::ApiError;
use crate::params::Params;
use crate::rate_limits::cache_view;
use crate::routes::doc_schemas::{CountersReset, Resources};
use crate::routes::ok;
use crate::state::AppState;
use crate::system::fields::not_found;
use crate::system::listing::{parse_ids, wrapped};

const MSG_NOTHING_TO_DELETE: &str = "No limit cache entries selected: give a limit id \
(limit_cache/{id}) or ids=, or force=true to reset every counter.";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/limit_cache")
            .route(web::get().to(list))
            .route(web::delete().to(reset_many)),
    )
    .service(
        web::resource("/limit_cache/{id}")
            .route(web::get().to(get_one))
            .route(web::delete().to(reset_one)),
    );
}

/// The limits with these ids, in that order; 404 for the first that does not exist.
async fn limits_by_id(state: &AppState, ids: &[i64]) -> Result<Vec<LimitRow>, ApiError> {
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        rows.push(
            state
                .db
                .limits()
                .get(*id)
                .await?
                .ok_or_else(|| not_found(id))?,
        );
    }
    Ok(rows)
}

fn parse_id(text: &str) -> Result<i64, ApiError> {
    text.trim().parse().map_err(|_| not_found(text))
}

#[utoipa::path(get, path = "/system/limit_cache", tag = "system", operation_id = "get_limit_cache",
    summary = "The rate-limit counters: one entry per limit, and per user for each-user limits.",
    params(("ids" = Option<String>, Query, description = "Only these limits (comma-separated ids).")),
    responses((status = 200, description = "The entries: id, key, max, attempts, remaining.", body = Resources),
        (status = 404, description = "An id is not a limit's.")))]
async fn list(
    _: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let rows = match params.get(&["ids"]) {
        Some(ids) => {
            let ids = parse_ids(ids, state.settings.limits.ids_max)?;
            limits_by_id(&state, &ids).await?
        }
        None => state.db.limits().list().await?,
    };
    let entries = cache_view::entries(&state, &rows).await?;
    let entries = entries.iter().map(|e| json!(e)).collect();
    Ok(ok(wrapped(entries, &params)))
}

#[utoipa::path(get, path = "/system/limit_cache/{id}", tag = "system", operation_id = "get_limit_cache_entry",
    summary = "The first counter of one limit.",
    params(("id" = i64, Path, description = "The limit's id.")),
    responses((status = 200, description = "The entry: id, key, max, attempts, remaining."),
        (status = 404, description = "No such limit.")))]
async fn get_one(
    _: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let rows = limits_by_id(&state, &[id]).await?;
    let entry = cache_view::entries(&state, &rows)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| not_found(id))?;
    Ok(ok(json!(entry)))
}

#[utoipa::path(delete, path = "/system/limit_cache/{id}", tag = "system", operation_id = "delete_limit_cache_entry",
    summary = "Reset the counters of one limit (every user's, for an each-user limit).",
    params(("id" = i64, Path, description = "The limit's id.")),
    responses((status = 200, description = "`{\"id\": N}`."),
        (status = 404, description = "No such limit.")))]
async fn reset_one(
    _: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let rows = limits_by_id(&state, &[id]).await?;
    cache_view::reset(&state, &rows).await?;
    tracing::info!(limit.id = id, "rate-limit counters reset");
    Ok(ok(json!({ "id": id })))
}

#[utoipa::path(delete, path = "/system/limit_cache", tag = "system", operation_id = "delete_limit_cache",
    summary = "Reset the counters of the limits in ids=, or every counter with force=true (or allow_delete=true).",
    params(("ids" = Option<String>, Query, description = "The limits to reset (comma-separated ids)."),
        ("force" = Option<bool>, Query, description = "Reset every counter."),
        ("allow_delete" = Option<bool>, Query, description = "Reset every counter.")),
    responses((status = 200, description = "The ids reset, or a success for all.", body = CountersReset),
        (status = 400, description = "Neither ids nor force."),
        (status = 404, description = "An id is not a limit's.")))]
async fn reset_many(
    _: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    if let Some(ids) = params.get(&["ids"]) {
        let ids = parse_ids(ids, state.settings.limits.ids_max)?;
        let rows = limits_by_id(&state, &ids).await?;
        cache_view::reset(&state, &rows).await?;
        tracing::info!(limits = ids.len(), "rate-limit counters reset");
        let reset: Vec<_> = ids.iter().map(|id| json!({ "id": id })).collect();
        return Ok(ok(json!({ "resource": reset })));
    }
    if params.flag("force") || params.flag("allow_delete") {
        cache_view::reset_all(&state).await?;
        tracing::info!("every rate-limit counter reset");
        return Ok(ok(json!({ "success": true })));
    }
    Err(ApiError::bad_request(MSG_NOTHING_TO_DELETE))
}
