//! `/user/custom[/{name}]`: the signed-in user's own key/value store
//! (df-user's `UserCustom`), keyed by `name`. Not an access exception: the caller needs a
//! session and the role's grant on the `custom` component of the user service.
//!
//! POST and PATCH (PUT too) both set values, creating or replacing them (DreamFactory's POST
//! refuses an existing name; an upsert spares clients a read first).

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sluice_system_db::UserCustomRow;

use super::{UserService, require_session};
use crate::auth::{Principal, Session, authorize_service};
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::doc_schemas::{CustomValue, Listing, Resources};
use crate::routes::ok;
use crate::state::AppState;
use crate::system::custom_values::{
    self, check_bounds, name_of, names_to_delete, write_status, written,
};
use crate::system::fields::{Body, not_found, records_of};
use crate::system::listing::{project, requested_fields};
use crate::system::matcher::Record;

/// Bounds what one user can store, enforced before anything is written.
const MAX_VALUES_PER_USER: usize = 1000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/custom")
            .route(web::get().to(list))
            .route(web::post().to(set_many))
            .route(web::put().to(set_many))
            .route(web::patch().to(set_many))
            .route(web::delete().to(delete_many)),
    )
    .service(
        super::resource("/custom/{name}")
            .route(web::get().to(get_one))
            .route(web::put().to(set_one))
            .route(web::patch().to(set_one))
            .route(web::delete().to(delete_one)),
    );
}

/// The session, then the role's decision on `custom` (or `custom/{name}`) and the rate
/// limits.
async fn authorize(
    state: &AppState,
    service: UserService,
    principal: Principal,
    method: &Method,
    component: &str,
) -> Result<Session, ApiError> {
    let session = require_session(principal.session.clone())?;
    authorize_service(state, principal, service.0, method, component).await?;
    Ok(session)
}

/// A stored value as DreamFactory shows it (`id` and `user_id` are hidden).
fn record(row: &UserCustomRow) -> Record {
    let value = json!(row.value);
    custom_values::record(&row.name, value, &row.created_date, &row.last_modified_date)
}

#[utoipa::path(get, path = "/user/custom", tag = "user", operation_id = "get_user_custom_values",
    summary = "The signed-in user's stored values.",
    params(("ids" = Option<String>, Query, description = "Comma-separated names."),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return."),
        ("filter" = Option<String>, Query, description = "Only the values that match, e.g. `name like 'ui.%'`."),
        ("order" = Option<String>, Query, description = "Sort fields, e.g. `name desc` (default: as stored)."),
        ("limit" = Option<u64>, Query, description = "At most this many values."),
        ("offset" = Option<u64>, Query, description = "Skip this many values."),
        ("as_list" = Option<bool>, Query, description = "Names only."),
        ("include_count" = Option<bool>, Query, description = "Add `meta.count`."),
        ("count_only" = Option<bool>, Query, description = "Only the count.")),
    responses((status = 200, description = "The values, or their count.", body = Listing)))]
async fn list(
    service: UserService,
    principal: Principal,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let session = authorize(&state, service, principal, request.method(), "custom").await?;
    let params = Params::from_query(request.query_string())?;
    let rows = state.db.user_custom().for_user(session.user.id).await?;
    let records = rows.iter().map(record).collect();
    let limits = &state.settings.limits;
    Ok(ok(custom_values::list(records, &params, limits)?))
}

/// `custom/{name}` of the signed-in user, after the role check.
async fn own_value(
    service: UserService,
    principal: Principal,
    state: &AppState,
    name: &str,
    method: &Method,
) -> Result<(Session, UserCustomRow), ApiError> {
    let session = authorize(state, service, principal, method, &format!("custom/{name}")).await?;
    let row = state
        .db
        .user_custom()
        .get(session.user.id, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    Ok((session, row))
}

#[utoipa::path(get, path = "/user/custom/{name}", tag = "user", operation_id = "get_user_custom_value",
    summary = "One stored value.",
    params(("name" = String, Path, description = "The value's name."),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return.")),
    responses((status = 200, description = "The value.", body = CustomValue)))]
async fn get_one(
    service: UserService,
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (_, row) = own_value(service, principal, &state, &path, request.method()).await?;
    let params = Params::from_query(request.query_string())?;
    Ok(ok(project(
        record(&row),
        requested_fields(&params).as_deref(),
    )))
}

/// `name` and `value` of one record; other fields are ignored, as DreamFactory does.
fn name_and_value(record: &Body) -> Result<(String, Option<String>), ApiError> {
    Ok((name_of(record)?, value_of(record)))
}

/// Values are text; a number or boolean is kept as its JSON text.
fn value_of(record: &Body) -> Option<String> {
    match record.get("value") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    }
}

/// Validates every record before writing any, so a bad record changes nothing.
async fn store(
    state: &AppState,
    user_id: i64,
    values: Vec<(String, Option<String>)>,
) -> Result<Vec<UserCustomRow>, ApiError> {
    let existing = state.db.user_custom().for_user(user_id).await?;
    let existing: Vec<&str> = existing.iter().map(|row| row.name.as_str()).collect();
    let names = values.iter().map(|(name, _)| name.as_str());
    check_bounds(names, &existing, MAX_VALUES_PER_USER, "A user")?;
    let mut stored = Vec::with_capacity(values.len());
    for (name, value) in values {
        let row = state
            .db
            .user_custom()
            .upsert(user_id, &name, value.as_deref())
            .await?;
        stored.push(row);
    }
    Ok(stored)
}

#[utoipa::path(method(post, put, patch), path = "/user/custom", tag = "user", operation_id = "set_user_custom_values",
    summary = "Store values (`name`, `value`), replacing those of the same name.",
    params(("fields" = Option<String>, Query, description = "Comma-separated fields to return.")),
    request_body(content = Object, description = "`{\"resource\": [{\"name\", \"value\"}]}` or an array of them."),
    responses((status = 200, description = "Stored (PUT, PATCH).", body = Resources),
        (status = 201, description = "Stored (POST).", body = Resources)))]
async fn set_many(
    service: UserService,
    principal: Principal,
    state: web::Data<AppState>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let session = authorize(&state, service, principal, request.method(), "custom").await?;
    let params = Params::from_query(request.query_string())?;
    let values = records_of(body.0, true)?
        .iter()
        .map(name_and_value)
        .collect::<Result<Vec<_>, _>>()?;
    let stored = store(&state, session.user.id, values).await?;
    let resource: Vec<Value> = stored
        .iter()
        .map(|row| written(record(row), &params))
        .collect();
    let status = write_status(request.method());
    Ok(HttpResponse::build(status).json(json!({ "resource": resource })))
}

#[utoipa::path(method(put, patch), path = "/user/custom/{name}", tag = "user", operation_id = "set_user_custom_value",
    summary = "Store one value under `name`.",
    params(("name" = String, Path, description = "The value's name."),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return.")),
    request_body(content = Object, description = "`{\"value\": ...}`"),
    responses((status = 200, description = "Stored.", body = CustomValue)))]
async fn set_one(
    service: UserService,
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let component = format!("custom/{path}");
    let session = authorize(&state, service, principal, request.method(), &component).await?;
    let params = Params::from_query(request.query_string())?;
    let Value::Object(given) = body.0 else {
        return Err(ApiError::bad_request("No record detected in request."));
    };
    let value = vec![(path.into_inner(), value_of(&given))];
    let stored = store(&state, session.user.id, value).await?;
    Ok(ok(stored
        .first()
        .map(|row| written(record(row), &params))
        .unwrap_or_default()))
}

/// `?ids=a,b` or records carrying `name` in the body; all must exist, or nothing is deleted.
#[utoipa::path(delete, path = "/user/custom", tag = "user", operation_id = "delete_user_custom_values",
    summary = "Delete values by `ids=` (names) or by records carrying `name`; all must exist.",
    params(("ids" = Option<String>, Query, description = "Comma-separated names."),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return.")),
    responses((status = 200, description = "Deleted.", body = Resources)))]
async fn delete_many(
    service: UserService,
    principal: Principal,
    state: web::Data<AppState>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let session = authorize(&state, service, principal, request.method(), "custom").await?;
    let params = Params::from_query(request.query_string())?;
    let names = names_to_delete(&params, body.0)?;
    let existing = state.db.user_custom().for_user(session.user.id).await?;
    let mut doomed = Vec::with_capacity(names.len());
    for name in &names {
        let row = existing
            .iter()
            .find(|row| row.name == *name)
            .ok_or_else(|| not_found(name))?;
        doomed.push(row);
    }
    let mut deleted = Vec::with_capacity(doomed.len());
    for row in doomed {
        state
            .db
            .user_custom()
            .delete(session.user.id, &row.name)
            .await?;
        deleted.push(written(record(row), &params));
    }
    Ok(ok(json!({ "resource": deleted })))
}

#[utoipa::path(delete, path = "/user/custom/{name}", tag = "user", operation_id = "delete_user_custom_value",
    summary = "Delete one stored value.",
    params(("name" = String, Path, description = "The value's name."),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return.")),
    responses((status = 200, description = "Deleted.", body = CustomValue)))]
async fn delete_one(
    service: UserService,
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (session, row) = own_value(service, principal, &state, &path, request.method()).await?;
    let params = Params::from_query(request.query_string())?;
    state
        .db
        .user_custom()
        .delete(session.user.id, &row.name)
        .await?;
    Ok(ok(written(record(&row), &params)))
}
