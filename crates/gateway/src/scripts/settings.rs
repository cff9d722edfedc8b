//! The `[scripts]` section (config/default.toml): the limits of event scripts and scripted
//! services (docs/SCRIPTS.md).

use std::time::Duration;

use serde::Deserialize;
use sluice_script::EngineSettings;

use crate::settings::SettingsError;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptSettings {
    /// Wall time of one script call, in milliseconds.
    pub time_limit_ms: u64,
    /// Memory one script call may use, in MiB.
    pub memory_limit_mib: usize,
    /// Script threads this node may run at once (a call waits for one past that).
    pub max_threads: usize,
    /// How deep `platform.api` calls may nest (a script calling an endpoint whose script
    /// calls another ...).
    pub max_call_depth: u32,
    /// `console.log` / `var_dump` lines one call may write to the log.
    pub max_log_lines: usize,
}

impl ScriptSettings {
    pub fn engine(&self) -> EngineSettings {
        EngineSettings {
            time_limit: Duration::from_millis(self.time_limit_ms),
            memory_limit_bytes: self.memory_limit_mib.saturating_mul(1024 * 1024),
            max_threads: self.max_threads,
            max_log_lines: self.max_log_lines,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), SettingsError> {
        let fail = |message: &str| Err(SettingsError(message.to_owned()));
        if !(10..=600_000).contains(&self.time_limit_ms) {
            return fail("scripts.time_limit_ms must be between 10 and 600000");
        }
        if !(4..=4096).contains(&self.memory_limit_mib) {
            return fail("scripts.memory_limit_mib must be between 4 and 4096");
        }
        if !(1..=256).contains(&self.max_threads) {
            return fail("scripts.max_threads must be between 1 and 256");
        }
        if !(1..=32).contains(&self.max_call_depth) {
            return fail("scripts.max_call_depth must be between 1 and 32");
        }
        Ok(())
    }
}
