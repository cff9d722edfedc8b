//! `/system/service`: create, read, update and delete services (wire reference 10.1, 10.2).
//! Every change is applied to the registry at once, so it takes effect on the next request.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};
use sluice_system_db::{DbError, NewService, ServicePatch, ServiceRow};

use crate::auth::SystemAdmin;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::ok;
use crate::service_types::{
    RESERVED_NAMES, SQLITE, build_entry, parse_sqlite_config, resolve_database,
};
use crate::state::AppState;
use crate::system::listing::{self, Listing, parse_ids, project, requested_fields};
use crate::system::matcher::Record;

const COLUMNS: &[&str] = &[
    "id",
    "name",
    "label",
    "description",
    "is_active",
    "type",
    "mutable",
    "deletable",
    "config",
    "created_date",
    "last_modified_date",
    "created_by_id",
    "last_modified_by_id",
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/service")
            .route(web::get().to(list))
            .route(web::post().to(create))
            .route(web::put().to(update_many))
            .route(web::patch().to(update_many))
            .route(web::delete().to(delete_many)),
    )
    .service(
        web::resource("/service/{id}")
            .route(web::get().to(get_one))
            .route(web::put().to(update_one))
            .route(web::patch().to(update_one))
            .route(web::delete().to(delete_one)),
    );
}

fn record(row: &ServiceRow) -> Record {
    match serde_json::to_value(row) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The response for one written record: identifiers only unless `fields` asks for more.
fn written(row: &ServiceRow, params: &Params) -> Value {
    match params.get(&["fields"]) {
        None => json!({ "id": row.id }),
        Some(_) => project(record(row), requested_fields(params).as_deref()),
    }
}

async fn list(
    _: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let records = state
        .db
        .services()
        .list()
        .await?
        .iter()
        .map(record)
        .collect();
    Ok(
        match listing::list(records, COLUMNS, &params, &state.settings.limits)? {
            Listing::Body(body) => ok(body),
            Listing::Count(n) => ok(json!(n)),
        },
    )
}

async fn get_one(
    _: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let row = find(&state, &path).await?;
    Ok(ok(project(
        record(&row),
        requested_fields(&params).as_deref(),
    )))
}

async fn find(state: &AppState, id: &str) -> Result<ServiceRow, ApiError> {
    let not_found = || ApiError::not_found(format!("Record with identifier '{id}' not found."));
    let id: i64 = id.parse().map_err(|_| not_found())?;
    state.db.services().get(id).await?.ok_or_else(not_found)
}

/// The records of a write body: `{"resource":[...]}`, a bare array, or (on the `/{id}` forms)
/// a bare object.
fn records_of(body: Value, allow_single: bool) -> Result<Vec<Map<String, Value>>, ApiError> {
    let missing = || {
        ApiError::bad_request(
            "No record(s) detected in request. Please make sure record(s) are wrapped in a \
             'resource' tag. Example: {\"resource\":[{\"record\":1},{\"record\":2}]}",
        )
    };
    let items = match body {
        Value::Object(mut map) if map.contains_key("resource") => match map.remove("resource") {
            Some(Value::Array(items)) => items,
            Some(single @ Value::Object(_)) => vec![single],
            _ => return Err(missing()),
        },
        Value::Array(items) => items,
        single @ Value::Object(_) if allow_single => vec![single],
        _ => return Err(missing()),
    };
    if items.is_empty() {
        return Err(missing());
    }
    items
        .into_iter()
        .map(|item| match item {
            Value::Object(map) => Ok(map),
            _ => Err(ApiError::bad_request(
                "Invalid data supplied. Each record must be a JSON object.",
            )),
        })
        .collect()
}

fn invalid_field(field: &str, message: &str) -> ApiError {
    ApiError::bad_request(format!("Invalid data supplied. {message}"))
        .with_context(json!({ field: [message] }))
}

fn text(map: &Map<String, Value>, key: &str) -> Result<Option<String>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid_field(key, &format!("The {key} must be a string."))),
    }
}

fn flag(map: &Map<String, Value>, key: &str) -> Result<Option<bool>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(invalid_field(
            key,
            &format!("The {key} field must be true or false."),
        )),
    }
}

fn validate_name(name: &str) -> Result<(), ApiError> {
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if name.is_empty() || name.len() > 40 || !valid_chars {
        return Err(invalid_field(
            "name",
            "The name must be 1 to 40 characters of lower-case letters, digits, '_' or '-'.",
        ));
    }
    if RESERVED_NAMES.contains(&name) {
        return Err(invalid_field(
            "name",
            &format!("The name '{name}' is reserved."),
        ));
    }
    Ok(())
}

/// Validates a service's type and config, resolves its database, and returns the config to
/// store (normalised, without the `create` instruction).
fn validate_config(
    state: &AppState,
    service_type: &str,
    config: &Value,
) -> Result<Value, ApiError> {
    if service_type != SQLITE {
        return Err(invalid_field(
            "type",
            &format!("Service type '{service_type}' is not supported."),
        ));
    }
    let (config, create) = parse_sqlite_config(config)?;
    resolve_database(
        &config,
        create,
        &state.settings,
        state.system_db_file.as_deref(),
    )?;
    Ok(config.to_json())
}

fn conflict(error: DbError) -> ApiError {
    match error {
        DbError::Conflict { .. } => invalid_field("name", "The name has already been taken."),
        other => ApiError::from(other),
    }
}

async fn register(state: &AppState, row: ServiceRow) {
    state.services.remove_id(row.id);
    let entry = build_entry(row, &state.settings, state.system_db_file.as_deref()).await;
    state.services.insert(entry);
}

async fn create(
    admin: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let mut created = Vec::new();
    for map in records_of(body.0, false)? {
        let name = text(&map, "name")?
            .ok_or_else(|| invalid_field("name", "The name field is required."))?;
        validate_name(&name)?;
        let service_type = text(&map, "type")?
            .ok_or_else(|| invalid_field("type", "The type field is required."))?;
        let config = validate_config(
            &state,
            &service_type,
            map.get("config").unwrap_or(&Value::Null),
        )?;
        let new = NewService {
            label: Some(text(&map, "label")?.unwrap_or_else(|| name.clone())),
            description: text(&map, "description")?,
            is_active: flag(&map, "is_active")?.unwrap_or(true),
            config,
            ..NewService::new(name, service_type)
        };
        let row = state
            .db
            .services()
            .insert(&new, Some(admin.user_id()))
            .await
            .map_err(conflict)?;
        tracing::info!(service.name = %row.name, "service created");
        register(&state, row.clone()).await;
        created.push(written(&row, &params));
    }
    Ok(HttpResponse::build(StatusCode::CREATED).json(json!({ "resource": created })))
}

async fn apply_patch(
    state: &AppState,
    admin: &SystemAdmin,
    id: i64,
    map: &Map<String, Value>,
) -> Result<ServiceRow, ApiError> {
    let current = find(state, &id.to_string()).await?;
    let name = text(map, "name")?;
    if let Some(name) = &name {
        validate_name(name)?;
    }
    if text(map, "type")?.is_some_and(|t| t != current.service_type) {
        return Err(invalid_field(
            "type",
            "The type of a service cannot be changed.",
        ));
    }
    let config = match map.get("config") {
        None => None,
        Some(config) => Some(validate_config(state, &current.service_type, config)?),
    };
    let patch = ServicePatch {
        name,
        label: text(map, "label")?,
        description: map
            .contains_key("description")
            .then(|| text(map, "description"))
            .transpose()?,
        is_active: flag(map, "is_active")?,
        config,
        ..ServicePatch::default()
    };
    let row = state
        .db
        .services()
        .update(id, &patch, Some(admin.user_id()))
        .await
        .map_err(conflict)?
        .ok_or_else(|| ApiError::not_found(format!("Record with identifier '{id}' not found.")))?;
    tracing::info!(service.name = %row.name, "service updated");
    register(state, row.clone()).await;
    Ok(row)
}

async fn update_one(
    admin: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let id = find(&state, &path).await?.id;
    let map = match body.0 {
        Value::Object(map) => map,
        _ => return Err(ApiError::bad_request("No record detected in request.")),
    };
    let row = apply_patch(&state, &admin, id, &map).await?;
    Ok(ok(written(&row, &params)))
}

async fn update_many(
    admin: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let mut updated = Vec::new();
    for map in records_of(body.0, false)? {
        let id = map.get("id").and_then(Value::as_i64).ok_or_else(|| {
            ApiError::bad_request("Identifying field 'id' can not be empty for update request.")
        })?;
        updated.push(written(
            &apply_patch(&state, &admin, id, &map).await?,
            &params,
        ));
    }
    Ok(ok(json!({ "resource": updated })))
}

async fn remove(state: &AppState, id: i64) -> Result<ServiceRow, ApiError> {
    let row = find(state, &id.to_string()).await?;
    state.db.services().delete(id).await?;
    state.services.remove_id(id);
    tracing::info!(service.name = %row.name, "service deleted");
    Ok(row)
}

async fn delete_one(
    _: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let id = find(&state, &path).await?.id;
    let row = remove(&state, id).await?;
    Ok(ok(written(&row, &params)))
}

async fn delete_many(
    _: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let ids = params.get(&["ids"]).ok_or_else(|| {
        ApiError::bad_request(
            "No record(s) detected in request. Use 'ids' to name the services to delete.",
        )
    })?;
    let ids = parse_ids(ids, state.settings.limits.ids_max)?;
    for id in &ids {
        find(&state, &id.to_string()).await?;
    }
    let mut deleted = Vec::new();
    for id in ids {
        deleted.push(written(&remove(&state, id).await?, &params));
    }
    Ok(ok(json!({ "resource": deleted })))
}
