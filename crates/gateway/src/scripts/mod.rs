//! Event scripts and scripted services (docs/SCRIPTS.md): JavaScript run by `sluice-script`'s
//! sandboxed engine.
//!
//! - `directory`: the active event scripts, held in memory and replaced by the change feed
//!   (`changes.rs`), so a request looks its events up without a system-database query and a
//!   service without scripts pays one flag check.
//! - `events`: the middleware on `/api/v2/{service}` that runs `pre_process`,
//!   `post_process` and `queued` scripts around a database service's endpoints.
//! - `service`: the `nodejs` service type, whose script answers every request under it.
//! - `platform`: what scripts reach: `platform.api` (this gateway, in process, as the
//!   caller) and `platform.session` / `platform.config`.

pub mod directory;
pub mod event_names;
pub mod events;
mod exchange;
pub mod platform;
pub mod service;
pub mod settings;

use actix_web::http::StatusCode;
use sluice_script::{Engine, ScriptError};

use crate::error::ApiError;
use crate::settings::Settings;

pub use directory::ScriptDirectory;

/// The script type DreamFactory's admin sends for JavaScript; the only one Sluice runs.
pub const NODEJS: &str = "nodejs";

/// The engine and the scripts this node runs.
pub struct Scripts {
    pub engine: Engine,
    pub directory: ScriptDirectory,
    pub max_call_depth: u32,
}

impl Scripts {
    pub fn new(settings: &Settings) -> Self {
        Self {
            engine: Engine::new(settings.scripts.engine()),
            directory: ScriptDirectory::default(),
            max_call_depth: settings.scripts.max_call_depth,
        }
    }
}

/// Compiles `source` without running it, so a script that cannot run is refused when it is
/// saved: 400 naming `field`, with QuickJS's message (which quotes no source).
///
/// # Errors
///
/// The 400, or the engine's error (busy, time limit).
pub async fn check_syntax(
    engine: &Engine,
    name: &str,
    field: &str,
    source: &str,
) -> Result<(), ApiError> {
    let job = sluice_script::Job {
        name: name.to_owned(),
        source: std::sync::Arc::from(source),
        event: serde_json::Value::Null,
        platform: serde_json::Map::new(),
        deadline: None,
        compile_only: true,
        read_back: &[],
    };
    match engine.run(job, &sluice_script::NoHost).await {
        Ok(_) => Ok(()),
        Err(ScriptError::Thrown { message, .. }) => Err(crate::system::fields::invalid_field(
            field,
            &format!("The script does not compile: {message}"),
        )),
        Err(other) => Err(script_error(name, other)),
    }
}

/// The response a failed script call ends its request with: what the script threw (its
/// status and message, DreamFactory's behaviour), or the limit it passed. Never its source
/// or a stack.
pub fn script_error(name: &str, error: ScriptError) -> ApiError {
    match error {
        ScriptError::TimedOut => ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            format!("Script '{name}' did not finish within its time limit."),
        ),
        ScriptError::OutOfMemory => {
            ApiError::unavailable(format!("Script '{name}' ran out of memory."))
        }
        ScriptError::Unavailable(reason) => {
            tracing::error!(script = %name, %reason, "script engine unavailable");
            ApiError::unavailable("The script engine is busy; try again.")
        }
        ScriptError::Thrown {
            status,
            code,
            message,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let error = ApiError::new(status, message);
            match code.and_then(|c| u32::try_from(c).ok()) {
                Some(code) => error.with_code(code),
                None => error,
            }
        }
    }
}
