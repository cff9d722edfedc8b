//! Reading system-resource write bodies into typed input structs.
//!
//! Each resource declares what it accepts as a `#[derive(Deserialize, ToSchema)]` struct whose
//! fields read through the functions below, so a wrong type gets DreamFactory's per-field
//! 400, `Invalid data supplied. The is_active field must be true or false.` with context
//! `{"is_active": [...]}`, and the OpenAPI document gets the field's real type from the same
//! struct. Fields a struct does not name are ignored, as DreamFactory ignores them. Every
//! field is optional in the struct; a resource checks what it requires after reading (so a
//! required field's message names the field even when the body is otherwise empty).
//!
//! A patch tells "absent" from `null` with `Option<Option<T>>`: absent is `None` (the
//! `#[serde(default)]`), `null` is `Some(None)`.

use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::ApiError;
use crate::system::fields::{Body, invalid_field};

/// Stands for the field's name in the messages below; [`parse`] puts the name in.
const FIELD: &str = "{field}";

/// Reads `body` into `T`, answering a wrongly typed field with DreamFactory's 400 naming it.
pub fn parse<T: DeserializeOwned>(body: &Body) -> Result<T, ApiError> {
    T::deserialize(BodyDeserializer(body)).map_err(FieldError::into_api_error)
}

/// Reads a JSON value that must be an object (a nested row) into `T`; `what` is the message
/// when it is not.
pub fn parse_value<T: DeserializeOwned>(
    value: &Value,
    field: &str,
    not_an_object: &str,
) -> Result<T, ApiError> {
    match value {
        Value::Object(body) => parse(body),
        _ => Err(invalid_field(field, not_an_object)),
    }
}

/// A deserialisation failure, with the body field it happened in.
#[derive(Debug)]
struct FieldError {
    field: Option<String>,
    message: String,
}

impl FieldError {
    fn into_api_error(self) -> ApiError {
        match self.field {
            Some(field) => invalid_field(&field, &self.message.replace(FIELD, &field)),
            None => ApiError::bad_request(format!("Invalid data supplied. {}", self.message)),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FieldError {}

impl de::Error for FieldError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        FieldError {
            field: None,
            message: message.to_string(),
        }
    }
}

/// A body as a serde map whose value errors remember their key (serde_json's own map
/// deserializer forgets it).
struct BodyDeserializer<'de>(&'de Body);

impl<'de> Deserializer<'de> for BodyDeserializer<'de> {
    type Error = FieldError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        visitor.visit_map(Entries {
            entries: self.0.iter(),
            pending: None,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

struct Entries<'de> {
    entries: serde_json::map::Iter<'de>,
    pending: Option<(&'de String, &'de Value)>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = FieldError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, FieldError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.pending = Some((key, value));
        seed.deserialize(BorrowedStrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, FieldError> {
        let (key, value) = self
            .pending
            .take()
            .ok_or_else(|| <FieldError as de::Error>::custom("a value without its key"))?;
        seed.deserialize(value).map_err(|error| FieldError {
            field: Some(key.clone()),
            message: error.to_string(),
        })
    }
}

fn wrong<E: de::Error>(message: &str) -> E {
    E::custom(message)
}

/// A text field; absent and `null` are `None`.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        _ => Err(wrong("The {field} must be a string.")),
    }
}

/// A nullable text field of a patch: `null` is `Some(None)` (absent is the default `None`).
pub fn nullable_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    text(d).map(Some)
}

/// A boolean; DreamFactory clients also send `0`/`1`. `null` is `None`.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        Value::Number(n) if n.as_i64() == Some(0) => Ok(Some(false)),
        Value::Number(n) if n.as_i64() == Some(1) => Ok(Some(true)),
        _ => Err(wrong("The {field} field must be true or false.")),
    }
}

/// An integer (a JSON number, or a string of digits as forms send); `null` is `None`.
pub fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) if n.as_i64().is_some() => Ok(n.as_i64()),
        Value::String(s) if s.trim().parse::<i64>().is_ok() => Ok(s.trim().parse().ok()),
        _ => Err(wrong("The {field} must be an integer.")),
    }
}

/// A nullable integer of a patch: `null` is `Some(None)`.
pub fn nullable_integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    integer(d).map(Some)
}

/// A field that is only looked at for being `null` (a nested row's "delete me" mark): true
/// when given as `null`, whatever else it holds otherwise.
pub fn is_null<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Value::deserialize(d)?.is_null())
}

/// A nested relation's rows, read row by row later (each through [`parse`], so errors name
/// the row's field). Absent and `null` are `None`; `message` is the error for a non-array.
fn rows<'de, D: Deserializer<'de>>(d: D, message: &str) -> Result<Option<Vec<Value>>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Array(items) => Ok(Some(items)),
        _ => Err(wrong(message)),
    }
}

/// The rows of `role_service_access_by_role_id`.
pub fn access_rows<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Value>>, D::Error> {
    rows(d, "The access rows must be an array.")
}

/// The rows of `user_to_app_to_role_by_user_id`.
pub fn assignment_rows<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Value>>, D::Error> {
    rows(d, "The role assignments must be an array.")
}

/// A role access row's `filters`: an array (its items are checked by the caller); `null`
/// clears them, which is `Some(vec![])`.
pub fn filters<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Value>>, D::Error> {
    rows(d, "The filters must be an array.").map(|items| Some(items.unwrap_or_default()))
}

/// A role access row's `hidden_fields`: an array of field names; `null` clears them.
pub fn field_names<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let message = "The hidden_fields must be an array of field names.";
    match Value::deserialize(d)? {
        Value::Null => Ok(Some(Vec::new())),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(name) => Ok(name),
                _ => Err(wrong(message)),
            })
            .collect::<Result<_, _>>()
            .map(Some),
        _ => Err(wrong(message)),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{Value, json};

    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Sample {
        #[serde(default, deserialize_with = "text")]
        name: Option<String>,
        #[serde(default, deserialize_with = "nullable_text")]
        description: Option<Option<String>>,
        #[serde(default, deserialize_with = "flag")]
        is_active: Option<bool>,
        #[serde(default, deserialize_with = "integer")]
        role_id: Option<i64>,
    }

    fn read(value: Value) -> Result<Sample, ApiError> {
        let Value::Object(body) = value else {
            unreachable!("an object literal")
        };
        parse(&body)
    }

    #[test]
    fn absent_null_and_values_read_as_options() {
        let sample = read(json!({"name": null, "description": null, "is_active": 1,
                                 "role_id": " 7 ", "unknown": [1, 2]}))
        .unwrap();
        assert_eq!(
            sample,
            Sample {
                name: None,
                description: Some(None),
                is_active: Some(true),
                role_id: Some(7),
            }
        );
        assert_eq!(read(json!({})).unwrap().description, None);
    }

    #[test]
    fn a_wrong_type_is_a_400_naming_the_field() {
        for (body, field, message) in [
            (json!({"name": 5}), "name", "The name must be a string."),
            (
                json!({"is_active": "yes"}),
                "is_active",
                "The is_active field must be true or false.",
            ),
            (
                json!({"role_id": 1.5}),
                "role_id",
                "The role_id must be an integer.",
            ),
        ] {
            let error = read(body).unwrap_err();
            assert_eq!(error.status.as_u16(), 400);
            assert_eq!(error.message, format!("Invalid data supplied. {message}"));
            assert_eq!(error.context, json!({ field: [message] }));
        }
    }
}
