//! One pool thread's runtime and how a call runs on it: a fresh context (a context kept
//! between calls would leak one script's globals into the next), the script compiled as the
//! body of `function (event, platform)`, called, its promise jobs drained, and the event and
//! return value read back as JSON.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::mpsc::SyncSender;
use std::time::Instant;

use rquickjs::{Context, Ctx, Function, Object, Runtime, Value};
use tokio::sync::mpsc;

use crate::alloc::{Budget, Metered};
use crate::convert::{from_json, thrown, to_json};
use crate::sandbox::install;
use crate::watchdog::Watchdog;
use crate::{ApiReply, ApiRequest, EngineSettings, Job, Outcome, ScriptError};

/// QuickJS's own limit on the native stack it uses: deep recursion throws a `RangeError`
/// ("Maximum call stack size exceeded") long before the pool thread's stack is used up.
const MAX_STACK_BYTES: usize = 1024 * 1024;

/// Room a pool thread's runtime has past what it holds after a collection, before QuickJS
/// collects on its own (see [`Worker::pace_gc`]).
const GC_SLACK_BYTES: usize = 2 * 1024 * 1024;

/// A `platform.api` call waiting for the awaiting task's answer.
pub(crate) struct HostCall {
    pub(crate) request: ApiRequest,
    pub(crate) reply: SyncSender<ApiReply>,
}

/// What a running call's host functions share.
pub(crate) struct CallScope {
    pub(crate) name: String,
    pub(crate) deadline: Instant,
    pub(crate) budget: Arc<Budget>,
    pub(crate) calls: mpsc::UnboundedSender<HostCall>,
    /// Log lines the call may still write.
    pub(crate) log_lines_left: Cell<usize>,
}

pub(crate) struct Worker {
    budget: Arc<Budget>,
    settings: EngineSettings,
    runtime: Option<Runtime>,
    /// A fresh context made while the thread waited for work ([`Worker::prepare`]), so a
    /// call does not wait for one; no script has run in it.
    spare: Option<Context>,
    /// The deadline the interrupt handler compares with, set for each call.
    deadline: Rc<Cell<Option<Instant>>>,
}

impl Worker {
    pub(crate) fn new(budget: Arc<Budget>, settings: EngineSettings) -> Self {
        Self {
            budget,
            settings,
            runtime: None,
            spare: None,
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
        job: &Job,
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
        });
        let context = match self.spare.take() {
            Some(context) => Ok(context),
            None => new_context(&runtime),
        };
        let result = context
            .map_err(|_| ScriptError::OutOfMemory)
            .and_then(|context| context.with(|ctx| call(&ctx, job, &scope)));
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
            drop(runtime);
            self.runtime = None;
            tracing::warn!(script = %job.name, error = %result.as_ref().err().map(ToString::to_string).unwrap_or_default(), "script stopped at its limit; its runtime is rebuilt");
        }
        result
    }

    /// Makes the next call's context now, while nothing waits for this thread (after the
    /// answer went out). Creating a context is the largest fixed part of a call.
    pub(crate) fn prepare(&mut self) {
        if self.spare.is_none()
            && let Ok(runtime) = self.runtime()
        {
            self.pace_gc(&runtime);
            self.spare = new_context(&runtime).ok();
        }
    }

    /// Collects the last call's garbage before the next context is made, when the least is
    /// alive: a freed context is mostly cyclic garbage (constructors and their prototypes)
    /// that only a collection frees, and each collection walks every live object. Left to
    /// QuickJS (whose next threshold is half again what survived), one ran during nearly
    /// every call with two contexts alive; collecting less often cost more (measured: a
    /// collection's cost grows faster than the garbage it frees). The threshold then leaves
    /// room for a context and a small call, and QuickJS still collects on its own past it.
    fn pace_gc(&mut self, runtime: &Runtime) {
        runtime.run_gc();
        runtime.set_gc_threshold(self.budget.used() + self.gc_slack());
    }

    fn gc_slack(&self) -> usize {
        GC_SLACK_BYTES.min(self.settings.memory_limit_bytes / 8)
    }
}

/// A context with the ECMAScript built-ins scripts use: everything but typed arrays,
/// `performance`, `WeakRef` and `DOMException`, which DreamFactory's scripts have no use for
/// (leaving them out saves a little of a context's cost, and typed arrays' methods are the
/// built-ins that run longest without allocating).
fn new_context(runtime: &Runtime) -> rquickjs::Result<Context> {
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

/// Compiles and calls the script in `ctx`.
fn call(ctx: &Ctx<'_>, job: &Job, scope: &Rc<CallScope>) -> Result<Outcome, ScriptError> {
    let fail = |error: rquickjs::Error| thrown(ctx, error);
    let wrapped = format!("(function (event, platform) {{\n{}\n}})", job.source);
    if job.compile_only {
        // Evaluating the function expression compiles its body without running it.
        ctx.eval::<Function<'_>, _>(wrapped).map_err(fail)?;
        return Ok(Outcome {
            event: serde_json::Value::Null,
            returned: serde_json::Value::Null,
        });
    }
    let event = from_json(ctx, &job.event).map_err(fail)?;
    let platform = Object::new(ctx.clone()).map_err(fail)?;
    for (key, value) in &job.platform {
        platform
            .set(key.as_str(), from_json(ctx, value).map_err(fail)?)
            .map_err(fail)?;
    }
    install(ctx, &platform, scope, &job.source).map_err(fail)?;
    let function: Function<'_> = ctx.eval(wrapped).map_err(fail)?;
    let mut returned: Value<'_> = function.call((event.clone(), platform)).map_err(fail)?;
    // `async` scripts: run their jobs (bounded by the same limits), then take the result.
    while ctx.execute_pending_job() {}
    if let Some(promise) = returned.as_promise().cloned() {
        returned = match promise.result::<Value<'_>>() {
            Some(result) => result.map_err(fail)?,
            None => Value::new_undefined(ctx.clone()),
        };
    }
    let read_back = Object::new(ctx.clone()).map_err(fail)?;
    if let Some(event) = event.as_object() {
        for &member in job.read_back {
            let value: Value<'_> = event.get(member).map_err(fail)?;
            read_back.set(member, value).map_err(fail)?;
        }
    }
    Ok(Outcome {
        event: to_json(ctx, read_back.into_value()).map_err(fail)?,
        returned: to_json(ctx, returned).map_err(fail)?,
    })
}
