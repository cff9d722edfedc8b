//! The cluster's system database: a throwaway PostgreSQL database on the machine's server
//! (started when it is down), made and dropped with `psql`, so the harness needs no database
//! driver of its own.

use std::process::Command;

use anyhow::{Context, bail};

/// A database `sluice_bench_<pid>_<random>` that exists while this value does.
pub struct ThrowawayDatabase {
    /// The server's maintenance database, where CREATE and DROP DATABASE run.
    server_url: String,
    name: String,
    /// The throwaway database, for the nodes' `system_db.url`.
    pub url: String,
    /// The local cluster version this harness started, to stop it again at the end.
    started_cluster: Option<String>,
}

impl ThrowawayDatabase {
    /// Starts the machine's PostgreSQL when `server_url` does not answer, then creates the
    /// database.
    ///
    /// # Errors
    ///
    /// The server cannot be started or reached, or refuses CREATE DATABASE.
    pub fn create(server_url: &str) -> anyhow::Result<Self> {
        let started_cluster = if is_ready(server_url, 0) {
            None
        } else {
            Some(start_local_cluster(server_url)?)
        };
        let name = format!(
            "sluice_bench_{}_{:08x}",
            std::process::id(),
            rand::random::<u32>()
        );
        let database = Self {
            server_url: server_url.to_string(),
            url: with_database(server_url, &name)?,
            name,
            started_cluster,
        };
        database.psql(&format!("CREATE DATABASE {}", database.name))?;
        Ok(database)
    }

    /// The server's version, for the report.
    pub fn server_version(&self) -> String {
        Command::new("psql")
            .arg(&self.server_url)
            .args(["--no-psqlrc", "--tuples-only", "--no-align"])
            .args(["--command", "SHOW server_version"])
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
            .filter(|version| !version.is_empty())
            .unwrap_or_else(|| "unknown".to_string())
    }

    fn psql(&self, sql: &str) -> anyhow::Result<()> {
        let output = Command::new("psql")
            .arg(&self.server_url)
            .args(["--quiet", "--no-psqlrc", "--set", "ON_ERROR_STOP=1"])
            .args(["--command", sql])
            .output()
            .context("cannot run psql (Debian package postgresql-client)")?;
        if !output.status.success() {
            bail!(
                "psql: {sql}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }
}

impl Drop for ThrowawayDatabase {
    fn drop(&mut self) {
        // FORCE: a node killed a moment ago may still hold a connection the server has not
        // closed yet.
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(error) = self.psql(&drop) {
            eprintln!("sluice-bench: could not drop the system database: {error:#}");
        }
        if let Some(version) = &self.started_cluster {
            let _ = pg_ctlcluster(version, "stop");
        }
    }
}

/// Whether the server answers, waiting up to `timeout_secs` (0: ask once).
fn is_ready(server_url: &str, timeout_secs: u32) -> bool {
    Command::new("pg_isready")
        .args(["--quiet", "--dbname", server_url])
        .args(["--timeout", &timeout_secs.to_string()])
        .status()
        .is_ok_and(|status| status.success())
}

/// Starts the machine's one PostgreSQL cluster (Debian's layout: `/etc/postgresql/<version>/main`)
/// and returns its version.
fn start_local_cluster(server_url: &str) -> anyhow::Result<String> {
    let versions: Vec<String> = std::fs::read_dir("/etc/postgresql")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let [version] = &versions[..] else {
        bail!(
            "PostgreSQL does not answer at the --postgres URL and there is no single local \
             cluster in /etc/postgresql to start; start it, or pass another --postgres URL"
        );
    };
    eprintln!("starting PostgreSQL {version}");
    pg_ctlcluster(version, "start")?;
    if !is_ready(server_url, 30) {
        bail!("PostgreSQL {version} started but the --postgres URL does not answer");
    }
    Ok(version.clone())
}

fn pg_ctlcluster(version: &str, action: &str) -> anyhow::Result<()> {
    let status = Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", version, "main", action])
        .status()
        .context("cannot run pg_ctlcluster")?;
    if !status.success() {
        bail!("pg_ctlcluster {version} main {action} failed: {status}");
    }
    Ok(())
}

/// `url` naming database `name` instead of its own (`postgres://u@h:5432/postgres?x=1` ->
/// `postgres://u@h:5432/NAME?x=1`).
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let (scheme, rest) = url
        .split_once("://")
        .context("--postgres is not a URL (postgres://user@host:port/database)")?;
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let authority = before_query.split('/').next().unwrap_or_default();
    let mut changed = format!("{scheme}://{authority}/{name}");
    if let Some(query) = query {
        changed.push('?');
        changed.push_str(query);
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_database_replaces_only_the_database_name() {
        let url = "postgres://postgres@127.0.0.1:5432/postgres";
        assert_eq!(
            with_database(url, "sluice_bench_1").unwrap(),
            "postgres://postgres@127.0.0.1:5432/sluice_bench_1"
        );
        let url = "postgres://u:p@db:5432/main?sslmode=disable";
        assert_eq!(
            with_database(url, "x").unwrap(),
            "postgres://u:p@db:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h", "x").unwrap(),
            "postgres://h/x"
        );
    }
}
