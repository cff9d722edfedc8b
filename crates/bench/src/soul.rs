//! Soul (<https://github.com/thevahidal/soul>, npm `soul-cli`), a Node + better-sqlite3 REST
//! server over an SQLite file, as a peer: installed with npm once into `target/soul`, started
//! on a copy of the benchmark's database with no authentication and no rate limit, and
//! measured on the reads it serves. Anything that keeps it from running (no node, no npm, a
//! failed install, a server that does not start) skips it with the reason in the report;
//! the rest of the run goes on, and no figure is ever made up for it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hyper::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::load::{Call, Endpoint, probe};
use crate::process::{ServerProcess, free_loopback_port, workspace_root};
use crate::report::SOUL;
use crate::scenarios::Scenario;

/// The Soul release measured (its rows routes and SQL were read for this version).
const SOUL_CLI: &str = "0.8.2";
/// soul-cli 0.8.2 asks for better-sqlite3 ^8, which does not build on Node 20; 12 does, and
/// 13 crashes there. npm `overrides` make soul-cli use the top-level 12.
const BETTER_SQLITE3_MAJOR: &str = "12";
/// A cold install downloads about 230 packages and may compile two native modules.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Between readiness polls while Node loads Soul (about half a second).
const READY_PAUSE: Duration = Duration::from_millis(20);

/// A running Soul and what it runs on.
pub struct Soul {
    pub process: ServerProcess,
    pub endpoint: Endpoint,
    /// `soul-cli 0.8.2, better-sqlite3 12.x (SQLite 3.x), node v20.x`.
    pub versions: String,
}

/// Installs Soul when needed, copies `database` next to it (Soul turns WAL on and may write
/// its own tables, so it never shares the file Sluice and the floor read) and starts it,
/// logging into `log`. `Err` is the reason Soul is skipped.
pub async fn start(database: &Path, log: &Path) -> Result<Soul, String> {
    let dir = workspace_root().join("target").join("soul");
    let versions = install(&dir).await.map_err(|error| format!("{error:#}"))?;
    let copy = database.with_file_name("soul.sqlite");
    // Absolute: Soul runs in its install directory.
    let copy = std::fs::copy(database, &copy)
        .and_then(|_| std::fs::canonicalize(&copy))
        .map_err(|error| format!("cannot copy the database for Soul: {error}"))?;
    spawn(&dir, &copy, log)
        .await
        .map(|(process, endpoint)| Soul {
            process,
            endpoint,
            versions: versions.to_string(),
        })
        .map_err(|error| format!("Soul did not start: {error:#}"))
}

async fn spawn(
    dir: &Path,
    database: &Path,
    log: &Path,
) -> anyhow::Result<(ServerProcess, Endpoint)> {
    let node = on_path("node").context("node is not installed")?;
    let addr = free_loopback_port()?;
    let mut command = Command::new(node);
    command
        .current_dir(dir)
        .arg(server_script(dir))
        .arg("--database")
        .arg(database)
        .arg("--port")
        .arg(addr.port().to_string())
        // Soul's defaults, said out loud: no authentication, no rate limit, no request log.
        .env("NODE_ENV", "production")
        .env_remove("AUTH")
        .env_remove("RATE_LIMIT_ENABLED")
        .env_remove("VERBOSE");
    let mut process = ServerProcess::spawn_at(SOUL, command, log, addr)?;
    wait_until_ready(&mut process, addr)
        .await
        .with_context(|| format!("no answer from /api/health (its log: {})", log.display()))?;
    Ok((
        process,
        Endpoint {
            addr,
            api_key: None,
        },
    ))
}

/// Polls `GET /api/health` until it answers 200 (Soul prints no address to wait for).
async fn wait_until_ready(process: &mut ServerProcess, addr: SocketAddr) -> anyhow::Result<()> {
    let endpoint = Endpoint {
        addr,
        api_key: None,
    };
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        process.ensure_running()?;
        let last = match probe(&endpoint, Call::get("/api/health".to_string())).await {
            Ok((StatusCode::OK, _)) => return Ok(()),
            Ok((status, _)) => format!("HTTP {status}"),
            Err(error) => format!("{error:#}"),
        };
        if Instant::now() >= deadline {
            bail!("no 200 from /api/health within {READY_TIMEOUT:?}: {last}");
        }
        tokio::time::sleep(READY_PAUSE).await;
    }
}

fn server_script(dir: &Path) -> PathBuf {
    dir.join("node_modules/soul-cli/src/server.js")
}

/// What `node` finds in the install, checked after every install and before every use.
#[derive(Debug, Deserialize)]
struct Installed {
    soul: String,
    better_sqlite3: String,
    sqlite: String,
    node: String,
}

impl std::fmt::Display for Installed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "soul-cli {}, better-sqlite3 {} (SQLite {}), node {}",
            self.soul, self.better_sqlite3, self.sqlite, self.node
        )
    }
}

/// The install in `dir`: reused when it has the right versions and its native module
/// loads, otherwise (re)made with `npm install`.
async fn install(dir: &Path) -> anyhow::Result<Installed> {
    let npm = on_path("npm").context("npm is not installed")?;
    let node = on_path("node").context("node is not installed")?;
    std::fs::create_dir_all(dir)?;
    let manifest = dir.join("package.json");
    let wanted = package_json().to_string();
    if std::fs::read_to_string(&manifest).ok().as_deref() != Some(wanted.as_str()) {
        std::fs::write(&manifest, &wanted)?;
    }
    if let Ok(installed) = inspect(&node, dir) {
        return Ok(installed);
    }
    eprintln!(
        "installing Soul {SOUL_CLI} with npm into {} (once; npm-install.log)",
        dir.display()
    );
    let log = std::fs::File::create(dir.join("npm-install.log"))?;
    let mut child = tokio::process::Command::new(npm)
        .arg("install")
        .arg("--prefix")
        .arg(dir)
        .args(["--no-audit", "--no-fund"])
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .context("cannot run npm")?;
    let status = tokio::time::timeout(INSTALL_TIMEOUT, child.wait())
        .await
        .map_err(|_| anyhow::anyhow!("npm install took more than {INSTALL_TIMEOUT:?}"))??;
    if !status.success() {
        bail!(
            "npm install failed ({status}); see {}",
            dir.join("npm-install.log").display()
        );
    }
    inspect(&node, dir)
}

/// The manifest the harness installs from: soul-cli pinned, better-sqlite3 12 for soul-cli
/// too, and the two native modules allowed their build scripts (npm 11 asks for that; the
/// `@scarf/scarf` download counter soul-cli pulls in is not allowed to run).
fn package_json() -> Value {
    json!({
        "name": "sluice-bench-soul",
        "private": true,
        "description": "Soul for sluice-bench (written by the harness)",
        "dependencies": {"soul-cli": SOUL_CLI, "better-sqlite3": format!("^{BETTER_SQLITE3_MAJOR}")},
        "overrides": {"better-sqlite3": "$better-sqlite3"},
        "allowScripts": {"better-sqlite3": true, "bcrypt": true, "@scarf/scarf": false}
    })
}

/// Asks node which soul-cli and which better-sqlite3 *soul-cli* resolves, and opens a
/// database with it (so a missing native build shows here, not as a crashed server).
fn inspect(node: &Path, dir: &Path) -> anyhow::Result<Installed> {
    const SCRIPT: &str = "const path = require('path');
        const soulDir = path.dirname(require.resolve('soul-cli/package.json'));
        const from = { paths: [soulDir] };
        const Database = require(require.resolve('better-sqlite3', from));
        const sqlite = new Database(':memory:').prepare('SELECT sqlite_version() AS v').get().v;
        console.log(JSON.stringify({
            soul: require('soul-cli/package.json').version,
            better_sqlite3: require(require.resolve('better-sqlite3/package.json', from)).version,
            sqlite, node: process.version }));";
    let output = Command::new(node)
        .current_dir(dir)
        .args(["-e", SCRIPT])
        .stdin(Stdio::null())
        .output()
        .context("cannot run node")?;
    if !output.status.success() {
        bail!(
            "Soul is not installed in {}: {}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .next()
                .unwrap_or("")
        );
    }
    let installed: Installed = serde_json::from_slice(&output.stdout)?;
    if installed.soul != SOUL_CLI
        || installed.better_sqlite3.split('.').next() != Some(BETTER_SQLITE3_MAJOR)
    {
        bail!("unexpected versions in {}: {installed}", dir.display());
    }
    Ok(installed)
}

/// `name` in one of `PATH`'s directories.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Soul's answer in the shape the scenarios check (`{"resource": [...]}`, or the record
/// for a read by key): Soul answers `{"data": [...], "total", "next", "previous"}` for a
/// list and `{"data": [record]}` by key.
pub fn as_dreamfactory(scenario: Scenario, body: Value) -> Value {
    match scenario {
        Scenario::ByPk => body["data"][0].clone(),
        _ => json!({ "resource": body["data"] }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::as_dreamfactory;
    use crate::scenarios::Scenario;

    #[test]
    fn soul_answers_take_the_shape_the_scenarios_check() {
        let list = json!({"data": [{"id": 1}, {"id": 2}], "total": 2, "next": null});
        let one = json!({"data": [{"id": 7}]});
        assert_eq!(
            as_dreamfactory(Scenario::Filter, list),
            json!({"resource": [{"id": 1}, {"id": 2}]})
        );
        assert_eq!(as_dreamfactory(Scenario::ByPk, one), json!({"id": 7}));
    }
}
