//! The `[metrics]` and `[redis]` sections: what operators set to watch and scale a node
//! (docs/OPERATIONS.md). Loaded with the rest of [`Settings`](crate::Settings).

use std::net::SocketAddr;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::settings::SettingsError;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// Off: `/metrics` is a 404 everywhere.
    pub enabled: bool,
    /// Empty: `/metrics` on the main listener. An address (`127.0.0.1:9464`): a listener of
    /// its own that serves only `/metrics`, and none on the main one.
    pub bind: String,
}

impl MetricsSettings {
    /// The separate listener's address, when metrics are on and have one.
    pub fn separate_address(&self) -> Option<&str> {
        (self.enabled && !self.bind.is_empty()).then_some(self.bind.as_str())
    }

    /// Whether the main listener serves `/metrics`.
    pub fn on_main_listener(&self) -> bool {
        self.enabled && self.bind.is_empty()
    }

    pub(crate) fn validate(&self) -> Result<(), SettingsError> {
        if !self.bind.is_empty() && self.bind.parse::<SocketAddr>().is_err() {
            return Err(SettingsError(format!(
                "metrics.bind {:?} is not an address and port such as \"127.0.0.1:9464\"; \
                 leave it empty to serve /metrics on the main listener",
                self.bind
            )));
        }
        Ok(())
    }
}

/// `Debug` shows the URL as `[REDACTED]` (a `SecretString`): it may carry a password.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisSettings {
    /// Empty: no Redis (a single node never needs one).
    pub url: SecretString,
}

impl RedisSettings {
    /// The URL, when one is configured.
    pub fn url(&self) -> Option<&str> {
        Some(self.url.expose_secret()).filter(|url| !url.is_empty())
    }

    pub(crate) fn validate(&self) -> Result<(), SettingsError> {
        match self.url() {
            // The parser's message may quote the URL, password included: it is not passed on.
            Some(url) if redis::Client::open(url).is_err() => Err(SettingsError(
                "redis.url is not a Redis URL; use redis://[user:password@]host:port[/db], \
                 or leave it empty"
                    .to_string(),
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::{Overrides, Settings, load_for_test};

    fn load(env: &[(&str, &str)]) -> Result<Settings, String> {
        load_for_test(env, Overrides::default()).map_err(|e| e.to_string())
    }

    #[test]
    fn metrics_are_on_the_main_listener_and_redis_is_off_by_default() {
        let settings = load(&[]).unwrap();
        assert!(settings.metrics.on_main_listener());
        assert_eq!(settings.metrics.separate_address(), None);
        assert_eq!(settings.redis.url(), None);
        assert!(settings.log.file.as_os_str().is_empty());
    }

    #[test]
    fn a_metrics_address_moves_metrics_off_the_main_listener() {
        let settings = load(&[("SLUICE__METRICS__BIND", "127.0.0.1:9464")]).unwrap();
        assert!(!settings.metrics.on_main_listener());
        assert_eq!(settings.metrics.separate_address(), Some("127.0.0.1:9464"));
        let off = load(&[
            ("SLUICE__METRICS__BIND", "127.0.0.1:9464"),
            ("SLUICE__METRICS__ENABLED", "false"),
        ])
        .unwrap();
        assert!(!off.metrics.on_main_listener());
        assert_eq!(off.metrics.separate_address(), None);
        let error = load(&[("SLUICE__METRICS__BIND", "metrics-host")]).unwrap_err();
        assert!(error.contains("metrics.bind"), "{error}");
    }

    #[test]
    fn a_redis_url_is_checked_and_never_shown() {
        let secret = "redis://:hunter2-secret@127.0.0.1:6379/0";
        let settings = load(&[("SLUICE__REDIS__URL", secret)]).unwrap();
        assert_eq!(settings.redis.url(), Some(secret));
        let shown = format!("{settings:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        let error = load(&[("SLUICE__REDIS__URL", "http://:hunter2@host")]).unwrap_err();
        assert!(error.contains("redis.url"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }
}
