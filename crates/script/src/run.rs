//! One pool thread's runtime and how a call runs on it: in the thread's locked context, reused
//! from call to call, or in a fresh one for the scripts that need it (`context.rs`); the
//! script compiled as the body of `function (event, platform)`, called with `event` and
//! `platform` objects whose members are converted when first read (`members.rs`), its
//! promise jobs drained, and the return value and the event's members read back as JSON.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::mpsc::SyncSender;
use std::time::Instant;

use rquickjs::{Context, Ctx, Function, Object, Persistent, Runtime, Value};
use serde_json::Map;
use tokio::sync::mpsc;

use crate::alloc::{Budget, Metered};
use crate::context::{Locked, new_context, wrap};
use crate::convert::{Walk, from_json, thrown};
use crate::members::{Holder, Members};
use crate::sandbox::{api_methods, install_globals};
use crate::screen::needs_fresh_context;
use crate::watchdog::Watchdog;
use crate::{ApiReply, ApiRequest, EngineSettings, Job, Outcome, ScriptError};

/// QuickJS's own limit on the native stack it uses: deep recursion throws a `RangeError`
/// ("Maximum call stack size exceeded") long before the pool thread's stack is used up.
const MAX_STACK_BYTES: usize = 1024 * 1024;

/// Room a pool thread's runtime has past what it holds after a collection, before QuickJS
/// collects on its own (see [`Worker::pace_gc`]).
const GC_SLACK_BYTES: usize = 2 * 1024 * 1024;

/// Fresh contexts a pool thread frees between two collections it paces itself (QuickJS still
/// collects on its own past its threshold). Measured by instructions per call of a script
/// that needs a fresh context (examples/call_cost.rs `fallback`): a collection after every
/// call cost 1,318,000 now that the locked context is alive beside the garbage and is walked
/// each time; every 2nd 1,106,000, 4th 1,001,000, 8th 944,000, 16th 920,000; left entirely
/// to QuickJS 985,000. Every 8th keeps at most a few dead contexts' memory.
const FRESH_CALLS_PER_GC: usize = 8;

/// Script texts whose screening a pool thread keeps; past this it starts over.
const MAX_SCREENED: usize = 256;

/// The call running on a pool thread, for the host functions a context keeps between calls
/// (`console.log`): `None` between calls.
pub(crate) type Current = Rc<RefCell<Option<Rc<CallScope>>>>;

/// A `platform.api` call waiting for the awaiting task's answer.
pub(crate) struct HostCall {
    pub(crate) request: ApiRequest,
    pub(crate) reply: SyncSender<ApiReply>,
}

/// A member kept for the rest of a call ([`CallScope::keep`]).
type Kept = (Holder, Rc<str>, Persistent<Value<'static>>);

/// What a running call's host functions share.
pub(crate) struct CallScope {
    pub(crate) name: String,
    pub(crate) deadline: Instant,
    pub(crate) budget: Arc<Budget>,
    pub(crate) calls: mpsc::UnboundedSender<HostCall>,
    /// Log lines the call may still write.
    pub(crate) log_lines_left: Cell<usize>,
    /// The call's event and `platform` members as JSON, converted as the script reads them.
    pub(crate) event: RefCell<serde_json::Value>,
    pub(crate) platform: RefCell<Map<String, serde_json::Value>>,
    /// `platform.api`'s functions in the call's context; `None` outside a call.
    pub(crate) api: RefCell<Option<Persistent<Object<'static>>>>,
    /// Members read through an accessor that could not be replaced (the script froze or
    /// sealed its object), kept for the rest of the call.
    kept: RefCell<Vec<Kept>>,
    /// The event's members are being read back: an accessor still in place says so by
    /// setting `untouched` ([`Members::untouched`]).
    pub(crate) reading_back: Cell<bool>,
    pub(crate) untouched: Cell<bool>,
}

impl CallScope {
    /// The call's time is up.
    pub(crate) fn expired(&self) -> bool {
        self.budget.is_expired() || Instant::now() >= self.deadline
    }

    /// The value kept for member `name` of `holder` ([`CallScope::keep`]), if any.
    pub(crate) fn kept<'js>(
        &self,
        ctx: &Ctx<'js>,
        holder: Holder,
        name: &str,
    ) -> rquickjs::Result<Option<Value<'js>>> {
        let kept = self.kept.borrow();
        let found = kept.iter().find(|(h, n, _)| *h == holder && **n == *name);
        found
            .map(|(_, _, value)| value.clone().restore(ctx))
            .transpose()
    }

    /// Keeps `value` as member `name` of `holder` for the rest of the call.
    pub(crate) fn keep<'js>(
        &self,
        ctx: &Ctx<'js>,
        holder: Holder,
        name: &Rc<str>,
        value: Value<'js>,
    ) {
        let value = Persistent::save(ctx, value);
        self.kept
            .borrow_mut()
            .push((holder, Rc::clone(name), value));
    }

    /// Lets go of the JavaScript values the call holds, while their context is alive.
    fn release(&self) {
        self.api.replace(None);
        self.kept.borrow_mut().clear();
    }
}

pub(crate) struct Worker {
    budget: Arc<Budget>,
    settings: EngineSettings,
    runtime: Option<Runtime>,
    /// The context calls reuse; `None` until made (or after one was discarded).
    locked: Option<Locked>,
    /// A fresh context made while the thread waited for work ([`Worker::prepare`]) after a
    /// call that needed one, so the next such call does not wait for it.
    spare: Option<Context>,
    /// Whether a script text needs a fresh context ([`needs_fresh_context`]), by text.
    screened: HashMap<Arc<str>, bool>,
    /// The last call ran in a fresh context: [`Worker::prepare`] makes a spare one.
    wants_spare: bool,
    /// A lockdown failed on this thread: no locked context is made again.
    lock_failed: bool,
    /// Fresh contexts freed since the last paced collection.
    fresh_since_gc: usize,
    current: Current,
    /// The deadline the interrupt handler compares with, set for each call.
    deadline: Rc<Cell<Option<Instant>>>,
}

impl Worker {
    pub(crate) fn new(budget: Arc<Budget>, settings: EngineSettings) -> Self {
        Self {
            budget,
            settings,
            runtime: None,
            locked: None,
            spare: None,
            screened: HashMap::new(),
            wants_spare: false,
            lock_failed: false,
            fresh_since_gc: 0,
            current: Rc::new(RefCell::new(None)),
            deadline: Rc::new(Cell::new(None)),
        }
    }

    fn runtime(&mut self) -> Result<Runtime, ScriptError> {
        if let Some(runtime) = &self.runtime {
            return Ok(runtime.clone());
        }
        self.budget.reset_call();
        self.budget.reset_usage();
        let runtime = Runtime::new_with_alloc(Metered::new(Arc::clone(&self.budget)))
            .map_err(|_| ScriptError::Unavailable("no runtime could be created".into()))?;
        runtime.set_max_stack_size(MAX_STACK_BYTES);
        let (budget, deadline) = (Arc::clone(&self.budget), Rc::clone(&self.deadline));
        // Polled every 10,000 operations: pure loops end here, built-ins at an allocation.
        runtime.set_interrupt_handler(Some(Box::new(move || {
            budget.is_expired() || deadline.get().is_some_and(|d| Instant::now() >= d)
        })));
        runtime.set_gc_threshold(self.gc_slack());
        self.runtime = Some(runtime.clone());
        Ok(runtime)
    }

    pub(crate) fn run(
        &mut self,
        mut job: Job,
        deadline: Instant,
        calls: &mpsc::UnboundedSender<HostCall>,
    ) -> Result<Outcome, ScriptError> {
        let runtime = self.runtime()?;
        let watchdog = Watchdog::global();
        self.budget.reset_call();
        self.deadline.set(Some(deadline));
        watchdog.arm(&self.budget, deadline);
        let scope = Rc::new(CallScope {
            name: job.name.clone(),
            deadline,
            budget: Arc::clone(&self.budget),
            calls: calls.clone(),
            log_lines_left: Cell::new(self.settings.max_log_lines),
            event: RefCell::new(std::mem::take(&mut job.event)),
            platform: RefCell::new(std::mem::take(&mut job.platform)),
            api: RefCell::new(None),
            kept: RefCell::new(Vec::new()),
            reading_back: Cell::new(false),
            untouched: Cell::new(false),
        });
        let job = &job;
        self.current.replace(Some(Rc::clone(&scope)));
        // A thread's first call (and the first after its context was discarded) runs fresh:
        // locking a context down takes milliseconds, which [`Worker::prepare`] spends after
        // the answer went out rather than in a call.
        let fresh = self.needs_fresh_context(&job.source);
        self.wants_spare = fresh;
        let result = match self.locked.take() {
            Some(locked) if !fresh => self.run_locked(locked, job, &scope),
            locked => {
                self.locked = locked;
                self.run_fresh(&runtime, job, &scope)
            }
        };
        self.current.replace(None);
        watchdog.disarm(&self.budget);
        self.deadline.set(None);
        // Judged before the flags are cleared: a throw caused by a refused allocation or an
        // interrupt is the limit's, whatever the script made of it.
        let result = match result {
            _ if self.budget.is_expired() || Instant::now() >= deadline => {
                Err(ScriptError::TimedOut)
            }
            _ if self.budget.was_exhausted() => Err(ScriptError::OutOfMemory),
            other => other,
        };
        self.budget.reset_call();
        if matches!(
            result,
            Err(ScriptError::TimedOut | ScriptError::OutOfMemory)
        ) {
            // The runtime may hold what the interrupted call half built: start afresh.
            self.spare = None;
            self.locked = None;
            drop(runtime);
            self.runtime = None;
            tracing::warn!(script = %job.name, error = %result.as_ref().err().map(ToString::to_string).unwrap_or_default(), "script stopped at its limit; its runtime is rebuilt");
        }
        result
    }

    fn needs_fresh_context(&mut self, source: &Arc<str>) -> bool {
        if let Some(&fresh) = self.screened.get(source) {
            return fresh;
        }
        if self.screened.len() >= MAX_SCREENED {
            self.screened.clear();
        }
        let fresh = needs_fresh_context(source);
        self.screened.insert(Arc::clone(source), fresh);
        fresh
    }

    /// A call in the locked context, which is kept unless the call left it unclean.
    fn run_locked(
        &mut self,
        mut locked: Locked,
        job: &Job,
        scope: &CallScope,
    ) -> Result<Outcome, ScriptError> {
        let (result, keep, escaped) = locked.context().with(|ctx| {
            let fail = |error: rquickjs::Error| thrown(&ctx, error);
            let compiled = match locked.function(&ctx, &job.source) {
                Ok(compiled) => compiled,
                // Nothing ran: a syntax error (or no memory left to compile).
                Err(error) => return (Err(fail(error)), true, false),
            };
            let escaped = compiled.escaped;
            let result = if job.compile_only {
                Ok(nothing())
            } else {
                scope.api.replace(Some(locked.api()));
                let call = Call {
                    scope,
                    current: &self.current,
                    members: &mut locked.members,
                    harden: Some(&locked.harden),
                    read_back: job.read_back,
                };
                call.run(&ctx, compiled.function)
            };
            // A call that threw may have left jobs queued: they must not run in the next.
            while ctx.execute_pending_job() {}
            scope.release();
            let clean = !escaped && locked.cleanup(&ctx);
            (result, clean, escaped)
        });
        if escaped {
            tracing::warn!(script = %job.name, "the script's text closes its function early; it runs in a fresh context from now on");
            self.screened.insert(Arc::clone(&job.source), true);
        }
        if keep {
            self.locked = Some(locked);
        }
        result
    }

    /// A call in a fresh context, as every call ran before contexts were reused.
    fn run_fresh(
        &mut self,
        runtime: &Runtime,
        job: &Job,
        scope: &CallScope,
    ) -> Result<Outcome, ScriptError> {
        let context = match self.spare.take() {
            Some(context) => context,
            None => new_context(runtime).map_err(|_| ScriptError::OutOfMemory)?,
        };
        context.with(|ctx| {
            let fail = |error: rquickjs::Error| thrown(&ctx, error);
            install_globals(&ctx, &self.current, Some(&job.source)).map_err(fail)?;
            let function: Function<'_> = ctx.eval(wrap(&job.source)).map_err(fail)?;
            if job.compile_only {
                return Ok(nothing());
            }
            let api = api_methods(&ctx, &self.current).map_err(fail)?;
            scope.api.replace(Some(Persistent::save(&ctx, api)));
            let call = Call {
                scope,
                current: &self.current,
                members: &mut Members::default(),
                harden: None,
                read_back: job.read_back,
            };
            let result = call.run(&ctx, function);
            while ctx.execute_pending_job() {}
            scope.release();
            result
        })
    }

    /// Makes the next call's context now, while nothing waits for this thread (after the
    /// answer went out). Creating a context is the largest fixed part of a call.
    pub(crate) fn prepare(&mut self) {
        let Ok(runtime) = self.runtime() else {
            return;
        };
        // A thread whose lockdown failed (a memory limit too small for a locked context) runs
        // every call in fresh contexts.
        if self.locked.is_none() && !self.lock_failed {
            self.pace_gc(&runtime);
            match Locked::new(&runtime, &self.current) {
                Ok(locked) => self.locked = Some(locked),
                Err(error) => {
                    tracing::warn!(%error, "a script context could not be locked down; this thread runs every script in a fresh context");
                    self.lock_failed = true;
                    self.budget.reset_call();
                }
            }
        }
        if self.wants_spare && self.spare.is_none() {
            self.fresh_since_gc += 1;
            if self.fresh_since_gc >= FRESH_CALLS_PER_GC {
                self.fresh_since_gc = 0;
                self.pace_gc(&runtime);
            }
            self.spare = new_context(&runtime).ok();
        }
    }

    /// Collects garbage when the least is alive (after a call, before the next context is
    /// made): a freed fresh context is mostly cyclic garbage (constructors and their
    /// prototypes) that only a collection frees, and each collection walks every live object,
    /// the locked context included. The threshold then leaves room for a few contexts and
    /// calls, and QuickJS still collects on its own past it. Calls in the locked context leave
    /// little cyclic garbage (a script's own functions and classes): QuickJS's threshold
    /// alone serves them (measured: no collection in 2,000 such calls).
    fn pace_gc(&mut self, runtime: &Runtime) {
        runtime.run_gc();
        runtime.set_gc_threshold(self.budget.used() + self.gc_slack());
    }

    fn gc_slack(&self) -> usize {
        GC_SLACK_BYTES.min(self.settings.memory_limit_bytes / 8)
    }
}

fn nothing() -> Outcome {
    Outcome {
        event: serde_json::Value::Null,
        returned: serde_json::Value::Null,
    }
}

/// One call of a script's function.
struct Call<'a> {
    scope: &'a CallScope,
    current: &'a Current,
    /// The context's accessors for `event`'s and `platform`'s members.
    members: &'a mut Members,
    /// Freezes new accessors (a locked context's); `None` in a fresh context.
    harden: Option<&'a Persistent<Function<'static>>>,
    read_back: &'static [&'static str],
}

impl Call<'_> {
    /// Calls `function` in `ctx` with the call's `event` and `platform`.
    fn run<'js>(mut self, ctx: &Ctx<'js>, function: Function<'js>) -> Result<Outcome, ScriptError> {
        let fail = |error: rquickjs::Error| thrown(ctx, error);
        let scope = self.scope;
        let event = self.event(ctx).map_err(fail)?;
        let platform = {
            let platform = scope.platform.borrow();
            let names = platform.keys().map(String::as_str).filter(|&n| n != "api");
            self.members.object(
                ctx,
                self.current,
                Holder::Platform,
                names.chain(["api"]),
                self.harden,
            )
        }
        .map_err(fail)?;
        let mut returned: Value<'_> = function.call((event.clone(), platform)).map_err(fail)?;
        // `async` scripts: run their jobs (bounded by the same limits), then take the result.
        while ctx.execute_pending_job() {}
        if let Some(promise) = returned.as_promise().cloned() {
            returned = match promise.result::<Value<'_>>() {
                Some(result) => result.map_err(fail)?,
                None => Value::new_undefined(ctx.clone()),
            };
        }
        let expired = || scope.expired();
        let mut walk = Walk::new(ctx, &expired);
        // Before the event's members are read back, which may take their JSON.
        let returned = walk.member(returned).map_err(fail)?;
        let returned = returned.unwrap_or(serde_json::Value::Null);
        let mut read_back = Map::new();
        if let Some(event) = event.as_object() {
            for &name in self.read_back {
                let json = match Members::untouched(scope, event, name).map_err(fail)? {
                    Some(value) => walk.member(value).map_err(fail)?,
                    None => scope
                        .event
                        .borrow_mut()
                        .as_object_mut()
                        .and_then(|members| members.remove(name)),
                };
                if let Some(json) = json {
                    read_back.insert(name.to_owned(), json);
                }
            }
        }
        Ok(Outcome {
            event: serde_json::Value::Object(read_back),
            returned,
        })
    }

    /// The call's `event`: an object's members converted as they are read, anything else
    /// converted now.
    fn event<'js>(&mut self, ctx: &Ctx<'js>) -> rquickjs::Result<Value<'js>> {
        let event = self.scope.event.borrow();
        match event.as_object() {
            Some(members) => Ok(self
                .members
                .object(
                    ctx,
                    self.current,
                    Holder::Event,
                    members.keys().map(String::as_str),
                    self.harden,
                )?
                .into_value()),
            None => from_json(ctx, &event),
        }
    }
}
