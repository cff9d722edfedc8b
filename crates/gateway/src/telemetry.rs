//! Structured logs with `tracing`. Pretty or JSON per `log.format`, to stderr so stdout keeps
//! only what the CLI prints for people and scripts (the `listening on` line), and to
//! `log.file` as well when set.
//!
//! Never log secrets, tokens, API keys, passwords, record bodies or filter values.

use std::fs::{File, OpenOptions};
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use std::cell::RefCell;
use std::fmt::{self, Write as _};
use tracing_subscriber::EnvFilter;

use tracing::field::{Field, Visit};
use tracing_subscriber::field::{MakeVisitor, VisitFmt, VisitOutput};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

use crate::log_line::LineFormat;
use crate::log_output::{GatheredLines, LineOutputs};
use crate::settings::{LogFormat, LogSettings};

/// Installs the process's subscriber: stderr, and `log.file` as well when set. Keep what it
/// returns until the command ends: dropping it writes out the access lines still gathered
/// (`log.access_buffer_ms`).
///
/// # Errors
///
/// `log.file` cannot be opened for appending (the start stops with the reason).
pub fn init(log: &LogSettings) -> anyhow::Result<GatheredLines> {
    let file = open_log_file(&log.file)?;
    let filter = EnvFilter::try_new(&log.level).unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour codes only for a person at a terminal: in a log file they are noise, and
    // the fmt layer formats every span's fields with them (seen in the benchmark profile).
    let ansi = file.is_none() && std::io::stderr().is_terminal();
    let (outputs, gathered) = LineOutputs::new(file, Duration::from_millis(log.access_buffer_ms));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(outputs)
        .with_timer(LineTime)
        .with_ansi(ansi);
    // `try_init`: tests start several servers in one process.
    let _ = match log.format {
        LogFormat::Json => builder.json().try_init(),
        // `name=value` without styling: the default field formatter styles every name through
        // nu-ansi-term even when colours are off, which cost every request span more than
        // formatting its values did (docs/PERFORMANCE.md).
        LogFormat::Pretty => builder
            .event_format(LineFormat::new(LineTime))
            .fmt_fields(PlainFields)
            .try_init(),
    };
    Ok(gathered)
}

/// `log.file` opened for appending (created if missing); none when it is empty.
fn open_log_file(path: &Path) -> anyhow::Result<Option<File>> {
    if path.as_os_str().is_empty() {
        return Ok(None);
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
    Ok(Some(file))
}

/// `message` first and bare, then `name=value` pairs, as the default formatter writes them
/// (values as `Debug` shows them), without its styling and without `core::fmt` for the
/// common values: every request's span and access line go through it.
struct PlainFields;

impl<'w> MakeVisitor<Writer<'w>> for PlainFields {
    type Visitor = PlainVisitor<'w>;

    fn make_visitor(&self, writer: Writer<'w>) -> Self::Visitor {
        PlainVisitor {
            writer: Buffered {
                writer,
                buffer: [0; FIELDS_BUFFER_BYTES],
                len: 0,
            },
            first: true,
            result: Ok(()),
        }
    }
}

struct PlainVisitor<'w> {
    writer: Buffered<'w>,
    first: bool,
    result: fmt::Result,
}

/// The fields gathered on the stack and written in one piece: a span's fields go into a
/// `String` of their own, which otherwise grew (and was copied) four or five times a
/// request, once per doubling. Longer fields go to the writer as they come.
struct Buffered<'w> {
    writer: Writer<'w>,
    buffer: [u8; FIELDS_BUFFER_BYTES],
    len: usize,
}

/// Room for a request span's fields (request id, method, path) in all but unusual cases.
const FIELDS_BUFFER_BYTES: usize = 256;

impl Buffered<'_> {
    fn flush(&mut self) -> fmt::Result {
        if self.len == 0 {
            return Ok(());
        }
        let len = std::mem::take(&mut self.len);
        // Only whole `&str`s are copied in, so the bytes are UTF-8.
        let text = std::str::from_utf8(&self.buffer[..len]).map_err(|_| fmt::Error)?;
        self.writer.write_str(text)
    }
}

impl fmt::Write for Buffered<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.len + text.len();
        if end <= FIELDS_BUFFER_BYTES {
            self.buffer[self.len..end].copy_from_slice(text.as_bytes());
            self.len = end;
            return Ok(());
        }
        self.flush()?;
        self.writer.write_str(text)
    }
}

impl PlainVisitor<'_> {
    /// Writes the separator and `name=` (nothing for `message`), then the value.
    fn field(&mut self, field: &Field, value: impl FnOnce(&mut Buffered<'_>) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        let separator = if self.first { "" } else { " " };
        self.first = false;
        let writer = &mut self.writer;
        self.result = writer.write_str(separator).and_then(|()| {
            if field.name() != "message" {
                writer.write_str(field.name())?;
                writer.write_char('=')?;
            }
            value(writer)
        });
    }
}

impl Visit for PlainVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        // `Debug` quotes a string and escapes what is not printable ASCII; a plain one is
        // written as it would, without going through the escaper.
        self.field(field, |writer| match is_plain(value) {
            true => {
                writer.write_char('"')?;
                writer.write_str(value)?;
                writer.write_char('"')
            }
            false => write!(writer, "{value:?}"),
        });
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, |writer| {
            writer.write_str(itoa::Buffer::new().format(value))
        });
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, |writer| {
            writer.write_str(itoa::Buffer::new().format(value))
        });
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.field(field, |writer| match whole_thousandths(value) {
            Some(thousandths) => write_thousandths(writer, thousandths),
            None => write!(writer, "{value:?}"),
        });
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field(field, |writer| {
            writer.write_str(if value { "true" } else { "false" })
        });
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field, |writer| write!(writer, "{value:?}"));
    }
}

/// Whether `Debug` writes `text` as it is between quotes: printable ASCII without `"` and
/// `\`. Eight bytes at a time: byte by byte it cost a request's span and access line about
/// 1,300 instructions (docs/PERFORMANCE.md).
fn is_plain(text: &str) -> bool {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    // Whether a byte of `word` is below `limit` (at most 0x80): a byte that is not borrows
    // only from one that is, so the test is exact.
    let has_below =
        |word: u64, limit: u8| word.wrapping_sub(ONES * u64::from(limit)) & !word & HIGH != 0;
    let has_byte = |word: u64, byte: u8| has_below(word ^ (ONES * u64::from(byte)), 1);
    let plain_word = |word: u64| {
        word & HIGH == 0
            && !has_below(word, b' ')
            && !has_byte(word, 0x7f)
            && !has_byte(word, b'"')
            && !has_byte(word, b'\\')
    };
    let mut words = text.as_bytes().chunks_exact(8);
    let whole = words.all(|word| {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(word);
        plain_word(u64::from_le_bytes(bytes))
    });
    whole
        && words
            .remainder()
            .iter()
            .all(|&b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
}

/// `value` as a whole number of thousandths, when it is one below 10^11 (the access line's
/// `duration_ms`, whole microseconds): then the decimal is what `Debug` writes, the shortest
/// that reads back as `value`, and [`write_thousandths`] writes it without the float
/// formatter (about 400 instructions less per access line, docs/PERFORMANCE.md).
fn whole_thousandths(value: f64) -> Option<u64> {
    if !(value.is_sign_positive() && value < 1e11) {
        return None;
    }
    // Below 10^14 the cast is exact, and the check keeps only values that are the nearest
    // double to their decimal.
    let thousandths = (value * 1000.0).round() as u64;
    let exact = thousandths as f64 / 1000.0 == value;
    exact.then_some(thousandths)
}

/// `thousandths` / 1000 as `Debug` writes a double: `12.0`, `0.5`, `1.234`.
fn write_thousandths(writer: &mut Buffered<'_>, thousandths: u64) -> fmt::Result {
    writer.write_str(itoa::Buffer::new().format(thousandths / 1000))?;
    let fraction = thousandths % 1000;
    let digits = [
        b'.',
        b'0' + (fraction / 100) as u8,
        b'0' + (fraction / 10 % 10) as u8,
        b'0' + (fraction % 10) as u8,
    ];
    // `.0` for a whole number, as `Debug` writes it; no trailing zeros otherwise.
    let len = match fraction {
        f if f % 100 == 0 => 2,
        f if f % 10 == 0 => 3,
        _ => 4,
    };
    writer.write_str(std::str::from_utf8(&digits[..len]).map_err(|_| fmt::Error)?)
}

impl VisitOutput<fmt::Result> for PlainVisitor<'_> {
    fn finish(mut self) -> fmt::Result {
        self.result.and_then(|()| self.writer.flush())
    }
}

impl VisitFmt for PlainVisitor<'_> {
    fn writer(&mut self) -> &mut dyn fmt::Write {
        &mut self.writer
    }
}

/// Each line's time in RFC 3339 with microseconds (`2026-12-05T16:57:18.492782Z`), as
/// tracing's default timer writes it; the date and time of day are formatted once a second
/// on each thread instead of on every line.
#[derive(Clone, Copy)]
struct LineTime;

impl FormatTime for LineTime {
    fn format_time(&self, writer: &mut Writer<'_>) -> fmt::Result {
        thread_local! {
            static SECOND: RefCell<(i64, String)> = const { RefCell::new((i64::MIN, String::new())) };
        }
        let now = crate::clock::now();
        let seconds = now.timestamp();
        SECOND.with_borrow_mut(|(second, text)| {
            if *second != seconds {
                *text = crate::clock::format_unix_df(seconds).replacen(' ', "T", 1);
                *second = seconds;
            }
            writer.write_str(text)
        })?;
        let mut fraction = *b".000000Z";
        let mut micros = now.timestamp_subsec_micros().min(999_999);
        for digit in fraction[1..7].iter_mut().rev() {
            *digit = b'0' + (micros % 10) as u8;
            micros /= 10;
        }
        writer.write_str(std::str::from_utf8(&fraction).map_err(|_| fmt::Error)?)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// The lines a subscriber wrote, shared with the test.
    #[derive(Clone, Default)]
    pub(crate) struct Lines(pub(crate) Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(emit: impl FnOnce()) -> String {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_timer(LineTime)
            .with_ansi(false)
            .compact()
            .fmt_fields(PlainFields)
            .finish();
        tracing::subscriber::with_default(subscriber, emit);
        String::from_utf8(lines.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn plain_fields_write_values_as_debug_shows_them() {
        let line = logged(|| {
            tracing::info!(
                plain = "/api/v2/{service}",
                quoted = "a\"b\\c",
                accented = "caf\u{e9}\n",
                count = 5_u64,
                delta = -3_i64,
                on = true,
                ms = 0.5,
                list = ?[1, 2],
                "request {}",
                "answered"
            );
        });
        let fields = line.split_once("request answered ").unwrap().1;
        let expected = format!(
            "plain=\"/api/v2/{{service}}\" quoted={:?} accented={:?} count=5 delta=-3 on=true \
             ms=0.5 list=[1, 2]\n",
            "a\"b\\c", "caf\u{e9}\n"
        );
        assert_eq!(fields, expected);
    }

    /// Fields past the stack buffer go out in order, whole.
    #[test]
    fn long_fields_are_written_in_order() {
        let long = "x".repeat(300);
        let line =
            logged(|| tracing::info!(before = "a", long = long.as_str(), after = 7_u64, "m"));
        let fields = line.split_once("m ").unwrap().1;
        assert_eq!(fields, format!("before=\"a\" long=\"{long}\" after=7\n"));
    }

    #[test]
    fn plain_is_what_debug_leaves_unescaped() {
        let escapes = |text: &str| format!("{text:?}") != format!("\"{text}\"");
        for byte in 0..=0x7f_u8 {
            for at in [0, 5, 7, 8, 13, 16] {
                let mut text = vec![b'a'; 17];
                text[at] = byte;
                let text = String::from_utf8(text).unwrap();
                // `Debug` leaves DEL unescaped; the check errs towards the escaper there,
                // which writes the same.
                let expected = !escapes(&text) && byte != 0x7f;
                assert_eq!(is_plain(&text), expected, "{byte:#x} at {at}");
            }
        }
        assert!(!is_plain("0123456789abcdef caf\u{e9}"));
        assert!(is_plain("12345678-1234-1234-1234-123456789abc"));
    }

    #[test]
    fn thousandths_are_written_as_debug_writes_them() {
        let micros = (0..20_000_u64).chain([99_999, 100_000, 123_456_789, 86_400_000_000]);
        for micros in micros {
            let value = micros as f64 / 1000.0;
            let line = logged(|| tracing::info!(ms = value, "m"));
            assert_eq!(line.split_once("m ms=").unwrap().1, format!("{value:?}\n"));
        }
        for value in [-0.0, -1.5, 0.1 + 0.2, 1e-7, 1e20, f64::NAN, f64::INFINITY] {
            let line = logged(|| tracing::info!(ms = value, "m"));
            assert_eq!(line.split_once("m ms=").unwrap().1, format!("{value:?}\n"));
        }
    }

    #[test]
    fn line_time_is_rfc3339_with_microseconds() {
        let line = logged(|| tracing::info!("x"));
        let time = line.split(' ').next().unwrap();
        assert_eq!(time.len(), "2026-12-05T16:57:18.492782Z".len(), "{time}");
        let bytes = time.as_bytes();
        assert_eq!(
            (bytes[10], bytes[19], bytes[26]),
            (b'T', b'.', b'Z'),
            "{time}"
        );
        assert!(time[20..26].bytes().all(|b| b.is_ascii_digit()), "{time}");
    }
}
