//! The one wall-clock format of Sluice: DreamFactory's `Y-m-d H:i:s` in UTC, which is also
//! what SQLite's `CURRENT_TIMESTAMP` writes. Record timestamps (`timestamp_on_create` /
//! `timestamp_on_update` columns), system records (`created_date`, `last_modified_date`,
//! `last_login_date`) and session expiry all read alike because they all come from here.

use chrono::{DateTime, Utc};

/// The format string, for chrono.
const TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// `time` as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn format_timestamp(time: DateTime<Utc>) -> String {
    time.format(TIMESTAMP_FORMAT).to_string()
}

/// Seconds since the Unix epoch as [`format_timestamp`]; `None` beyond chrono's range.
pub fn format_unix_timestamp(seconds: i64) -> Option<String> {
    DateTime::from_timestamp(seconds, 0).map(format_timestamp)
}

/// The current time as [`format_timestamp`].
pub fn now_timestamp() -> String {
    format_timestamp(Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_sqlite_current_timestamp() {
        let cases = [
            (0, "1970-01-01 00:00:00"),
            (951_782_400, "2000-02-29 00:00:00"),
            (1_795_263_599, "2026-11-21 12:19:59"),
            (4_107_542_400, "2100-03-01 00:00:00"),
            (-1, "1969-12-31 23:59:59"),
        ];
        for (seconds, text) in cases {
            assert_eq!(format_unix_timestamp(seconds).as_deref(), Some(text));
        }
        assert_eq!(format_unix_timestamp(i64::MAX), None);
    }

    #[test]
    fn now_is_in_the_same_format() {
        let now = now_timestamp();
        assert_eq!(now.len(), "YYYY-MM-DD HH:MM:SS".len());
        assert!(now.starts_with("20"));
    }
}
