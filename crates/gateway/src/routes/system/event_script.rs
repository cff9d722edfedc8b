//! `/system/event_script`: event scripts keyed by the event they run on
//! (`db._table.todo.get.pre_process`). `POST`, `PUT` and `PATCH /event_script/{name}` create
//! the script (201) or change it (200); the change feed brings every change to every node's
//! script directory (`scripts::directory`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sluice_system_db::{DbError, EventScriptRow, EventScriptWrite};
use utoipa::ToSchema;

use super::input::{flag, parse, text};
use crate::auth::SystemAdmin;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::doc_schemas::Resources;
use crate::routes::ok;
use crate::scripts::{NODEJS, check_syntax};
use crate::state::AppState;
use crate::system::fields::{Body, invalid_field, not_found, required, to_record};
use crate::system::listing::{project, requested_fields, wrapped};

/// Longest event name, as DreamFactory's column allows.
const MAX_NAME_CHARS: usize = 80;
/// Longest script.
const MAX_CONTENT_BYTES: usize = 1024 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/event_script", web::get().to(list)).service(
        web::resource("/event_script/{name}")
            .route(web::get().to(get_one))
            .route(web::post().to(save))
            .route(web::put().to(save))
            .route(web::patch().to(save))
            .route(web::delete().to(delete)),
    );
}

/// An event script as written: on create `type` is required; on a change only the fields
/// given change.
#[derive(Deserialize, ToSchema)]
pub(crate) struct EventScriptInput {
    /// The engine: `nodejs` (JavaScript, run in Sluice's sandbox) is the only one.
    #[serde(default, rename = "type", deserialize_with = "text")]
    script_type: Option<String>,
    /// The script: the body of a function of `event` and `platform`.
    #[serde(default, deserialize_with = "text")]
    content: Option<String>,
    /// Free-form settings kept with the script.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    config: Option<Value>,
    /// Only active scripts run (default true).
    #[serde(default, deserialize_with = "flag")]
    is_active: Option<bool>,
    /// Whether the script's changes to `event.request` / `event.response` are used.
    #[serde(default, deserialize_with = "flag")]
    allow_event_modification: Option<bool>,
}

#[utoipa::path(get, path = "/system/event_script", tag = "system", operation_id = "get_event_scripts",
    summary = "List the event scripts.",
    params(("fields" = Option<String>, Query, description = "Comma-separated fields to return."),
        ("as_list" = Option<bool>, Query, description = "Names only.")),
    responses((status = 200, description = "The event scripts.", body = Resources)))]
pub(crate) async fn list(
    _: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let rows = state.db.event_scripts().list().await?;
    if params.flag("as_list") {
        let names: Vec<Value> = rows.iter().map(|row| json!(row.name)).collect();
        return Ok(ok(wrapped(names, &params)));
    }
    let fields = requested_fields(&params);
    let records: Vec<Value> = rows
        .iter()
        .map(|row| project(record(row), fields.as_deref()))
        .collect();
    Ok(ok(wrapped(records, &params)))
}

#[utoipa::path(get, path = "/system/event_script/{name}", tag = "system", operation_id = "get_event_script",
    summary = "One event script.",
    params(("name" = String, Path, description = "The event name."),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return.")),
    responses((status = 200, description = "The event script.", body = Object),
        (status = 404, description = "No script for this event.")))]
pub(crate) async fn get_one(
    _: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let name = path.into_inner();
    let row = stored(&state, &name).await?;
    Ok(ok(project(
        record(&row),
        requested_fields(&params).as_deref(),
    )))
}

#[utoipa::path(post, path = "/system/event_script/{name}", tag = "system", operation_id = "save_event_script",
    summary = "Create (201) or change (200) the script of an event; PUT and PATCH do the same.",
    params(("name" = String, Path, description = "The event name, e.g. `db._table.todo.get.pre_process`.")),
    request_body = EventScriptInput,
    responses((status = 201, description = "Created.", body = Object),
        (status = 200, description = "Changed.", body = Object),
        (status = 400, description = "Invalid data supplied.")))]
pub(crate) async fn save(
    admin: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    validate_name(&name)?;
    let body: Body = match body.0 {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        _ => {
            return Err(ApiError::bad_request(
                "Invalid data supplied. The body must be a JSON object.",
            ));
        }
    };
    let input: EventScriptInput = parse(&body)?;
    check_unsupported_links(&body)?;
    let current = state.db.event_scripts().get(&name).await?;
    let write = merged(&input, current.as_ref())?;
    if let Some(content) = &write.content {
        check_syntax(&state.scripts.engine, &name, "content", content).await?;
    }
    let scripts = state.db.event_scripts();
    let actor = Some(admin.user_id());
    let (row, status) = match current {
        Some(_) => (
            scripts
                .update(&name, &write, actor)
                .await?
                .ok_or_else(|| not_found(&name))?,
            StatusCode::OK,
        ),
        None => (
            scripts
                .insert(&name, &write, actor)
                .await
                .map_err(conflict)?,
            StatusCode::CREATED,
        ),
    };
    tracing::info!(event = %name, "event script saved");
    Ok(HttpResponse::build(status).json(record(&row)))
}

#[utoipa::path(delete, path = "/system/event_script/{name}", tag = "system", operation_id = "delete_event_script",
    summary = "Delete the script of an event.",
    params(("name" = String, Path, description = "The event name.")),
    responses((status = 200, description = "The deleted script.", body = Object),
        (status = 404, description = "No script for this event.")))]
pub(crate) async fn delete(
    _: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    let row = stored(&state, &name).await?;
    state.db.event_scripts().delete(&name).await?;
    tracing::info!(event = %name, "event script deleted");
    Ok(ok(Value::Object(record(&row))))
}

async fn stored(state: &AppState, name: &str) -> Result<EventScriptRow, ApiError> {
    (state.db.event_scripts().get(name).await?).ok_or_else(|| not_found(name))
}

/// The record as DreamFactory shows it: `config` as the JSON it holds.
fn record(row: &EventScriptRow) -> Map<String, Value> {
    let mut record = to_record(row);
    let config = row
        .config
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or(Value::Null);
    record.insert("config".into(), config);
    record
}

fn validate_name(name: &str) -> Result<(), ApiError> {
    let count = name.chars().count();
    let well_formed = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-{}$".contains(c));
    if count == 0 || count > MAX_NAME_CHARS || !well_formed || !name.contains('.') {
        return Err(invalid_field(
            "name",
            "The name must be an event name of at most 80 characters, as db._table.todo.get.pre_process.",
        ));
    }
    Ok(())
}

/// An event script of a package (`system/package`), checked as a written one is: its name
/// and its fields (a `config` exported as text is read back as the object it holds).
pub(crate) async fn imported_script(
    state: &AppState,
    body: &Body,
) -> Result<(String, EventScriptWrite), ApiError> {
    let Some(Value::String(name)) = body.get("name") else {
        return Err(required("name"));
    };
    validate_name(name)?;
    let mut body = body.clone();
    if let Some(Value::String(config)) = body.get("config") {
        let parsed = serde_json::from_str(config).unwrap_or(Value::Null);
        body.insert("config".into(), parsed);
    }
    let input: EventScriptInput = parse(&body)?;
    check_unsupported_links(&body)?;
    let write = merged(&input, None)?;
    if let Some(content) = &write.content {
        check_syntax(&state.scripts.engine, name, "content", content).await?;
    }
    Ok((name.clone(), write))
}

/// DreamFactory can keep a script in a storage service or a repository; Sluice keeps it in
/// `content` only, so those fields are accepted only empty.
fn check_unsupported_links(body: &Body) -> Result<(), ApiError> {
    for field in [
        "storage_service_id",
        "storage_path",
        "scm_repository",
        "scm_reference",
    ] {
        let empty = match body.get(field) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(_) => false,
        };
        if !empty {
            return Err(invalid_field(
                field,
                &format!("The {field} field is not supported: put the script in content."),
            ));
        }
    }
    Ok(())
}

/// The fields to store: the given ones over the current record's.
fn merged(
    input: &EventScriptInput,
    current: Option<&EventScriptRow>,
) -> Result<EventScriptWrite, ApiError> {
    let script_type = match (&input.script_type, current) {
        (Some(t), _) => t.clone(),
        (None, Some(row)) => row.script_type.clone(),
        (None, None) => return Err(required("type")),
    };
    if script_type != NODEJS {
        return Err(invalid_field(
            "type",
            &format!(
                "Script type '{script_type}' is not supported: Sluice runs JavaScript scripts (type nodejs)."
            ),
        ));
    }
    let content = input
        .content
        .clone()
        .or_else(|| current.and_then(|row| row.content.clone()));
    if content
        .as_ref()
        .is_some_and(|c| c.len() > MAX_CONTENT_BYTES)
    {
        return Err(invalid_field("content", "The script may be at most 1 MiB."));
    }
    let config = match &input.config {
        Some(Value::Null) => None,
        Some(value @ Value::Object(_)) => Some(value.to_string()),
        Some(_) => return Err(invalid_field("config", "The config must be a JSON object.")),
        None => current.and_then(|row| row.config.clone()),
    };
    Ok(EventScriptWrite {
        script_type,
        content,
        config,
        is_active: input
            .is_active
            .or(current.map(|row| row.is_active))
            .unwrap_or(true),
        allow_event_modification: input
            .allow_event_modification
            .or(current.map(|row| row.allow_event_modification))
            .unwrap_or(false),
    })
}

fn conflict(error: DbError) -> ApiError {
    match error {
        DbError::Conflict { .. } => ApiError::new(
            StatusCode::CONFLICT,
            "The script of this event was created meanwhile; send the request again to change it.",
        ),
        other => ApiError::from(other),
    }
}
