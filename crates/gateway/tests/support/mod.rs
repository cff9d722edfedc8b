//! What the tests of the `sluice` binary share: starting it on port 0 and talking HTTP/1.0
//! to it, with no HTTP client dependency.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

pub const SLUICE: &str = env!("CARGO_BIN_EXE_sluice");

/// A running `sluice serve`, killed when dropped.
pub struct Running {
    pub child: Child,
    pub url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `sluice --data-dir DIR serve --port 0` whose first administrator is `email` with
/// `password` (bootstrapped from the environment).
pub fn serve_command(data_dir: &Path, email: &str, password: &str) -> Command {
    let mut command = Command::new(SLUICE);
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(["serve", "--port", "0"])
        .env("SLUICE_ADMIN_EMAIL", email)
        .env("SLUICE_ADMIN_PASSWORD", password)
        .env_remove("SLUICE__SERVER__PORT");
    command
}

/// Starts `command` and waits for its first stdout line, `listening on URL`, which it prints
/// once it accepts connections: no sleeps. The reader holds the rest of its output.
pub fn start_listening(mut command: Command) -> (Running, BufReader<ChildStdout>) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sluice");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    reader.read_line(&mut line).expect("read line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    (Running { child, url }, reader)
}

/// One HTTP/1.0 request to `path` of the server at `url`, with `headers` (extra header lines,
/// each ending in CRLF) and `body`. The status and body of the answer; `None` when the
/// connection ended without one.
pub fn http(
    url: &str,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> Option<(u16, String)> {
    let address = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.0\r\nHost: {address}\r\nContent-Length: {}\r\n{headers}\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body.as_bytes()).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let response = String::from_utf8_lossy(&response);
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let (_, body) = response.split_once("\r\n\r\n")?;
    Some((status, body.to_string()))
}
