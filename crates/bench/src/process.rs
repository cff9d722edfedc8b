//! Server processes under test: spawned, their address read from the `listening on URL` line
//! they print, their peak memory read from /proc, killed when dropped.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Long enough for a cold debug build's first start, which also migrates the system database.
const START_TIMEOUT: Duration = Duration::from_secs(120);

pub struct ServerProcess {
    name: String,
    child: Child,
    pub url: String,
    pub addr: SocketAddr,
    /// Taken just before the process was spawned.
    pub spawned_at: Instant,
}

impl ServerProcess {
    /// Spawns `command`, sending its stderr (logs) to `log_file`, and waits for the line
    /// `listening on http://HOST:PORT` on its stdout.
    pub fn spawn(name: &str, mut command: Command, log_file: &Path) -> anyhow::Result<Self> {
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::from(create_log(log_file)?));
        let mut server = Self::start(name, command)?;
        let stdout = server.child.stdout.take().context("no stdout pipe")?;
        let (sender, receiver) = mpsc::channel();
        // The reader keeps draining stdout after the address so the server never blocks on a
        // full pipe.
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent && let Some(url) = line.trim().strip_prefix("listening on ") {
                    let _ = sender.send(url.to_string());
                    sent = true;
                }
            }
        });
        let url = match receiver.recv_timeout(START_TIMEOUT) {
            Ok(url) => url,
            Err(_) => {
                let status = server.child.try_wait().ok().flatten();
                bail!(
                    "the {name} server did not report its address (exit status {status:?}); \
                     see {}",
                    log_file.display()
                );
            }
        };
        server.addr = url
            .trim_start_matches("http://")
            .parse()
            .with_context(|| format!("unexpected address from the {name} server: {url}"))?;
        server.url = url;
        Ok(server)
    }

    /// Spawns a server told by its command line to listen on `addr` (one that prints no
    /// address, such as haproxy), both its outputs going to `log_file`. Whether it answers
    /// yet is the caller's to find out.
    pub fn spawn_at(
        name: &str,
        mut command: Command,
        log_file: &Path,
        addr: SocketAddr,
    ) -> anyhow::Result<Self> {
        let log = create_log(log_file)?;
        command
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log));
        let mut server = Self::start(name, command)?;
        server.addr = addr;
        server.url = format!("http://{addr}");
        Ok(server)
    }

    fn start(name: &str, mut command: Command) -> anyhow::Result<Self> {
        command.stdin(Stdio::null());
        let spawned_at = Instant::now();
        let child = command
            .spawn()
            .with_context(|| format!("cannot start the {name} server"))?;
        Ok(Self {
            name: name.to_string(),
            child,
            url: String::new(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            spawned_at,
        })
    }

    /// The process's peak resident set (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .with_context(|| format!("cannot read the {} server's /proc status", self.name))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmHWM line in /proc status")
    }

    /// CPU time the process has used so far (user and system, all threads), in seconds:
    /// `utime` and `stime` of `/proc/{pid}/stat`, in the kernel's `USER_HZ` ticks, which
    /// Linux fixes at 100 for what it reports to user space.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        const USER_HZ: f64 = 100.0;
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .with_context(|| format!("cannot read the {} server's /proc stat", self.name))?;
        // The command name (field 2) may hold spaces: the fields after its `)` are fixed.
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let mut fields = after_name.split_whitespace().skip(11);
        let mut tick = || -> anyhow::Result<f64> {
            let field = fields.next().context("a short /proc stat line")?;
            Ok(field
                .parse::<u64>()
                .context("a /proc stat time that is not a number")? as f64)
        };
        Ok((tick()? + tick()?) / USER_HZ)
    }

    /// Fails when the process has exited (a crash under load is a broken run, not a number).
    pub fn ensure_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("the {} server exited during the run: {status}", self.name);
        }
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on now, for a server that cannot be told to take port 0 and
/// report the one it got (haproxy, Soul). Another process could take it before that server
/// binds it; the server then fails to start, and the harness says so.
pub fn free_loopback_port() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("no free loopback port")?;
    Ok(listener.local_addr()?)
}

fn create_log(log_file: &Path) -> anyhow::Result<File> {
    File::create(log_file).with_context(|| format!("cannot create {}", log_file.display()))
}

/// The directory holding this workspace (the bench crate lives in `crates/bench`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Builds the `sluice` binary with cargo (release unless `debug`) and returns its path, as
/// cargo reports it (so `CARGO_TARGET_DIR` and profiles need no guessing). Cargo reads
/// `CARGO_BUILD_JOBS` for the number of parallel jobs.
pub fn build_sluice(debug: bool) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace_root())
        .args(["build", "--bin", "sluice", "-p", "sluice-gateway"])
        .args(["--message-format", "json-render-diagnostics"])
        .stderr(Stdio::inherit());
    if !debug {
        command.arg("--release");
    }
    eprintln!(
        "building sluice ({})",
        if debug { "debug" } else { "release" }
    );
    let output = command.output().context("cannot run cargo")?;
    if !output.status.success() {
        bail!("cargo build of sluice failed");
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "sluice")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .context("cargo did not report the sluice executable")
}

/// The first line a program prints for `args` (its version, say), or `unknown` when it
/// cannot run or says nothing.
pub fn first_line_of(program: &Path, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| {
            // haproxy prints its version on stdout, some tools on stderr.
            let text = if output.stdout.is_empty() {
                output.stderr
            } else {
                output.stdout
            };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .map(|line| line.trim().to_string())
        })
        .filter(|line| !line.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}
