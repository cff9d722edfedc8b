#![doc = include_str!("../README.md")]

mod alloc;
mod context;
mod convert;
mod members;
mod pool;
mod run;
mod sandbox;
mod screen;
mod watchdog;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

pub use pool::Engine;

/// The limits of the engine and of each call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineSettings {
    /// Wall time of one call, from its submission (queueing counts).
    pub time_limit: Duration,
    /// Memory one call's runtime may hold.
    pub memory_limit_bytes: usize,
    /// Threads the pool may run at once; a call waits for one past that.
    pub max_threads: usize,
    /// `console.log` / `var_dump` lines one call may write to the log.
    pub max_log_lines: usize,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            time_limit: Duration::from_secs(1),
            memory_limit_bytes: 32 * 1024 * 1024,
            max_threads: 8,
            max_log_lines: 100,
        }
    }
}

/// One script call.
#[derive(Debug, Clone)]
pub struct Job {
    /// The event or service name, for the log and error messages.
    pub name: String,
    /// The script's text (the body of a function of `event` and `platform`).
    pub source: Arc<str>,
    /// DreamFactory's `event` object.
    pub event: Value,
    /// `platform.config` and `platform.session`; `platform.api` is added by the engine.
    pub platform: Map<String, Value>,
    /// When the call must have ended; `None` for the engine's time limit from now.
    pub deadline: Option<Instant>,
    /// Only compile the script (a syntax check when it is saved): nothing of it runs.
    pub compile_only: bool,
    /// The members of `event` the caller reads back from [`Outcome::event`]: converting a
    /// whole event back to JSON when only `response` is looked at was a tenth of a call.
    pub read_back: &'static [&'static str],
}

/// What a call left: the members of the `event` object named by [`Job::read_back`] as the
/// script left them, and its return value (`null` when it returned nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub event: Value,
    pub returned: Value,
}

/// Why a call failed. No variant carries the script's source or a stack.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScriptError {
    /// The time limit passed (the call may still be ending on its thread).
    #[error("the script ran past its time limit")]
    TimedOut,
    /// The runtime reached the memory limit.
    #[error("the script ran out of memory")]
    OutOfMemory,
    /// The script threw (or did not compile): the status and code it asked for (a thrown
    /// DreamFactory exception class, or an object with `status_code`), otherwise 500.
    #[error("{message}")]
    Thrown {
        status: u16,
        code: Option<i64>,
        message: String,
    },
    /// The engine could not run the call (a thread could not be started).
    #[error("the script engine is unavailable: {0}")]
    Unavailable(String),
}

/// An in-process API call a script made with `platform.api.{verb}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    /// Upper case: `GET`, `POST`, `PUT`, `PATCH`, `DELETE`.
    pub method: &'static str,
    /// Relative to `/api/v2`: `db/_table/todo`.
    pub path: String,
    /// `null` for none.
    pub payload: Value,
    /// `options.parameters` as strings.
    pub parameters: Vec<(String, String)>,
    /// `options.headers` as strings.
    pub headers: Vec<(String, String)>,
}

/// The answer to an [`ApiRequest`].
#[derive(Debug, Clone, PartialEq)]
pub struct ApiReply {
    pub status_code: u16,
    pub headers: Map<String, Value>,
    /// The response body: its JSON, or the text as a string.
    pub content: Value,
}

/// Runs a script's `platform.api` calls, on the task that awaits the script.
pub trait Host {
    fn call(&self, request: ApiRequest) -> Pin<Box<dyn Future<Output = ApiReply> + '_>>;
}

/// A host for scripts that must not call the API: every call answers 501.
pub struct NoHost;

impl Host for NoHost {
    fn call(&self, _: ApiRequest) -> Pin<Box<dyn Future<Output = ApiReply> + '_>> {
        Box::pin(async {
            ApiReply {
                status_code: 501,
                headers: Map::new(),
                content: serde_json::json!({"error": {
                    "code": 501, "context": null, "status_code": 501,
                    "message": "platform.api is not available to this script."}}),
            }
        })
    }
}
