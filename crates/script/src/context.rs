//! The two kinds of context a call runs in.
//!
//! - **Locked**, reused by a pool thread from call to call: made once, with the host globals
//!   defined and then locked down by `lockdown.js` (built-ins frozen, overrides tamed, `eval`
//!   replaced, the global object's own properties fixed and no new one allowed). After each
//!   call the engine state freezing cannot hold is put back; a context that cannot be
//!   brought back is discarded. A script's
//!   function is compiled once per context and kept. Making a context was two thirds of a
//!   small script's cost (docs/SCRIPTS.md, "Context reuse and isolation").
//! - **Fresh**, one per call as before, for the scripts the screen (`screen.rs`) sends there
//!   (polyfills and other changes to built-ins, which a locked context refuses).

use std::collections::HashMap;
use std::sync::Arc;

use rquickjs::context::EvalOptions;
use rquickjs::function::This;
use rquickjs::{Context, Ctx, Function, Object, Persistent, Runtime, Value};

use crate::ScriptError;
use crate::convert::thrown;
use crate::members::{Interned, Members};
use crate::run::Current;
use crate::sandbox::{api_methods, install_globals};

const LOCKDOWN: &str = include_str!("lockdown.js");

/// Makes the replacement global `eval`: a direct eval inside a function of its own, so that
/// `let`/`const`/`class` declarations of `(0, eval)('let z = 1')` stay local to it instead of
/// becoming global lexical bindings (which no cleanup could see). Sloppy code, as indirect
/// `eval` code is by default (`var` and implicit globals keep working; rquickjs compiles
/// everything else, the scripts included, as strict code); it sees only its `source` and
/// the original `eval`.
const MAKE_EVAL: &str = "(eval) => ({ eval(source) { return eval(source); } }).eval";

/// Scripts a locked context keeps compiled; past this the cache starts over.
const MAX_COMPILED: usize = 64;

/// A context with the ECMAScript built-ins scripts use: everything but typed arrays,
/// `performance`, `WeakRef` and `DOMException`, which DreamFactory's scripts have no use for
/// (leaving them out saves a little of a context's cost, and typed arrays' methods are the
/// built-ins that run longest without allocating).
pub(crate) fn new_context(runtime: &Runtime) -> rquickjs::Result<Context> {
    use rquickjs::context::intrinsic::{
        Date, Eval, Json, MapSet, Promise, Proxy, RegExp, RegExpCompiler,
    };
    Context::custom::<(
        Date,
        Eval,
        RegExpCompiler,
        RegExp,
        Json,
        Proxy,
        MapSet,
        Promise,
    )>(runtime)
}

/// The text a script is compiled from: the body of a function of `event` and `platform`.
pub(crate) fn wrap(source: &str) -> String {
    format!("(function (event, platform) {{\n{source}\n}})")
}

/// A locked context and what it keeps for its calls. The persistent handles come before the
/// context: fields drop in order, and a handle must be freed while its runtime is alive.
pub(crate) struct Locked {
    compiled: HashMap<Arc<str>, Persistent<Function<'static>>>,
    /// The accessors of `event`'s and `platform`'s members, frozen.
    pub(crate) members: Members,
    cleanup: Persistent<Function<'static>>,
    /// Freezes what the context keeps for its calls (compiled scripts, `members`).
    pub(crate) harden: Persistent<Function<'static>>,
    /// `platform.api`'s functions, frozen ([`api_methods`]).
    api: Persistent<Object<'static>>,
    /// Keeps the keys calls' data usually has interned in the runtime.
    _interned: Interned,
    context: Context,
}

/// A script compiled in a locked context.
pub(crate) struct Compiled<'js> {
    pub(crate) function: Function<'js>,
    /// The script's text closed the wrapper's function early (`}); let z = 1; (function () {`):
    /// code ran at the top level when it was compiled, so the context must be discarded
    /// after this call, and the script should get fresh contexts from now on.
    pub(crate) escaped: bool,
}

impl Locked {
    /// # Errors
    ///
    /// Out of memory, or (a bug) the lockdown source threw: its message.
    pub(crate) fn new(runtime: &Runtime, current: &Current) -> Result<Self, ScriptError> {
        let context = new_context(runtime).map_err(|_| ScriptError::OutOfMemory)?;
        let (cleanup, harden, api, interned) = context.with(|ctx| {
            let fail = |e| thrown(&ctx, e);
            let (cleanup, harden, api) = Self::lock(&ctx, current).map_err(fail)?;
            Ok::<_, ScriptError>((cleanup, harden, api, Interned::new(&ctx).map_err(fail)?))
        })?;
        Ok(Self {
            compiled: HashMap::new(),
            members: Members::default(),
            cleanup,
            harden,
            api,
            _interned: interned,
            context,
        })
    }

    #[allow(clippy::type_complexity)]
    fn lock(
        ctx: &Ctx<'_>,
        current: &Current,
    ) -> rquickjs::Result<(
        Persistent<Function<'static>>,
        Persistent<Function<'static>>,
        Persistent<Object<'static>>,
    )> {
        {
            let ctx = ctx.clone();
            install_globals(&ctx, current, None)?;
            let mut sloppy = EvalOptions::default();
            sloppy.strict = false;
            let make_eval: Function<'_> = ctx.eval_with_options(MAKE_EVAL, sloppy)?;
            let lockdown: Function<'_> = ctx.eval(LOCKDOWN)?;
            let pair: rquickjs::Array<'_> = lockdown.call((make_eval,))?;
            let (cleanup, harden): (Function<'_>, Function<'_>) = (pair.get(0)?, pair.get(1)?);
            let api: Object<'_> = harden.call((api_methods(&ctx, current)?,))?;
            Ok((
                Persistent::save(&ctx, cleanup),
                Persistent::save(&ctx, harden),
                Persistent::save(&ctx, api),
            ))
        }
    }

    pub(crate) fn context(&self) -> Context {
        self.context.clone()
    }

    /// `platform.api`'s functions.
    pub(crate) fn api(&self) -> Persistent<Object<'static>> {
        self.api.clone()
    }

    /// The script's function, compiled (and frozen) on its first call in this context.
    pub(crate) fn function<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        source: &Arc<str>,
    ) -> rquickjs::Result<Compiled<'js>> {
        if let Some(function) = self.compiled.get(source) {
            return Ok(Compiled {
                function: function.clone().restore(ctx)?,
                escaped: false,
            });
        }
        let wrapped = wrap(source);
        let function: Function<'js> = ctx.eval(wrapped.as_str())?;
        // A function expression that is the whole text has exactly the text inside the
        // parentheses as its source; after an escape the value is some later function.
        let to_string: Function<'js> = Function::prototype(ctx.clone()).get("toString")?;
        let text: String = to_string.call((This(function.clone()),))?;
        if text != wrapped[1..wrapped.len() - 1] {
            return Ok(Compiled {
                function,
                escaped: true,
            });
        }
        let harden = self.harden.clone().restore(ctx)?;
        let function: Function<'js> = harden.call((function,))?;
        if self.compiled.len() >= MAX_COMPILED {
            self.compiled.clear();
        }
        self.compiled
            .insert(Arc::clone(source), Persistent::save(ctx, function.clone()));
        Ok(Compiled {
            function,
            escaped: false,
        })
    }

    /// Puts back the engine state freezing cannot hold (`Error`'s stack-trace hooks): false
    /// when the context is not as lockdown left it, and must be discarded. The global object
    /// takes no new property after lockdown, so there is nothing a call added to delete.
    pub(crate) fn cleanup(&self, ctx: &Ctx<'_>) -> bool {
        let Ok(cleanup) = self.cleanup.clone().restore(ctx) else {
            return false;
        };
        match cleanup.call::<_, Value<'_>>(()) {
            Ok(clean) => clean.as_bool() == Some(true),
            Err(_) => {
                ctx.catch();
                false
            }
        }
    }
}
