//! A call's `event` and `platform` objects, whose members become JavaScript only when the
//! script first reads them. Converting the whole event and `platform` up front was about
//! 60,000 instructions of a small call's 133,000, most of it for members the script never
//! reads (`platform.session`, `platform.config`, request headers, `event.response`).
//!
//! Each member starts as an accessor: its getter converts the call's JSON for that member,
//! puts it on the object as an ordinary data property (so from then on it is what the
//! script would have seen before: writable, enumerable, configurable, its own copy) and
//! returns it; its setter defines the assigned value the same way. The getter and setter of
//! a member name are made once per context (frozen in a locked context) and read the call
//! in progress (`Current`): never an earlier call's data, and nothing outside a call.
//! `platform.api`'s getter makes the call's own `api` object ([`api_object`]).
//!
//! A member the script never touched is read back as the call's JSON itself, unconverted
//! ([`Members::untouched`]).

use std::rc::Rc;

use rquickjs::function::This;
use rquickjs::object::{AsProperty, PropertyFlags};
use rquickjs::{Ctx, Function, Object, Persistent, Value, qjs};

use crate::convert::{define, from_json};
use crate::run::{CallScope, Current};
use crate::sandbox::api_object;

/// Member names a context keeps accessors for, per object; past this it starts over.
const MAX_NAMES: usize = 64;

/// The names DreamFactory's events, `platform` and common requests use as keys. QuickJS
/// frees a key's interned string (its atom) when nothing refers to it any more, so a key
/// that only a call's data used was interned anew in every call (measured: 14 of a small
/// call's keys, 3,600 instructions); [`Interned`] keeps these.
#[rustfmt::skip]
const KEYS: &[&str] = &[
    // `event`, `event.request`, `event.response`
    "request", "response", "resource", "api_version", "method", "parameters", "headers",
    "payload", "content", "content_type", "uri", "service", "status_code", "format",
    // `platform`
    "config", "session", "api", "df", "version", "always_wrap_resources",
    "resources_wrapper", "user", "app", "role", "role_id", "id", "name", "display_name",
    "first_name", "last_name", "email", "is_sys_admin", "last_login_date",
    // DreamFactory's query parameters
    "fields", "filter", "limit", "offset", "order", "group", "ids", "id_field",
    "include_count", "include_schema", "related", "continue", "rollback",
    // request headers (lower case, as the gateway passes them)
    "accept", "accept-encoding", "accept-language", "cache-control", "connection",
    "content-length", "content-type", "host", "origin", "referer", "user-agent",
    "x-dreamfactory-api-key", "x-forwarded-for", "x-forwarded-proto", "x-real-ip",
    "x-requested-with",
];

/// Keeps [`KEYS`] interned in a runtime: an object, which no script can reach, with each as
/// a property.
pub(crate) struct Interned {
    _holder: Persistent<Object<'static>>,
}

impl Interned {
    pub(crate) fn new(ctx: &Ctx<'_>) -> rquickjs::Result<Self> {
        let holder = Object::new(ctx.clone())?;
        for key in KEYS {
            holder.set(*key, true)?;
        }
        Ok(Self {
            _holder: Persistent::save(ctx, holder),
        })
    }
}

/// The object a member belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holder {
    Event,
    Platform,
}

type Pair = (Persistent<Function<'static>>, Persistent<Function<'static>>);

/// The accessors a context has made, by member name.
#[derive(Default)]
pub(crate) struct Members {
    // A few names each, so a list: searching it costs less than hashing a name.
    event: Vec<(String, Pair)>,
    platform: Vec<(String, Pair)>,
}

/// An accessor property of existing functions (rquickjs's `Accessor` makes new ones).
struct Lazy<'js> {
    get: Function<'js>,
    set: Function<'js>,
}

impl<'js> AsProperty<'js, ()> for Lazy<'js> {
    fn config(
        self,
        ctx: &Ctx<'js>,
    ) -> rquickjs::Result<(PropertyFlags, Value<'js>, Value<'js>, Value<'js>)> {
        let flags = qjs::JS_PROP_HAS_GET
            | qjs::JS_PROP_HAS_SET
            | qjs::JS_PROP_HAS_ENUMERABLE
            | qjs::JS_PROP_ENUMERABLE
            | qjs::JS_PROP_HAS_CONFIGURABLE
            | qjs::JS_PROP_CONFIGURABLE;
        Ok((
            flags as PropertyFlags,
            Value::new_undefined(ctx.clone()),
            self.get.into_value(),
            self.set.into_value(),
        ))
    }
}

impl Members {
    /// A new object whose members `names` of `holder` are read from the call in progress;
    /// `harden` freezes accessors made now (a locked context's, which outlive the call).
    pub(crate) fn object<'js, 'n>(
        &mut self,
        ctx: &Ctx<'js>,
        current: &Current,
        holder: Holder,
        names: impl IntoIterator<Item = &'n str>,
        harden: Option<&Persistent<Function<'static>>>,
    ) -> rquickjs::Result<Object<'js>> {
        let object = Object::new(ctx.clone())?;
        let made = match holder {
            Holder::Event => &mut self.event,
            Holder::Platform => &mut self.platform,
        };
        for name in names {
            let (get, set) = match made.iter().find(|(made, _)| made == name) {
                Some((_, (get, set))) => (get.clone().restore(ctx)?, set.clone().restore(ctx)?),
                None => {
                    let (get, set) = accessors(ctx, current, holder, name)?;
                    if let Some(harden) = harden {
                        let harden = harden.clone().restore(ctx)?;
                        harden.call::<_, Value<'js>>((get.clone(),))?;
                        harden.call::<_, Value<'js>>((set.clone(),))?;
                    }
                    if made.len() >= MAX_NAMES {
                        made.clear();
                    }
                    let saved = (
                        Persistent::save(ctx, get.clone()),
                        Persistent::save(ctx, set.clone()),
                    );
                    made.push((name.to_owned(), saved));
                    (get, set)
                }
            };
            object.prop(name, Lazy { get, set })?;
        }
        Ok(object)
    }

    /// Reads `event`'s member `name` back: `None` when it is still the accessor the call
    /// started with and was never read (nor replaced), so the caller takes the
    /// call's JSON as it is; otherwise its value, as any script-defined getter gives it.
    pub(crate) fn untouched<'js>(
        scope: &CallScope,
        event: &Object<'js>,
        name: &str,
    ) -> rquickjs::Result<Option<Value<'js>>> {
        scope.reading_back.set(true);
        scope.untouched.set(false);
        let value = event.get::<_, Value<'js>>(name);
        scope.reading_back.set(false);
        let value = value?;
        Ok((!scope.untouched.get()).then_some(value))
    }
}

/// The getter and setter of member `name` of `holder`.
fn accessors<'js>(
    ctx: &Ctx<'js>,
    current: &Current,
    holder: Holder,
    name: &str,
) -> rquickjs::Result<(Function<'js>, Function<'js>)> {
    let name: Rc<str> = Rc::from(name);
    let get = {
        let (current, name) = (Rc::clone(current), Rc::clone(&name));
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, this: This<Value<'js>>| {
            // Outside a call (an accessor a script reached cannot run then) there is nothing.
            let Some(scope) = current.borrow().clone() else {
                return Ok(Value::new_undefined(ctx));
            };
            if let Some(value) = scope.kept(&ctx, holder, &name)? {
                return Ok(value);
            }
            if scope.reading_back.get() {
                scope.untouched.set(true);
                return Ok(Value::new_undefined(ctx));
            }
            let value = convert(&ctx, &scope, holder, &name)?;
            if let Some(object) = this.0.as_object() {
                // A frozen or sealed object keeps its accessor: the value is kept for the
                // rest of the call instead, so that each read gives the same object.
                if define(object, &name, value.clone()).is_err() {
                    ctx.catch();
                    scope.keep(&ctx, holder, &name, value.clone());
                }
            }
            Ok::<_, rquickjs::Error>(value)
        })?
    };
    let set = Function::new(
        ctx.clone(),
        move |this: This<Value<'js>>, value: Value<'js>| match this.0.as_object() {
            Some(object) => define(object, &name, value),
            None => Ok(()),
        },
    )?;
    Ok((get, set))
}

/// The call's member `name` of `holder` as JavaScript.
fn convert<'js>(
    ctx: &Ctx<'js>,
    scope: &CallScope,
    holder: Holder,
    name: &str,
) -> rquickjs::Result<Value<'js>> {
    let value = match holder {
        Holder::Platform if name == "api" => {
            let methods = scope.api.borrow().clone();
            return match methods {
                Some(methods) => Ok(api_object(ctx, &methods.restore(ctx)?)?.into_value()),
                None => Ok(Value::new_undefined(ctx.clone())),
            };
        }
        Holder::Platform => scope.platform.borrow().get(name).map(|v| from_json(ctx, v)),
        Holder::Event => scope.event.borrow().get(name).map(|v| from_json(ctx, v)),
    };
    value.unwrap_or_else(|| Ok(Value::new_undefined(ctx.clone())))
}
