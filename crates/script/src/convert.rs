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

/// The JSON of `value` ([`Walk`]); `undefined` and functions are `null`. `expired` tells
/// when the call's time is up.
pub(crate) fn to_json<'js>(
    ctx: &Ctx<'js>,
    value: Value<'js>,
    expired: &dyn Fn() -> bool,
) -> rquickjs::Result<serde_json::Value> {
    let json = Walk::new(ctx, expired).member(value)?;
    Ok(json.unwrap_or(serde_json::Value::Null))
}

/// The JSON of `value` as a member of an object: `None` (left out) for `undefined` and
/// functions. Through `JSON.stringify` and its text, whatever `value` is: what [`Walk`]
/// does not read itself.
fn member_json<'js>(
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

/// Deepest nesting [`Walk`] follows itself; deeper values go through `JSON.stringify`.
const MAX_DEPTH: usize = 64;
/// Longest array [`Walk`] reads itself: a longer one (perhaps only a `length`, with no
/// elements behind it) goes through `JSON.stringify`, whose text the memory limit bounds.
const MAX_WALKED_ELEMENTS: u32 = 100_000;
/// Values [`Walk`] reads between two looks at the call's deadline.
const VALUES_PER_DEADLINE_CHECK: usize = 4096;

/// Reads a value back as JSON directly: what `JSON.stringify` and parsing its text give,
/// without the text (for a small modified `request`, stringifying alone was 80,000
/// instructions). Primitives, arrays and plain objects (those whose prototype is the
/// intrinsic `Object.prototype` or `Array.prototype`, with no `toJSON` anywhere on their
/// chain, that are not proxies and not part of a cycle) are read here; anything else, a
/// class instance, a `Date`, an error, a boxed primitive, goes through `JSON.stringify`.
pub(crate) struct Walk<'a, 'js> {
    ctx: &'a Ctx<'js>,
    /// `true` once the call's time is up.
    expired: &'a dyn Fn() -> bool,
    /// `Object.prototype` and `Array.prototype`, once an object is met.
    prototypes: Option<(Object<'js>, Object<'js>)>,
    /// The objects being read, outermost first.
    stack: Vec<Object<'js>>,
    read: usize,
}

impl<'a, 'js> Walk<'a, 'js> {
    pub(crate) fn new(ctx: &'a Ctx<'js>, expired: &'a dyn Fn() -> bool) -> Self {
        Self {
            ctx,
            expired,
            prototypes: None,
            stack: Vec::new(),
            read: 0,
        }
    }

    /// The JSON of `value` as a member of an object: `None` (left out) for `undefined`,
    /// functions and symbols.
    pub(crate) fn member(
        &mut self,
        value: Value<'js>,
    ) -> rquickjs::Result<Option<serde_json::Value>> {
        use rquickjs::Type;
        use serde_json::Value as Json;
        self.read += 1;
        if self.read.is_multiple_of(VALUES_PER_DEADLINE_CHECK) && (self.expired)() {
            return Err(Error::Allocation);
        }
        Ok(Some(match value.type_of() {
            Type::Undefined | Type::Uninitialized | Type::Symbol => return Ok(None),
            Type::Function | Type::Constructor => return Ok(None),
            Type::Null => Json::Null,
            Type::Bool => Json::Bool(value.as_bool().unwrap_or_default()),
            Type::Int => Json::from(value.as_int().unwrap_or_default()),
            Type::Float => number(value.as_float().unwrap_or(f64::NAN)),
            Type::String => match value.as_string() {
                Some(text) => Json::String(text.to_string()?),
                None => return member_json(self.ctx, value),
            },
            Type::Object | Type::Array => match self.plain(&value)? {
                Some(object) => self.object(object, value.is_array())?,
                None => return member_json(self.ctx, value),
            },
            _ => return member_json(self.ctx, value),
        }))
    }

    /// `value` as an object [`Walk`] reads itself, or `None`.
    fn plain(&mut self, value: &Value<'js>) -> rquickjs::Result<Option<Object<'js>>> {
        let Some(object) = value.as_object() else {
            return Ok(None);
        };
        if value.is_proxy() || self.stack.len() >= MAX_DEPTH || self.stack.contains(object) {
            return Ok(None);
        }
        let (object_prototype, array_prototype) = match &self.prototypes {
            Some(prototypes) => prototypes,
            None => {
                // The intrinsics themselves, whatever the global bindings hold.
                let object = Object::new(self.ctx.clone())?.get_prototype();
                let array = rquickjs::Array::new(self.ctx.clone())?
                    .as_object()
                    .get_prototype();
                let (Some(object), Some(array)) = (object, array) else {
                    return Ok(None);
                };
                self.prototypes.insert((object, array))
            }
        };
        let expected = if value.is_array() {
            array_prototype
        } else {
            object_prototype
        };
        if object.get_prototype().as_ref() != Some(expected) || object.contains_key("toJSON")? {
            return Ok(None);
        }
        Ok(Some(object.clone()))
    }

    fn object(&mut self, object: Object<'js>, array: bool) -> rquickjs::Result<serde_json::Value> {
        use serde_json::Value as Json;
        if array {
            let length: u32 = object.get("length")?;
            if length > MAX_WALKED_ELEMENTS {
                return Ok(member_json(self.ctx, object.into_value())?.unwrap_or(Json::Null));
            }
            self.stack.push(object.clone());
            let mut items = Vec::with_capacity(length as usize);
            for index in 0..length {
                let item = self.member(object.get(index)?)?;
                items.push(item.unwrap_or(Json::Null));
            }
            self.stack.pop();
            return Ok(Json::Array(items));
        }
        self.stack.push(object.clone());
        let mut members = serde_json::Map::new();
        for key in object.keys::<String>() {
            let key = key?;
            if let Some(value) = self.member(object.get(key.as_str())?)? {
                members.insert(key, value);
            }
        }
        self.stack.pop();
        Ok(Json::Object(members))
    }
}

/// A JavaScript number as `JSON.stringify` prints it and serde_json parses that text: not
/// finite is `null`; a whole number below 1e21 (printed without exponent) is an integer
/// where one holds it.
fn number(n: f64) -> serde_json::Value {
    use serde_json::Value as Json;
    if !n.is_finite() {
        return Json::Null;
    }
    if n.fract() == 0.0 && n.abs() < 1e21 {
        if (0.0..18_446_744_073_709_551_616.0).contains(&n) {
            return Json::from(n as u64);
        }
        if (-9_223_372_036_854_775_808.0..0.0).contains(&n) {
            return Json::from(n as i64);
        }
    }
    serde_json::Number::from_f64(n).map_or(Json::Null, Json::Number)
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
