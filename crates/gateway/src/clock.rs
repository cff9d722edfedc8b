//! The one place that reads the wall clock, so time-dependent code is easy to find.

use chrono::{DateTime, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

pub fn now_unix() -> i64 {
    now().timestamp()
}

/// DreamFactory's date format `Y-m-d H:i:s` (UTC here).
pub fn format_df(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S").to_string()
}

pub fn format_unix_df(seconds: i64) -> String {
    DateTime::from_timestamp(seconds, 0)
        .map(format_df)
        .unwrap_or_default()
}
