//! Reading the records of system-resource write bodies: DreamFactory's body shapes and its
//! `Invalid data supplied.` validation errors with a `{field: [message]}` context.

use serde_json::{Map, Value, json};

use crate::error::ApiError;

pub type Body = Map<String, Value>;

/// The records of a write body: `{"resource":[...]}`, a bare array, or (on the `/{id}` forms)
/// a bare object.
pub fn records_of(body: Value, allow_single: bool) -> Result<Vec<Body>, ApiError> {
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

/// DreamFactory's validation failure: 400 `Invalid data supplied. {message}` with context
/// `{"<field>": ["<message>"]}`.
pub fn invalid_field(field: &str, message: &str) -> ApiError {
    ApiError::bad_request(format!("Invalid data supplied. {message}"))
        .with_context(json!({ field: [message] }))
}

pub fn required(field: &str) -> ApiError {
    invalid_field(field, &format!("The {field} field is required."))
}

/// A text field; absent and `null` are `None`.
pub fn text(map: &Body, key: &str) -> Result<Option<String>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid_field(key, &format!("The {key} must be a string."))),
    }
}

/// An integer (a JSON number, or a string of digits as forms send).
pub fn integer(map: &Body, key: &str) -> Result<Option<i64>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
        Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => Ok(s.trim().parse().ok()),
        Some(_) => Err(invalid_field(
            key,
            &format!("The {key} must be an integer."),
        )),
    }
}

/// A role's or app's `name`: 1 to 64 characters, as DreamFactory's models allow.
pub fn validate_display_name(name: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err(invalid_field(
            "name",
            "The name must be 1 to 64 characters.",
        ));
    }
    Ok(())
}

pub fn not_found(id: impl std::fmt::Display) -> ApiError {
    ApiError::not_found(format!("Record with identifier '{id}' not found."))
}

/// A stored row as a record with DreamFactory's field names (rows serialise with them).
pub fn to_record<T: serde::Serialize>(row: &T) -> Map<String, Value> {
    match serde_json::to_value(row) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}
