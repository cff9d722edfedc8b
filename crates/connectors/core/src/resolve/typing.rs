//! Typing a client value by the column it is compared with, so that the
//! bound parameter has the storage class the column holds.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::df_type::ValueClass;
use crate::error::ConnectorError;
use crate::schema::ColumnSchema;
use crate::value::BoundValue;

/// A client value before typing.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RawValue<'a> {
    /// `'text'` / `"text"`: always literal text for untyped columns.
    Quoted(&'a str),
    /// An unquoted word or number, or an identifier from `ids`.
    Bare(&'a str),
    /// A scalar from the request's `params` (arrays and objects are refused earlier).
    Json(&'a serde_json::Value),
}

impl RawValue<'_> {
    /// The value as text, for LIKE patterns (which are always bound as text).
    pub(crate) fn as_text(&self) -> String {
        match self {
            Self::Quoted(text) | Self::Bare(text) => (*text).to_owned(),
            Self::Json(serde_json::Value::String(text)) => text.clone(),
            Self::Json(other) => other.to_string(),
        }
    }
}

/// Types `raw` for `column`.
///
/// # Errors
///
/// 400 `Field 'col' must be a valid integer.` (DreamFactory's wording) and the same shape
/// for booleans, numbers and base64 when the value cannot have the column's type.
pub(crate) fn type_value(
    column: &ColumnSchema,
    raw: RawValue<'_>,
) -> Result<BoundValue, ConnectorError> {
    let class = column.df_type.value_class();
    match raw {
        RawValue::Quoted(text) => type_text(column, class, text, true),
        RawValue::Bare(text) => type_text(column, class, text, false),
        RawValue::Json(json) => type_json(column, class, json),
    }
}

fn type_text(
    column: &ColumnSchema,
    class: ValueClass,
    text: &str,
    quoted: bool,
) -> Result<BoundValue, ConnectorError> {
    // DreamFactory: an empty value for a nullable numeric column means NULL.
    if text.trim().is_empty()
        && column.allow_null
        && matches!(class, ValueClass::Integer | ValueClass::Number)
    {
        return Ok(BoundValue::Null);
    }
    match class {
        ValueClass::Integer => parse_number(text).ok_or_else(|| invalid(column, "integer")),
        ValueClass::Number => parse_number(text).ok_or_else(|| invalid(column, "number")),
        ValueClass::Boolean => parse_bool(text)
            .map(|b| BoundValue::Integer(i64::from(b)))
            .ok_or_else(|| invalid(column, "boolean")),
        ValueClass::Text => Ok(BoundValue::Text(text.to_owned())),
        ValueClass::Binary => BASE64
            .decode(text)
            .map(BoundValue::Blob)
            .map_err(|_| invalid(column, "base64 value")),
        ValueClass::Untyped if quoted => Ok(BoundValue::Text(text.to_owned())),
        ValueClass::Untyped => {
            Ok(parse_number(text).unwrap_or_else(|| BoundValue::Text(text.to_owned())))
        }
    }
}

fn type_json(
    column: &ColumnSchema,
    class: ValueClass,
    json: &serde_json::Value,
) -> Result<BoundValue, ConnectorError> {
    use serde_json::Value as J;
    match (class, json) {
        (_, J::Null) => Ok(BoundValue::Null),
        (_, J::String(text)) => type_text(column, class, text, true),
        (ValueClass::Boolean, J::Bool(b)) => Ok(BoundValue::Integer(i64::from(*b))),
        (ValueClass::Boolean, J::Number(n)) => match n.as_i64() {
            Some(0) => Ok(BoundValue::Integer(0)),
            Some(1) => Ok(BoundValue::Integer(1)),
            _ => Err(invalid(column, "boolean")),
        },
        (ValueClass::Integer | ValueClass::Number | ValueClass::Untyped, J::Number(n)) => Ok(n
            .as_i64()
            .map(BoundValue::Integer)
            .or_else(|| n.as_f64().map(BoundValue::Real))
            .unwrap_or(BoundValue::Null)),
        (ValueClass::Untyped, J::Bool(b)) => Ok(BoundValue::Integer(i64::from(*b))),
        (ValueClass::Text, J::Number(n)) => Ok(BoundValue::Text(n.to_string())),
        (ValueClass::Text, J::Bool(b)) => Ok(BoundValue::Text(b.to_string())),
        (ValueClass::Integer, _) => Err(invalid(column, "integer")),
        (ValueClass::Number, _) => Err(invalid(column, "number")),
        (ValueClass::Boolean, _) => Err(invalid(column, "boolean")),
        (ValueClass::Binary, _) => Err(invalid(column, "base64 value")),
        // Arrays and objects never get here: parameters are checked to be scalars first.
        (ValueClass::Text | ValueClass::Untyped, _) => Ok(BoundValue::Text(json.to_string())),
    }
}

/// An integer when the text is one, else a finite real. Only plain decimal notation is
/// accepted (`42`, `-1.5`, `1e3`), not `inf`, `NaN` or hexadecimal.
pub(crate) fn parse_number(text: &str) -> Option<BoundValue> {
    let text = text.trim();
    if let Ok(integer) = text.parse::<i64>() {
        return Some(BoundValue::Integer(integer));
    }
    let plain = !text.is_empty()
        && text.bytes().any(|b| b.is_ascii_digit())
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    text.parse::<f64>()
        .ok()
        .filter(|f| plain && f.is_finite())
        .map(BoundValue::Real)
}

/// DreamFactory's truthy words (`true/1/yes/on/y/t`) and their opposites.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "y" | "t" => Some(true),
        "false" | "0" | "no" | "off" | "n" | "f" => Some(false),
        _ => None,
    }
}

fn invalid(column: &ColumnSchema, what: &str) -> ConnectorError {
    ConnectorError::bad_request(format!("Field '{}' must be a valid {what}.", column.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn column(declared: &str) -> ColumnSchema {
        ColumnSchema::from_declared("col", declared)
    }

    fn typed(declared: &str, raw: RawValue<'_>) -> Result<BoundValue, String> {
        type_value(&column(declared), raw).map_err(|e| e.to_string())
    }

    #[test]
    fn integer_columns_accept_numbers_and_refuse_words() {
        assert_eq!(
            typed("integer", RawValue::Bare("42")),
            Ok(BoundValue::Integer(42))
        );
        assert_eq!(
            typed("integer", RawValue::Quoted("42")),
            Ok(BoundValue::Integer(42))
        );
        assert_eq!(
            typed("integer", RawValue::Bare("1.5")),
            Ok(BoundValue::Real(1.5))
        );
        assert_eq!(
            typed("integer", RawValue::Bare("abc")),
            Err("Field 'col' must be a valid integer.".into())
        );
        assert_eq!(
            typed("integer", RawValue::Bare("inf")),
            Err("Field 'col' must be a valid integer.".into())
        );
        assert_eq!(typed("integer", RawValue::Quoted("")), Ok(BoundValue::Null));
    }

    #[test]
    fn boolean_columns_accept_truthy_words() {
        assert_eq!(
            typed("boolean", RawValue::Bare("TRUE")),
            Ok(BoundValue::Integer(1))
        );
        assert_eq!(
            typed("tinyint(1)", RawValue::Bare("off")),
            Ok(BoundValue::Integer(0))
        );
        assert_eq!(
            typed("boolean", RawValue::Json(&json!(true))),
            Ok(BoundValue::Integer(1))
        );
        assert_eq!(
            typed("boolean", RawValue::Bare("maybe")),
            Err("Field 'col' must be a valid boolean.".into())
        );
    }

    #[test]
    fn text_and_date_columns_keep_the_text() {
        assert_eq!(
            typed("varchar(10)", RawValue::Bare("42")),
            Ok(BoundValue::Text("42".into()))
        );
        assert_eq!(
            typed("date", RawValue::Quoted("1990-01-01")),
            Ok(BoundValue::Text("1990-01-01".into()))
        );
        assert_eq!(
            typed("text", RawValue::Json(&json!(7))),
            Ok(BoundValue::Text("7".into()))
        );
    }

    #[test]
    fn untyped_columns_follow_how_the_value_was_written() {
        assert_eq!(typed("", RawValue::Bare("42")), Ok(BoundValue::Integer(42)));
        assert_eq!(typed("", RawValue::Bare("4.5")), Ok(BoundValue::Real(4.5)));
        assert_eq!(
            typed("", RawValue::Quoted("42")),
            Ok(BoundValue::Text("42".into()))
        );
        assert_eq!(
            typed("", RawValue::Bare("abc")),
            Ok(BoundValue::Text("abc".into()))
        );
    }

    #[test]
    fn empty_values_are_null_only_for_nullable_numeric_columns() {
        assert_eq!(
            typed("decimal", RawValue::Quoted(" ")),
            Ok(BoundValue::Null)
        );
        assert_eq!(
            typed("text", RawValue::Quoted("")),
            Ok(BoundValue::Text(String::new()))
        );
        assert_eq!(
            typed("blob", RawValue::Quoted("")),
            Ok(BoundValue::Blob(Vec::new()))
        );
        assert_eq!(
            typed("boolean", RawValue::Quoted("")),
            Err("Field 'col' must be a valid boolean.".into())
        );
        let mut required = column("integer");
        required.allow_null = false;
        assert_eq!(
            type_value(&required, RawValue::Quoted("")).map_err(|e| e.to_string()),
            Err("Field 'col' must be a valid integer.".into())
        );
    }

    #[test]
    fn binary_columns_take_base64() {
        assert_eq!(
            typed("blob", RawValue::Quoted("AAEC")),
            Ok(BoundValue::Blob(vec![0, 1, 2]))
        );
        assert_eq!(
            typed("blob", RawValue::Quoted("***")),
            Err("Field 'col' must be a valid base64 value.".into())
        );
    }

    #[test]
    fn number_columns_take_integers_and_reals() {
        assert_eq!(
            typed("decimal(10,2)", RawValue::Bare("50000")),
            Ok(BoundValue::Integer(50000))
        );
        assert_eq!(
            typed("real", RawValue::Json(&json!(2.5))),
            Ok(BoundValue::Real(2.5))
        );
        assert_eq!(
            typed("real", RawValue::Bare("x")),
            Err("Field 'col' must be a valid number.".into())
        );
    }
}
