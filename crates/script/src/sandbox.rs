//! What a script can reach beyond the ECMAScript built-ins: `console.log` and `var_dump` (to
//! the log), `platform.api.{get,post,put,patch,delete}` (back into the gateway, through the
//! awaiting task) and DreamFactory's exception classes. Nothing else: QuickJS's own `std`
//! and `os` modules (files, sockets, processes, timers) are not compiled into the engine, no
//! module loader is set, and there is no way to load bytecode.

use std::rc::Rc;
use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::time::Instant;

use rquickjs::convert::Coerced;
use rquickjs::function::{Rest, This};
use rquickjs::{Ctx, Exception, Function, Object, Value};

use crate::ApiRequest;
use crate::convert::{from_json, to_json};
use crate::run::{CallScope, Current, HostCall};

/// `platform.api`'s functions and the methods they send.
const API_METHODS: [(&str, &str); 5] = [
    ("get", "GET"),
    ("post", "POST"),
    ("put", "PUT"),
    ("patch", "PATCH"),
    ("delete", "DELETE"),
];

/// Longest log line a script may write; longer ones are cut.
const MAX_LOG_LINE_CHARS: usize = 2000;

/// DreamFactory's exception classes (its user guide, "Throwing An Exception") and their
/// statuses: `throw new BadRequestException('Missing filter', 123456)`.
const EXCEPTIONS: &[(&str, u16)] = &[
    ("BadRequestException", 400),
    ("InvalidJsonException", 400),
    ("UnauthorizedException", 401),
    ("ForbiddenException", 403),
    ("NotFoundException", 404),
    ("ConflictResourceException", 409),
    ("TooManyRequestsException", 429),
    ("InternalServerErrorException", 500),
    ("NotImplementedException", 501),
    ("ServiceUnavailableException", 503),
];

/// How a class's constructor reads its arguments.
#[derive(Debug, Clone, Copy)]
enum Arguments {
    /// `(message, code)`, with this status.
    MessageCode(u16),
    /// `RestException`'s `(status, message, code)`.
    StatusMessageCode,
}

/// Defines the exception classes `source` names (and their base, `DfException`) as native
/// constructors: only those, so a call in a fresh context does not pay for the others; all
/// of them when `source` is `None` (a locked context, which defines them once). Native rather than
/// JavaScript `class` definitions, which had to be compiled anew in every fresh context
/// (measured: a tenth of a small script's call). `new ForbiddenException('No', 7)` is an
/// `Error` (its prototype chain runs through `DfException.prototype` to `Error.prototype`)
/// with `message`, `code`, `name` and `status_code`; a script's own subclass
/// (`class E extends BadRequestException`) gets its own prototype.
fn install_exceptions<'js>(ctx: &Ctx<'js>, source: Option<&str>) -> rquickjs::Result<()> {
    let names = |name: &str| source.is_none_or(|source| source.contains(name));
    let named: Vec<&(&str, u16)> = EXCEPTIONS.iter().filter(|(name, _)| names(name)).collect();
    let rest = names("RestException");
    if named.is_empty() && !rest && !names("DfException") {
        return Ok(());
    }
    let globals = ctx.globals();
    let error_prototype: Object<'js> = globals.get::<_, Object<'js>>("Error")?.get("prototype")?;
    let base = exception_class(
        ctx,
        &error_prototype,
        "DfException",
        Arguments::MessageCode(500),
    )?;
    let base_prototype: Object<'js> = base.get("prototype")?;
    globals.set("DfException", base)?;
    for (name, status) in named {
        let class = exception_class(ctx, &base_prototype, name, Arguments::MessageCode(*status))?;
        globals.set(*name, class)?;
    }
    if rest {
        let class = exception_class(
            ctx,
            &base_prototype,
            "RestException",
            Arguments::StatusMessageCode,
        )?;
        globals.set("RestException", class)?;
    }
    Ok(())
}

fn exception_class<'js>(
    ctx: &Ctx<'js>,
    parent: &Object<'js>,
    name: &'static str,
    arguments: Arguments,
) -> rquickjs::Result<Function<'js>> {
    let prototype = Object::new(ctx.clone())?;
    prototype.set_prototype(Some(parent))?;
    prototype.set("name", name)?;
    // The constructor captures no JavaScript value: a Rust closure holding one would be a
    // reference QuickJS's collector cannot see, and the prototype's cycle through it would
    // keep the whole context alive after the call.
    let construct = move |ctx: Ctx<'js>, new_target: This<Value<'js>>, args: Rest<Value<'js>>| {
        // Called with `new`, QuickJS passes the constructor being built (a subclass's, for
        // `super(...)`) as `this`; called without, the class is found by its name.
        let class = match new_target.0.as_function() {
            Some(class) => class.clone(),
            None => ctx.globals().get::<_, Function<'js>>(name)?,
        };
        let prototype: Object<'js> = class.get("prototype")?;
        let error = Object::new(ctx.clone())?;
        error.set_prototype(Some(&prototype))?;
        let mut args = args.0.into_iter();
        let status = match arguments {
            Arguments::MessageCode(status) => Value::new_int(ctx.clone(), status.into()),
            Arguments::StatusMessageCode => args
                .next()
                .unwrap_or_else(|| Value::new_undefined(ctx.clone())),
        };
        if let Some(message) = args.next().filter(|m| !m.is_undefined()) {
            error.set("message", message.get::<Coerced<String>>()?.0)?;
        }
        if let Some(code) = args.next().filter(|c| !c.is_undefined()) {
            error.set("code", code)?;
        }
        error.set("status_code", status)?;
        Ok::<_, rquickjs::Error>(error)
    };
    let class = Function::new(ctx.clone(), construct)?.with_name(name)?;
    class.set_constructor(true);
    class.set("prototype", prototype.clone())?;
    prototype.set("constructor", class.clone())?;
    Ok(class)
}

/// Adds the host globals to a context, once: `console`, `var_dump` (which write for the call
/// in `current`) and the exception classes (those `source` names, or all for `None`).
pub(crate) fn install_globals<'js>(
    ctx: &Ctx<'js>,
    current: &Current,
    source: Option<&str>,
) -> rquickjs::Result<()> {
    let globals = ctx.globals();
    let log = logger(ctx, current)?;
    let console = Object::new(ctx.clone())?;
    for level in ["log", "info", "warn", "error", "debug"] {
        console.set(level, log.clone())?;
    }
    globals.set("console", console)?;
    globals.set("var_dump", log)?;
    install_exceptions(ctx, source)
}

/// The functions of `platform.api` (`get`, `post`, `put`, `patch`, `delete`), which call
/// back for the call in `current`: made once for a locked context, per call for a fresh one.
pub(crate) fn api_methods<'js>(ctx: &Ctx<'js>, current: &Current) -> rquickjs::Result<Object<'js>> {
    let methods = Object::new(ctx.clone())?;
    for (name, method) in API_METHODS {
        let current = Rc::clone(current);
        let function = Function::new(ctx.clone(), move |ctx: Ctx<'js>, args: Rest<Value<'js>>| {
            let Some(scope) = current.borrow().clone() else {
                return Err(Exception::throw_internal(
                    &ctx,
                    "platform.api is no longer available.",
                ));
            };
            api_call(&ctx, &scope, method, args.0)
        })?;
        methods.set(name, function)?;
    }
    Ok(methods)
}

/// `platform.api` for one call: an object of its own (the script may change it) holding
/// `methods`.
pub(crate) fn api_object<'js>(
    ctx: &Ctx<'js>,
    methods: &Object<'js>,
) -> rquickjs::Result<Object<'js>> {
    let api = Object::new(ctx.clone())?;
    for (name, _) in API_METHODS {
        api.set(name, methods.get::<_, Value<'js>>(name)?)?;
    }
    Ok(api)
}

fn logger<'js>(ctx: &Ctx<'js>, current: &Current) -> rquickjs::Result<Function<'js>> {
    let current = Rc::clone(current);
    Function::new(ctx.clone(), move |ctx: Ctx<'js>, args: Rest<Value<'js>>| {
        // Outside a call (a function a script left behind cannot run then) nothing is written.
        let Some(scope) = current.borrow().clone() else {
            return Ok::<_, rquickjs::Error>(());
        };
        let left = scope.log_lines_left.get();
        if left == 0 {
            return Ok(());
        }
        scope.log_lines_left.set(left - 1);
        let mut line = String::new();
        for (i, value) in args.0.into_iter().enumerate() {
            if i > 0 {
                line.push(' ');
            }
            line.push_str(&display(&ctx, &scope, value));
        }
        if let Some((cut, _)) = line.char_indices().nth(MAX_LOG_LINE_CHARS) {
            line.truncate(cut);
        }
        // Only what the script itself prints: never the event, payloads or the session.
        tracing::info!(target: "sluice::script", script = %scope.name, "{line}");
        Ok(())
    })
}

/// A value as `console.log` shows it: strings as they are, everything else as JSON.
fn display<'js>(ctx: &Ctx<'js>, scope: &CallScope, value: Value<'js>) -> String {
    if let Some(text) = value.as_string() {
        return text.to_string().unwrap_or_default();
    }
    if value.is_undefined() {
        return "undefined".to_owned();
    }
    to_json(ctx, value, &|| scope.expired())
        .map_or_else(|_| "[unprintable]".to_owned(), |v| v.to_string())
}

/// `platform.api.{verb}(path[, payload][, options][, callback])`: DreamFactory's Node.js
/// form passes `(path, options, callback)` for `get`, which is read as such when the one
/// object after the path has `parameters` or `headers`. Returns the response content, and
/// calls `callback(body, response)` when one is given, body as JSON text.
fn api_call<'js>(
    ctx: &Ctx<'js>,
    scope: &CallScope,
    method: &'static str,
    mut args: Vec<Value<'js>>,
) -> rquickjs::Result<Value<'js>> {
    let callback = match args.last() {
        Some(last) if last.is_function() => args.pop().and_then(|v| v.into_function()),
        _ => None,
    };
    let mut args = args.into_iter();
    let path = match args.next().and_then(|p| p.as_string().cloned()) {
        Some(path) => path.to_string()?,
        None => return Err(Exception::throw_type(ctx, "platform.api needs a path")),
    };
    let (mut payload, mut options) = (args.next(), args.next());
    if options.is_none() && matches!(method, "GET" | "DELETE") && looks_like_options(&payload) {
        options = payload.take();
    }
    let payload = match payload {
        Some(value) => to_json(ctx, value, &|| scope.expired())?,
        None => serde_json::Value::Null,
    };
    let options = match options {
        Some(value) => to_json(ctx, value, &|| scope.expired())?,
        None => serde_json::Value::Null,
    };
    if path.contains("://") {
        return Err(Exception::throw_message(
            ctx,
            "platform.api reaches this gateway's own API only; scripts have no network access.",
        ));
    }
    let request = ApiRequest {
        method,
        path: path.trim_start_matches('/').to_owned(),
        payload,
        parameters: pairs(&options["parameters"]),
        headers: pairs(&options["headers"]),
    };
    let (reply, answer) = sync_channel(1);
    if scope.calls.send(HostCall { request, reply }).is_err() {
        return Err(Exception::throw_internal(
            ctx,
            "platform.api is no longer available.",
        ));
    }
    let wait = scope.deadline.saturating_duration_since(Instant::now());
    let reply = match answer.recv_timeout(wait) {
        Ok(reply) => reply,
        Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
            // The call's time is up: the interrupt handler ends the script at its next poll.
            scope.budget.expire();
            return Err(Exception::throw_internal(
                ctx,
                "platform.api did not answer in time.",
            ));
        }
    };
    let content = from_json(ctx, &reply.content)?;
    if let Some(callback) = callback {
        let response = Object::new(ctx.clone())?;
        response.set("status_code", reply.status_code)?;
        response.set(
            "headers",
            from_json(ctx, &serde_json::Value::Object(reply.headers))?,
        )?;
        response.set("content", content.clone())?;
        callback.call::<_, Value<'js>>((reply.content.to_string(), response))?;
    }
    Ok(content)
}

fn looks_like_options(value: &Option<Value<'_>>) -> bool {
    value.as_ref().and_then(|v| v.as_object()).is_some_and(|o| {
        o.contains_key("parameters").unwrap_or(false) || o.contains_key("headers").unwrap_or(false)
    })
}

/// An options object's `parameters` or `headers` as name/value strings.
fn pairs(value: &serde_json::Value) -> Vec<(String, String)> {
    let Some(map) = value.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}
