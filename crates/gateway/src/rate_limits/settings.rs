//! The `[rate_limits]` section: where counters live when several nodes share a Redis, and
//! what happens when it cannot be reached. The limits themselves are records
//! (`/api/v2/system/limit`).

use serde::Deserialize;

use crate::settings::SettingsError;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Prepended to every Redis key of the counters, so several gateways (or tests) can share
    /// one Redis without sharing counters.
    pub redis_key_prefix: String,
    /// What a limited request gets while Redis cannot be reached.
    pub on_redis_error: OnRedisError,
    /// Longest a limit check waits for Redis, in milliseconds.
    pub redis_timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OnRedisError {
    /// The request goes on uncounted (a warning is logged, at most once a minute, and
    /// `sluice_rate_limit_store_errors_total` counts it).
    Allow,
    /// The request is refused with 503.
    Refuse,
}

impl RateLimitSettings {
    pub(crate) fn validate(&self) -> Result<(), SettingsError> {
        if self.redis_timeout_ms == 0 {
            return Err(SettingsError(
                "rate_limits.redis_timeout_ms must be at least 1".to_string(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::OnRedisError;
    use crate::settings::{Overrides, Settings, load_for_test};

    fn load(env: &[(&str, &str)]) -> Result<Settings, String> {
        load_for_test(env, Overrides::default()).map_err(|e| e.to_string())
    }

    #[test]
    fn rate_limits_allow_on_redis_errors_under_the_sluice_prefix_by_default() {
        let settings = load(&[]).expect("defaults load");
        assert_eq!(settings.rate_limits.redis_key_prefix, "sluice:");
        assert_eq!(settings.rate_limits.on_redis_error, OnRedisError::Allow);
        let settings = load(&[
            ("SLUICE__RATE_LIMITS__ON_REDIS_ERROR", "refuse"),
            ("SLUICE__RATE_LIMITS__REDIS_KEY_PREFIX", "node-a:"),
        ])
        .expect("loads");
        assert_eq!(settings.rate_limits.on_redis_error, OnRedisError::Refuse);
        assert_eq!(settings.rate_limits.redis_key_prefix, "node-a:");
        let error = load(&[("SLUICE__RATE_LIMITS__ON_REDIS_ERROR", "ignore")]).unwrap_err();
        assert!(error.contains("on_redis_error"), "{error}");
    }
}
