//! Where log lines go: stderr, and `log.file` as well when set. Each line is formatted
//! whole first and handed to the kernel in one `write`, with no lock inside the process.
//!
//! `std::io::stderr()` serialises every writer through one process-wide lock. With two HTTP
//! workers writing an access line per request, they queued on it: under load about one
//! request in two waited on that lock (a futex wait and wake, and a context switch, on
//! each side), because a line's `write` to a file takes microseconds and is made while
//! holding it. Here each line goes straight to a duplicate of the descriptor, and the
//! kernel keeps concurrent lines whole: `write` calls on one open file are applied one
//! after the other, and a line of up to 4 KiB written to a pipe is never split. A longer
//! line written to a pipe while another is written may interleave with it; lines that long
//! are not logged by the gateway.
//!
//! Access lines (one per request) are the exception when `log.access_buffer_ms` is above
//! zero, as nginx's `access_log ... buffer= flush=` does: they are gathered and written
//! together, at most that long after the first of them, or as soon as they fill
//! [`GATHER_BYTES`]. A `write` per request cost a one-row PostgreSQL read about 9% of its
//! throughput (docs/PERFORMANCE.md). Any other line first writes out what is gathered, under
//! the same lock, so lines keep their order; and the gathered lines are written when the
//! server stops ([`GatheredLines`]).

use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use tracing::Metadata;
use tracing_subscriber::fmt::MakeWriter;

use crate::access_log;

/// Gathered access lines are written once they reach this size, whatever the time.
const GATHER_BYTES: usize = 32 * 1024;

/// Both outputs, as opened at start, and the access lines waiting for them.
struct Outputs {
    /// A duplicate of stderr's descriptor; `None` when stderr is closed, where
    /// `std::io::stderr()` would drop the line as well.
    stderr: Option<File>,
    /// `log.file`, opened for appending.
    file: Option<File>,
    /// Whole access lines not written yet.
    gathered: Mutex<Vec<u8>>,
    /// Whether access lines are gathered at all (`log.access_buffer_ms` above 0); when not,
    /// no line takes the lock.
    gathering: bool,
}

impl Outputs {
    /// `lines` (whole lines) to stderr, then to the file.
    fn write_out(&self, lines: &[u8]) -> io::Result<()> {
        if let Some(stderr) = &self.stderr {
            let mut stderr: &File = stderr;
            // A full stderr must not keep the line from the file.
            let _ = io::Write::write_all(&mut stderr, lines);
        }
        if let Some(file) = &self.file {
            let mut file: &File = file;
            io::Write::write_all(&mut file, lines)?;
        }
        Ok(())
    }

    fn gathered(&self) -> MutexGuard<'_, Vec<u8>> {
        self.gathered.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes out the lines in `gathered` (locked by the caller).
    fn write_gathered(&self, gathered: &mut Vec<u8>) -> io::Result<()> {
        if gathered.is_empty() {
            return Ok(());
        }
        let written = self.write_out(gathered);
        gathered.clear();
        written
    }

    fn flush_gathered(&self) {
        let mut gathered = self.gathered();
        // Nobody is left to tell: a log file that cannot be written loses these lines, as
        // it would have lost them one by one.
        let _ = self.write_gathered(&mut gathered);
    }
}

/// The subscriber's writer: both outputs, gathering access lines or not.
pub(crate) struct LineOutputs {
    outputs: Arc<Outputs>,
}

impl LineOutputs {
    /// Outputs to stderr and `file`. With a `gather_for` above zero, access lines are
    /// gathered and a thread writes them out every `gather_for`; the returned
    /// [`GatheredLines`] writes out the rest when dropped.
    pub(crate) fn new(file: Option<File>, gather_for: Duration) -> (Self, GatheredLines) {
        let stderr = io::stderr()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .map(File::from);
        Self::to(stderr, file, gather_for)
    }

    fn to(stderr: Option<File>, file: Option<File>, gather_for: Duration) -> (Self, GatheredLines) {
        let gathering = !gather_for.is_zero();
        let outputs = Arc::new(Outputs {
            stderr,
            file,
            gathered: Mutex::new(Vec::new()),
            gathering,
        });
        if gathering {
            let outputs = Arc::downgrade(&outputs);
            let started = std::thread::Builder::new()
                .name("log-flush".into())
                .spawn(move || write_out_every(gather_for, &outputs));
            // Without the thread the lines still go out with a full buffer, another line or
            // the end of the command, only later.
            if let Err(error) = started {
                eprintln!("sluice: cannot start the log writer thread: {error}");
            }
        }
        let lines = GatheredLines(Arc::clone(&outputs));
        (Self { outputs }, lines)
    }
}

/// Writes out the gathered lines every `interval` until the outputs are gone.
fn write_out_every(interval: Duration, outputs: &Weak<Outputs>) {
    loop {
        std::thread::sleep(interval);
        match outputs.upgrade() {
            Some(outputs) => outputs.flush_gathered(),
            None => return,
        }
    }
}

/// Writes out the gathered access lines when dropped: at the end of a command, so a server
/// that stops leaves none behind.
#[must_use = "dropping it writes out the gathered lines at once"]
pub struct GatheredLines(Arc<Outputs>);

impl Drop for GatheredLines {
    fn drop(&mut self) {
        self.0.flush_gathered();
    }
}

/// One line's way out: gathered, or to stderr and then to the file.
pub(crate) struct LineWriter<'a> {
    outputs: &'a Outputs,
    gather: bool,
}

impl io::Write for LineWriter<'_> {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.write_all(line)?;
        Ok(line.len())
    }

    fn write_all(&mut self, line: &[u8]) -> io::Result<()> {
        if self.gather {
            let mut gathered = self.outputs.gathered();
            gathered.extend_from_slice(line);
            if gathered.len() >= GATHER_BYTES {
                return self.outputs.write_gathered(&mut gathered);
            }
            return Ok(());
        }
        if !self.outputs.gathering {
            return self.outputs.write_out(line);
        }
        // Gathered lines, if any, came first; the lock is held until this line is out too.
        let mut gathered = self.outputs.gathered();
        let _ = self.outputs.write_gathered(&mut gathered);
        self.outputs.write_out(line)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LineOutputs {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter {
            outputs: &self.outputs,
            gather: false,
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Self::Writer {
        LineWriter {
            outputs: &self.outputs,
            gather: self.outputs.gathering && meta.target() == access_log::TARGET,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Seek, Write};
    use std::time::Instant;

    use super::*;

    /// Never written out by its thread within a test.
    const AN_HOUR: Duration = Duration::from_secs(3600);

    fn read_all(file: &mut File) -> String {
        let mut written = String::new();
        file.rewind().unwrap();
        file.read_to_string(&mut written).unwrap();
        written
    }

    fn outputs_to(file: &File, gather_for: Duration) -> (LineOutputs, GatheredLines) {
        let stderr = Some(tempfile::tempfile().unwrap());
        LineOutputs::to(stderr, Some(file.try_clone().unwrap()), gather_for)
    }

    fn access_writer(outputs: &LineOutputs) -> LineWriter<'_> {
        LineWriter {
            outputs: &outputs.outputs,
            gather: outputs.outputs.gathering,
        }
    }

    #[test]
    fn lines_from_several_threads_reach_the_file_whole() {
        for gather_for in [Duration::ZERO, AN_HOUR] {
            let mut file = tempfile::tempfile().unwrap();
            let (outputs, gathered) = outputs_to(&file, gather_for);
            let line = |thread: usize| format!("thread {thread} {}\n", "x".repeat(200));
            std::thread::scope(|scope| {
                for thread in 0..4 {
                    let outputs = &outputs;
                    scope.spawn(move || {
                        for _ in 0..500 {
                            access_writer(outputs)
                                .write_all(line(thread).as_bytes())
                                .unwrap();
                        }
                    });
                }
            });
            drop(gathered);
            let written = read_all(&mut file);
            let lines: Vec<&str> = written.lines().collect();
            assert_eq!(lines.len(), 2_000, "{gather_for:?}");
            for thread in 0..4 {
                let expected = line(thread);
                let whole = expected.trim_end();
                assert_eq!(lines.iter().filter(|l| **l == whole).count(), 500);
            }
        }
    }

    #[test]
    fn access_lines_wait_for_a_full_buffer_another_line_or_the_end() {
        let mut file = tempfile::tempfile().unwrap();
        let (outputs, gathered) = outputs_to(&file, AN_HOUR);
        access_writer(&outputs).write_all(b"access 1\n").unwrap();
        access_writer(&outputs).write_all(b"access 2\n").unwrap();
        assert_eq!(read_all(&mut file), "");
        outputs.make_writer().write_all(b"warning\n").unwrap();
        assert_eq!(read_all(&mut file), "access 1\naccess 2\nwarning\n");
        access_writer(&outputs).write_all(b"access 3\n").unwrap();
        assert_eq!(read_all(&mut file), "access 1\naccess 2\nwarning\n");
        drop(gathered);
        assert_eq!(
            read_all(&mut file),
            "access 1\naccess 2\nwarning\naccess 3\n"
        );

        let mut file = tempfile::tempfile().unwrap();
        let (outputs, _gathered) = outputs_to(&file, AN_HOUR);
        let line = format!("{}\n", "a".repeat(1023));
        for _ in 0..GATHER_BYTES / line.len() - 1 {
            access_writer(&outputs).write_all(line.as_bytes()).unwrap();
        }
        assert_eq!(read_all(&mut file), "");
        access_writer(&outputs).write_all(line.as_bytes()).unwrap();
        assert_eq!(read_all(&mut file).len(), GATHER_BYTES);
    }

    #[test]
    fn with_no_interval_access_lines_are_written_at_once() {
        let mut file = tempfile::tempfile().unwrap();
        let (outputs, _gathered) = outputs_to(&file, Duration::ZERO);
        access_writer(&outputs).write_all(b"access\n").unwrap();
        assert_eq!(read_all(&mut file), "access\n");
    }

    #[test]
    fn gathered_lines_go_out_on_their_own_within_the_interval() {
        let mut file = tempfile::tempfile().unwrap();
        let (outputs, _gathered) = outputs_to(&file, Duration::from_millis(20));
        access_writer(&outputs).write_all(b"access\n").unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while read_all(&mut file).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(read_all(&mut file), "access\n");
    }

    #[test]
    fn only_access_lines_are_gathered() {
        let mut file = tempfile::tempfile().unwrap();
        let (outputs, gathered) = outputs_to(&file, AN_HOUR);
        let subscriber = tracing_subscriber::fmt()
            .with_writer(outputs)
            .with_ansi(false)
            .without_time()
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: access_log::TARGET, "answered");
            tracing::info!(target: "sluice::other", "started");
            tracing::info!(target: access_log::TARGET, "answered again");
        });
        let lines = |file: &mut File| {
            read_all(file)
                .lines()
                .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
        };
        let before_end = [
            "INFO sluice::access: answered",
            "INFO sluice::other: started",
        ];
        assert_eq!(lines(&mut file), before_end);
        drop(gathered);
        let all = [
            before_end.as_slice(),
            &["INFO sluice::access: answered again"],
        ]
        .concat();
        assert_eq!(lines(&mut file), all);
    }
}
