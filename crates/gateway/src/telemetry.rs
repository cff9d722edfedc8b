//! Structured logs with `tracing`. Pretty or JSON per `log.format`, to stderr so stdout keeps
//! only what the CLI prints for people and scripts (the `listening on` line), and to
//! `log.file` as well when set.
//!
//! Never log secrets, tokens, API keys, passwords, record bodies or filter values.

use std::fs::{File, OpenOptions};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::debug_fn;
use tracing_subscriber::fmt::writer::{MakeWriterExt, MutexGuardWriter, OptionalWriter};

use crate::settings::{LogFormat, LogSettings};

/// Installs the process's subscriber: stderr, and `log.file` as well when set.
///
/// # Errors
///
/// `log.file` cannot be opened for appending (the start stops with the reason).
pub fn init(log: &LogSettings) -> anyhow::Result<()> {
    let file = open_log_file(&log.file)?;
    let filter = EnvFilter::try_new(&log.level).unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour codes only for a person at a terminal: in a log file they are noise, and
    // the fmt layer formats every span's fields with them (seen in the benchmark profile).
    let ansi = file.0.is_none() && std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr.and(file))
        .with_ansi(ansi);
    // `try_init`: tests start several servers in one process.
    let _ = match log.format {
        LogFormat::Json => builder.json().try_init(),
        // `name=value` without styling: the default field formatter styles every name through
        // nu-ansi-term even when colours are off, which cost every request span more than
        // formatting its values did (docs/PERFORMANCE.md).
        LogFormat::Pretty => builder.compact().fmt_fields(plain_fields()).try_init(),
    };
    Ok(())
}

/// The log file, when there is one: written through a `Mutex`, so the lines of concurrent
/// requests never interleave.
struct LogFile(Option<Mutex<File>>);

impl<'a> MakeWriter<'a> for LogFile {
    type Writer = OptionalWriter<MutexGuardWriter<'a, File>>;

    fn make_writer(&'a self) -> Self::Writer {
        match &self.0 {
            Some(file) => OptionalWriter::some(file.make_writer()),
            None => OptionalWriter::none(),
        }
    }
}

/// `log.file` opened for appending (created if missing); none when it is empty.
fn open_log_file(path: &Path) -> anyhow::Result<LogFile> {
    if path.as_os_str().is_empty() {
        return Ok(LogFile(None));
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| {
            format!(
                "cannot open the log file {} (log.file): create its directory and make it \
                 writable, or leave log.file empty to log to stderr only",
                path.display()
            )
        })?;
    Ok(LogFile(Some(Mutex::new(file))))
}

/// `message` first and bare, then `name=value` pairs, as the default formatter writes them.
fn plain_fields() -> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> {
    debug_fn(|writer, field, value| match field.name() {
        "message" => write!(writer, "{value:?}"),
        name => write!(writer, "{name}={value:?}"),
    })
    .delimited(" ")
}
