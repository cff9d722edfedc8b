//! Values across the boundary: JSON in both directions (what scripts receive and return is
//! JSON in DreamFactory too), and a thrown value read as the error the request ends with.

use rquickjs::object::Property;
use rquickjs::{Ctx, Error, Object, Value};

use crate::ScriptError;

/// Longest error message taken from a script; longer ones are cut.
const MAX_MESSAGE_CHARS: usize = 1000;

/// `value` as JavaScript, built directly (what `JSON.parse` of its text gives, without the
/// text: printing and parsing it was half of a small call's conversion). Members and
/// elements are defined, not assigned, as `JSON.parse` does: a `__proto__` key is an own
/// property, and no setter a script defined on a prototype runs (replies of `platform.api`
/// are converted after the script has run).
pub(crate) fn from_json<'js>(
    ctx: &Ctx<'js>,
    value: &serde_json::Value,
) -> rquickjs::Result<Value<'js>> {
    use serde_json::Value as Json;
    Ok(match value {
        Json::Null => Value::new_null(ctx.clone()),
        Json::Bool(b) => Value::new_bool(ctx.clone(), *b),
        Json::Number(n) => match n.as_i64().and_then(|i| i32::try_from(i).ok()) {
            Some(i) => Value::new_int(ctx.clone(), i),
            None => Value::new_float(ctx.clone(), n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => rquickjs::String::from_str(ctx.clone(), s)?.into_value(),
        Json::Array(items) => {
            let array = rquickjs::Array::new(ctx.clone())?;
            for (i, item) in items.iter().enumerate() {
                let index = u32::try_from(i).map_err(|_| Error::Allocation)?;
                array.prop(index, member(from_json(ctx, item)?))?;
            }
            array.into_value()
        }
        Json::Object(members) => {
            let object = Object::new(ctx.clone())?;
            for (key, value) in members {
                define(&object, key, from_json(ctx, value)?)?;
            }
            object.into_value()
        }
    })
}

/// Defines `object[key]` as a data property as `JSON.parse` makes one: writable,
/// enumerable, configurable.
pub(crate) fn define<'js>(
    object: &Object<'js>,
    key: &str,
    value: Value<'js>,
) -> rquickjs::Result<()> {
    object.prop(key, member(value))
}

fn member(value: Value<'_>) -> Property<Value<'_>> {
    Property::from(value).writable().enumerable().configurable()
}

/// The JSON of `value`; `undefined` and functions are `null`.
pub(crate) fn to_json<'js>(
    ctx: &Ctx<'js>,
    value: Value<'js>,
) -> rquickjs::Result<serde_json::Value> {
    Ok(member_json(ctx, value)?.unwrap_or(serde_json::Value::Null))
}

/// The JSON of `value` as a member of an object: `None` (left out) for `undefined` and
/// functions.
pub(crate) fn member_json<'js>(
    ctx: &Ctx<'js>,
    value: Value<'js>,
) -> rquickjs::Result<Option<serde_json::Value>> {
    if value.is_undefined() {
        return Ok(None);
    }
    match ctx.json_stringify(value)? {
        None => Ok(None),
        Some(text) => {
            let text = text.to_string()?;
            serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| Error::new_from_js_message("string", "JSON", e.to_string()))
        }
    }
}

/// The error a failed call ends with. An exception keeps the status a script gave it
/// (`status_code` of a thrown object, as the DreamFactory exception classes set it) and its
/// message; never its stack, so no source line reaches the client.
pub(crate) fn thrown(ctx: &Ctx<'_>, error: Error) -> ScriptError {
    match error {
        Error::Exception => exception(ctx, &ctx.catch()),
        Error::Allocation => ScriptError::OutOfMemory,
        other => ScriptError::Thrown {
            status: 500,
            code: None,
            message: truncate(other.to_string()),
        },
    }
}

fn exception<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> ScriptError {
    if let Some(text) = value.as_string() {
        return script_error(500, None, text.to_string().unwrap_or_default());
    }
    let Some(object) = value.as_object() else {
        let message = ctx
            .json_stringify(value.clone())
            .ok()
            .flatten()
            .and_then(|s| s.to_string().ok())
            .unwrap_or_else(|| "The script failed.".to_owned());
        return script_error(500, None, message);
    };
    let number = |name: &str| {
        object
            .get::<_, Value<'_>>(name)
            .ok()
            .and_then(|v| v.as_number())
    };
    let status = number("status_code")
        .filter(|s| (400.0..600.0).contains(s))
        .map_or(500, |s| s as u16);
    let code = number("code")
        .filter(|c| c.fract() == 0.0 && c.abs() < 1e15)
        .map(|c| c as i64);
    let message = object
        .get::<_, Value<'_>>("message")
        .ok()
        .and_then(|m| m.as_string().and_then(|s| s.to_string().ok()))
        .unwrap_or_else(|| "The script failed.".to_owned());
    script_error(status, code, message)
}

fn script_error(status: u16, code: Option<i64>, message: String) -> ScriptError {
    ScriptError::Thrown {
        status,
        code,
        message: truncate(message),
    }
}

fn truncate(mut message: String) -> String {
    if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS) {
        message.truncate(cut);
    }
    message
}
