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

use std::fs::File;
use std::io;
use std::os::fd::AsFd;

use tracing_subscriber::fmt::MakeWriter;

/// Both outputs, as opened at start.
pub(crate) struct LineOutputs {
    /// A duplicate of stderr's descriptor; `None` when stderr is closed, where
    /// `std::io::stderr()` would drop the line as well.
    stderr: Option<File>,
    /// `log.file`, opened for appending.
    file: Option<File>,
}

impl LineOutputs {
    pub(crate) fn new(file: Option<File>) -> Self {
        let stderr = io::stderr()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .map(File::from);
        Self { stderr, file }
    }
}

/// One line's way out: to stderr, then to the file.
pub(crate) struct LineWriter<'a> {
    outputs: &'a LineOutputs,
}

impl io::Write for LineWriter<'_> {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.write_all(line)?;
        Ok(line.len())
    }

    fn write_all(&mut self, line: &[u8]) -> io::Result<()> {
        if let Some(stderr) = &self.outputs.stderr {
            let mut stderr: &File = stderr;
            // A full stderr must not keep the line from the file.
            let _ = io::Write::write_all(&mut stderr, line);
        }
        if let Some(file) = &self.outputs.file {
            let mut file: &File = file;
            io::Write::write_all(&mut file, line)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LineOutputs {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { outputs: self }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Seek, Write};

    use super::*;

    #[test]
    fn lines_from_several_threads_reach_the_file_whole() {
        let mut file = tempfile::tempfile().unwrap();
        let outputs = LineOutputs {
            stderr: Some(tempfile::tempfile().unwrap()),
            file: Some(file.try_clone().unwrap()),
        };
        let line = |thread: usize| format!("thread {thread} {}\n", "x".repeat(200));
        std::thread::scope(|scope| {
            for thread in 0..4 {
                let outputs = &outputs;
                scope.spawn(move || {
                    for _ in 0..500 {
                        outputs
                            .make_writer()
                            .write_all(line(thread).as_bytes())
                            .unwrap();
                    }
                });
            }
        });
        let mut written = String::new();
        file.rewind().unwrap();
        file.read_to_string(&mut written).unwrap();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len(), 2_000);
        for thread in 0..4 {
            let expected = line(thread);
            let whole = expected.trim_end();
            assert_eq!(lines.iter().filter(|l| **l == whole).count(), 500);
        }
    }
}
