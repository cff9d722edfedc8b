//! The one place that reads the wall clock, so time-dependent code is easy to find. Times are
//! formatted by `sluice_connector_core::clock`, the formatter every part of Sluice uses.

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
