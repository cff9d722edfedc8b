//! The compact line format, written directly for events outside any span (every access
//! line): the same bytes `tracing-subscriber`'s compact format writes for them, without its
//! `core::fmt` machinery for the level, the span context and the styled target (with one
//! allocation less in the SQL builder, a one-row read's count fell by about 1,600
//! instructions: docs/PERFORMANCE.md). Everything else (events inside spans, coloured output)
//! goes to that format itself.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::format::{Compact, Format, Writer};
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

pub(crate) struct LineFormat<T> {
    compact: Format<Compact, T>,
    timer: T,
}

impl<T: FormatTime + Clone> LineFormat<T> {
    pub(crate) fn new(timer: T) -> Self {
        let compact = tracing_subscriber::fmt::format()
            .compact()
            .with_timer(timer.clone());
        Self { compact, timer }
    }
}

impl<S, N, T> FormatEvent<S, N> for LineFormat<T>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    T: FormatTime,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        // The compact format names the current span even before an event that is explicitly
        // a root: only with no span entered and no explicit parent is there nothing to name.
        let outside_spans = event.parent().is_none() && ctx.lookup_current().is_none();
        // A `log` crate record carries its real target in its fields, which the compact
        // format reads back.
        if !outside_spans || writer.has_ansi_escapes() || event.is_log() {
            return self.compact.format_event(ctx, writer, event);
        }
        let meta = event.metadata();
        if self.timer.format_time(&mut writer).is_err() {
            writer.write_str("<unknown time>")?;
        }
        writer.write_char(' ')?;
        writer.write_str(level_text(meta.level()))?;
        writer.write_char(' ')?;
        writer.write_str(meta.target())?;
        writer.write_str(": ")?;
        ctx.format_fields(writer.by_ref(), event)?;
        writer.write_char('\n')
    }
}

/// The level as the compact format pads it: five characters, right-aligned.
fn level_text(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "TRACE",
        Level::DEBUG => "DEBUG",
        Level::INFO => " INFO",
        Level::WARN => " WARN",
        Level::ERROR => "ERROR",
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::fmt::time::SystemTime;

    use super::*;
    use crate::telemetry::tests::Lines;

    fn emit_all() {
        tracing::info!(target: "sluice::access", method = "GET", status = 200u16, "request answered");
        tracing::warn!(a = 1, "outside");
        tracing::error!("bare");
        tracing::debug!(parent: None, "rooted");
        let span = tracing::info_span!("request", request_id = "x", path = "/p");
        span.in_scope(|| {
            tracing::info!(inner = true, "inside");
            tracing::info!(parent: None, "explicitly outside");
        });
        tracing::info!(parent: &span, "explicitly inside");
        let record = log::Record::builder()
            .level(log::Level::Info)
            .target("a_dependency::module")
            .args(format_args!("through log"))
            .build();
        tracing_log::format_trace(&record).unwrap();
    }

    /// The lines of [`emit_all`], without the time each starts with, through the direct
    /// format or the compact one.
    fn written(direct: bool) -> Vec<String> {
        let lines = Lines::default();
        let writer = lines.clone();
        let builder = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(Level::TRACE);
        if direct {
            let subscriber = builder.event_format(LineFormat::new(SystemTime)).finish();
            tracing::subscriber::with_default(subscriber, emit_all);
        } else {
            let subscriber = builder.compact().finish();
            tracing::subscriber::with_default(subscriber, emit_all);
        }
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| line.split_once(' ').unwrap().1.to_string())
            .collect()
    }

    #[test]
    fn lines_are_the_compact_formats_own() {
        let direct = written(true);
        assert_eq!(direct, written(false));
        assert_eq!(direct.len(), 8);
        assert!(direct[7].contains("a_dependency::module"), "{}", direct[7]);
        assert_eq!(
            direct[0],
            " INFO sluice::access: request answered method=\"GET\" status=200"
        );
    }
}
