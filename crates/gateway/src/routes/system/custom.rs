//! `/system/custom[/{name}]`: DreamFactory's instance-wide key/values, where its admin app
//! keeps its settings. Values are any JSON, stored as they are sent; `GET /custom/{name}`
//! answers with the value itself, as DreamFactory does. POST, PUT and PATCH set values,
//! creating or replacing them (an upsert spares the admin app a read first).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sluice_system_db::SystemCustomRow;

use crate::auth::SystemAdmin;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::doc_schemas::{Listing, Resources};
use crate::routes::ok;
use crate::state::AppState;
use crate::system::custom_values::{
    self, check_bounds, name_of, names_to_delete, write_status, written,
};
use crate::system::fields::{Body, not_found, records_of};
use crate::system::matcher::Record;

/// Bounds what the instance can store, enforced before anything is written.
pub(crate) const MAX_VALUES: usize = 1000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/custom")
            .route(web::get().to(list))
            .route(web::post().to(set_many))
            .route(web::put().to(set_many))
            .route(web::patch().to(set_many))
            .route(web::delete().to(delete_many)),
    )
    .service(
        web::resource("/custom/{name}")
            .route(web::get().to(get_one))
            .route(web::put().to(set_one))
            .route(web::patch().to(set_one))
            .route(web::delete().to(delete_one)),
    );
}

/// The stored JSON document; a value that is not JSON (written by hand) is shown as text.
fn value_of_row(row: &SystemCustomRow) -> Value {
    match &row.value {
        None => Value::Null,
        Some(text) => serde_json::from_str(text).unwrap_or_else(|_| json!(text)),
    }
}

pub(crate) fn record(row: &SystemCustomRow) -> Record {
    let value = value_of_row(row);
    custom_values::record(&row.name, value, &row.created_date, &row.last_modified_date)
}

#[utoipa::path(get, path = "/system/custom", tag = "system", operation_id = "get_system_custom_values",
    summary = "The instance's stored values.",
    params(("ids" = Option<String>, Query, description = "Comma-separated names."),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return."),
        ("filter" = Option<String>, Query, description = "Only the values that match."),
        ("order" = Option<String>, Query, description = "Sort fields (default: as stored)."),
        ("limit" = Option<u64>, Query, description = "At most this many values."),
        ("offset" = Option<u64>, Query, description = "Skip this many values."),
        ("as_list" = Option<bool>, Query, description = "Names only."),
        ("include_count" = Option<bool>, Query, description = "Add `meta.count`."),
        ("count_only" = Option<bool>, Query, description = "Only the count.")),
    responses((status = 200, description = "The values, or their count.", body = Listing)))]
pub(crate) async fn list(
    _: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let rows = state.db.system_custom().list().await?;
    let records = rows.iter().map(record).collect();
    let limits = &state.settings.limits;
    Ok(ok(custom_values::list(records, &params, limits)?))
}

#[utoipa::path(get, path = "/system/custom/{name}", tag = "system", operation_id = "get_system_custom_value",
    summary = "One stored value: the value itself.",
    params(("name" = String, Path, description = "The value's name.")),
    responses((status = 200, description = "The value: any JSON.", body = Value)))]
pub(crate) async fn get_one(
    _: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = state.db.system_custom().get(&path).await?;
    let row = row.ok_or_else(|| not_found(path.as_str()))?;
    Ok(ok(value_of_row(&row)))
}

/// `name` and the JSON text of `value` of one record; other fields are ignored.
fn name_and_value(record: &Body) -> Result<(String, Option<String>), ApiError> {
    Ok((name_of(record)?, encoded(record)))
}

fn encoded(record: &Body) -> Option<String> {
    match record.get("value") {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.to_string()),
    }
}

/// Validates every record before writing any, so a bad record changes nothing.
async fn store(
    state: &AppState,
    admin: &SystemAdmin,
    values: Vec<(String, Option<String>)>,
) -> Result<Vec<SystemCustomRow>, ApiError> {
    let existing = state.db.system_custom().list().await?;
    let existing: Vec<&str> = existing.iter().map(|row| row.name.as_str()).collect();
    let names = values.iter().map(|(name, _)| name.as_str());
    check_bounds(names, &existing, MAX_VALUES, "The instance")?;
    let mut stored = Vec::with_capacity(values.len());
    for (name, value) in values {
        let actor = Some(admin.user_id());
        let row = state
            .db
            .system_custom()
            .upsert(&name, value.as_deref(), actor)
            .await?;
        stored.push(row);
    }
    Ok(stored)
}

#[utoipa::path(method(post, put, patch), path = "/system/custom", tag = "system", operation_id = "set_system_custom_values",
    summary = "Store values (`name`, `value`), replacing those of the same name.",
    params(("fields" = Option<String>, Query, description = "Comma-separated fields to return.")),
    request_body(content = Object, description = "`{\"resource\": [{\"name\", \"value\"}]}` or an array of them."),
    responses((status = 200, description = "Stored (PUT, PATCH).", body = Resources),
        (status = 201, description = "Stored (POST).", body = Resources)))]
pub(crate) async fn set_many(
    admin: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let values = records_of(body.0, true)?
        .iter()
        .map(name_and_value)
        .collect::<Result<Vec<_>, _>>()?;
    let stored = store(&state, &admin, values).await?;
    let resource: Vec<Value> = stored
        .iter()
        .map(|row| written(record(row), &params))
        .collect();
    let status = write_status(request.method());
    Ok(HttpResponse::build(status).json(json!({ "resource": resource })))
}

#[utoipa::path(method(put, patch), path = "/system/custom/{name}", tag = "system", operation_id = "set_system_custom_value",
    summary = "Store one value under `name`.",
    params(("name" = String, Path, description = "The value's name."),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return.")),
    request_body(content = Object, description = "`{\"value\": ...}`"),
    responses((status = 200, description = "Stored.", body = Object)))]
pub(crate) async fn set_one(
    admin: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let Value::Object(given) = body.0 else {
        return Err(ApiError::bad_request("No record detected in request."));
    };
    let value = vec![(path.into_inner(), encoded(&given))];
    let stored = store(&state, &admin, value).await?;
    Ok(ok(stored
        .first()
        .map(|row| written(record(row), &params))
        .unwrap_or_default()))
}

#[utoipa::path(delete, path = "/system/custom", tag = "system", operation_id = "delete_system_custom_values",
    summary = "Delete values by `ids=` (names) or by records carrying `name`; all must exist.",
    params(("ids" = Option<String>, Query, description = "Comma-separated names."),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return.")),
    responses((status = 200, description = "Deleted.", body = Resources)))]
pub(crate) async fn delete_many(
    _: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let names = names_to_delete(&params, body.0)?;
    let existing = state.db.system_custom().list().await?;
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
        state.db.system_custom().delete(&row.name).await?;
        deleted.push(written(record(row), &params));
    }
    Ok(ok(json!({ "resource": deleted })))
}

#[utoipa::path(delete, path = "/system/custom/{name}", tag = "system", operation_id = "delete_system_custom_value",
    summary = "Delete one stored value.",
    params(("name" = String, Path, description = "The value's name."),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return.")),
    responses((status = 200, description = "Deleted.", body = Object)))]
pub(crate) async fn delete_one(
    _: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let row = state.db.system_custom().get(&path).await?;
    let row = row.ok_or_else(|| not_found(path.as_str()))?;
    state.db.system_custom().delete(&row.name).await?;
    Ok(ok(written(record(&row), &params)))
}
