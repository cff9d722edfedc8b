//! The one place that reads the wall clock, so time-dependent code is easy to find. Times are
//! formatted by `sluice_connector_core::clock`, the formatter every part of Sluice uses.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sluice_connector_core::clock::format_unix_timestamp;

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

pub fn now_unix() -> i64 {
    now().timestamp()
}

/// DreamFactory's date format `Y-m-d H:i:s` (UTC) of a Unix time; empty beyond chrono's range.
pub fn format_unix_df(seconds: i64) -> String {
    format_unix_timestamp(seconds).unwrap_or_default()
}

/// The time that rate limits and the data cache go by: the wall clock plus an offset that
/// only tests move ([`Clock::advance`]), so a test can jump over a 30-day limit period or a
/// cache TTL without sleeping. Each server has its own, so tests running side by side in
/// one process do not move each other's time.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// Milliseconds since the Unix epoch.
    pub fn now_millis(&self) -> i64 {
        now().timestamp_millis() + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Seconds since the Unix epoch.
    pub fn now_unix(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }

    /// Moves this clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(by, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_only_its_own_clock() {
        let moved = Clock::default();
        let still = Clock::default();
        let before = moved.now_unix();
        moved.advance(Duration::from_secs(30 * 86_400));
        assert!(moved.now_unix() - before >= 30 * 86_400);
        assert!(still.now_unix() - before < 60);
    }
}
