//! Structured logs with `tracing`. Pretty or JSON per `log.format`, to stderr so stdout keeps
//! only what the CLI prints for people and scripts (the `listening on` line).
//!
//! Never log secrets, tokens, API keys, passwords, record bodies or filter values.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::settings::{LogFormat, LogSettings};

pub fn init(log: &LogSettings) {
    let filter = EnvFilter::try_new(&log.level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal: in a log file they are noise, and
        // the fmt layer formats every span's fields with them (seen in the benchmark profile).
        .with_ansi(std::io::stderr().is_terminal());
    // `try_init`: tests start several servers in one process.
    let _ = match log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}
