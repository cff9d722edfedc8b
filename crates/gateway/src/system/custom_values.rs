//! What `/user/custom` (a user's values) and `/system/custom` (the instance's) share:
//! DreamFactory's custom values, `name`/`value` records keyed by name, their fields, list
//! options, write answers, bounds and delete targets.

use actix_web::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::fields::{Body, invalid_field, records_of, text};
use super::listing::{ListKey, ListShape, list_records, project, requested_fields};
use super::matcher::Record;
use crate::error::ApiError;
use crate::params::Params;
use crate::settings::LimitSettings;

/// The longest name, in characters.
const MAX_NAME_CHARS: usize = 255;

/// The fields of a stored value as DreamFactory shows them.
const FIELDS: [&str; 4] = ["name", "value", "created_date", "last_modified_date"];

/// A stored value as DreamFactory shows it.
pub fn record(name: &str, value: Value, created: &str, modified: &str) -> Record {
    let mut map = Map::new();
    map.insert("name".into(), json!(name));
    map.insert("value".into(), value);
    map.insert("created_date".into(), json!(created));
    map.insert("last_modified_date".into(), json!(modified));
    map
}

/// The list answer: DreamFactory's list options over the values, keyed by name.
pub fn list(
    records: Vec<Record>,
    params: &Params,
    limits: &LimitSettings,
) -> Result<Value, ApiError> {
    let shape = ListShape {
        key: ListKey::Name,
        columns: &FIELDS,
        related: &[],
        default_fields: None,
        default_order: None,
    };
    Ok(list_records(records, &shape, params, limits)?.into_json())
}

/// A written or deleted value's answer: its name only, unless `fields` asks for more.
pub fn written(record: Record, params: &Params) -> Value {
    match requested_fields(params) {
        None => json!({ "name": record.get("name") }),
        Some(fields) => project(record, Some(&fields)),
    }
}

/// The `name` of a record of a write body (required; other fields are the caller's).
pub fn name_of(record: &Body) -> Result<String, ApiError> {
    text(record, "name")?
        .filter(|name| !name.is_empty())
        .ok_or_else(|| invalid_field("name", "The name field is required."))
}

/// Checks names and the number of values before anything is written: `existing` are the
/// names stored now, `max` the most that may be kept, `whose` says whose they are.
pub fn check_bounds<'a>(
    names: impl Iterator<Item = &'a str> + Clone,
    existing: &[&str],
    max: usize,
    whose: &str,
) -> Result<(), ApiError> {
    if names
        .clone()
        .any(|name| name.chars().count() > MAX_NAME_CHARS)
    {
        return Err(invalid_field(
            "name",
            &format!("The name may not be greater than {MAX_NAME_CHARS} characters."),
        ));
    }
    let new_names = names.filter(|name| !existing.contains(name)).count();
    if existing.len() + new_names > max {
        return Err(ApiError::bad_request(format!(
            "Invalid data supplied. {whose} may keep at most {max} custom values."
        )));
    }
    Ok(())
}

/// The names a `DELETE` of the list names: `?ids=a,b`, or records carrying `name`.
pub fn names_to_delete(params: &Params, body: Value) -> Result<Vec<String>, ApiError> {
    match params.get(&["ids"]) {
        Some(ids) => Ok(ids
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect()),
        None => records_of(body, true)?.iter().map(name_of).collect(),
    }
}

/// A write's status: 201 for POST (DreamFactory's create), 200 for PUT and PATCH.
pub fn write_status(method: &Method) -> StatusCode {
    if method == Method::POST {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}
