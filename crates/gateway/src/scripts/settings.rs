//! The `[scripts]` section (config/default.toml): the limits of event scripts and scripted
//! services (docs/SCRIPTS.md).

use std::time::Duration;

use serde::Deserialize;
use sluice_script::EngineSettings;

use crate::settings::SettingsError;

/// Most script threads a node may run.
const MAX_THREADS: usize = 256;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptSettings {
    /// Wall time of one script call, in milliseconds.
    pub time_limit_ms: u64,
    /// Memory one script call may use, in MiB.
    pub memory_limit_mib: usize,
    /// Script threads this node may run at once (a call waits for one past that); 0 = twice
    /// the CPU cores.
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
            max_threads: self.threads(),
            max_log_lines: self.max_log_lines,
        }
    }

    /// `max_threads`, with 0 resolved to twice the CPU cores: script calls are CPU work, so
    /// more threads than that add no throughput, only memory (each keeps a QuickJS runtime
    /// and a locked context) and context switches; the second thread per core covers calls
    /// waiting on `platform.api`.
    fn threads(&self) -> usize {
        match self.max_threads {
            0 => std::thread::available_parallelism().map_or(2, |cores| cores.get() * 2),
            threads => threads,
        }
        .min(MAX_THREADS)
    }

    pub(crate) fn validate(&self) -> Result<(), SettingsError> {
        let fail = |message: &str| Err(SettingsError(message.to_owned()));
        if !(10..=600_000).contains(&self.time_limit_ms) {
            return fail("scripts.time_limit_ms must be between 10 and 600000");
        }
        if !(4..=4096).contains(&self.memory_limit_mib) {
            return fail("scripts.memory_limit_mib must be between 4 and 4096");
        }
        if self.max_threads > MAX_THREADS {
            return fail("scripts.max_threads must be between 0 (twice the CPU cores) and 256");
        }
        if !(1..=32).contains(&self.max_call_depth) {
            return fail("scripts.max_call_depth must be between 1 and 32");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_threads(max_threads: usize) -> ScriptSettings {
        ScriptSettings {
            time_limit_ms: 1000,
            memory_limit_mib: 32,
            max_threads,
            max_call_depth: 5,
            max_log_lines: 100,
        }
    }

    #[test]
    fn zero_threads_means_twice_the_cores() {
        let cores = std::thread::available_parallelism().map_or(2, |cores| cores.get());
        assert_eq!(with_threads(0).engine().max_threads, cores * 2);
        assert_eq!(with_threads(3).engine().max_threads, 3);
    }

    #[test]
    fn more_than_256_threads_are_refused() {
        assert!(with_threads(256).validate().is_ok());
        assert!(with_threads(0).validate().is_ok());
        let refused = with_threads(257).validate().unwrap_err();
        assert_eq!(
            refused.0,
            "scripts.max_threads must be between 0 (twice the CPU cores) and 256"
        );
    }
}
