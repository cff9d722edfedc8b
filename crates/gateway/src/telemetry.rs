//! Structured logs with `tracing`. Pretty or JSON per `log.format`, to stderr so stdout keeps
//! only what the CLI prints for people and scripts (the `listening on` line).
//!
//! Never log secrets, tokens, API keys, passwords, record bodies or filter values.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::format::debug_fn;

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
        // `name=value` without styling: the default field formatter styles every name through
        // nu-ansi-term even when colours are off, which cost every request span more than
        // formatting its values did (docs/PERFORMANCE.md).
        LogFormat::Pretty => builder.compact().fmt_fields(plain_fields()).try_init(),
    };
}

/// `message` first and bare, then `name=value` pairs, as the default formatter writes them.
fn plain_fields() -> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> {
    debug_fn(|writer, field, value| match field.name() {
        "message" => write!(writer, "{value:?}"),
        name => write!(writer, "{name}={value:?}"),
    })
    .delimited(" ")
}
