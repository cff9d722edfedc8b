//! `sluice nsqlite --database FILE`: NSQLite's HTTP API at the root of its own listener
//! (`/health`, `/version`, `/stats`, `/query`), for NSQLite clients unchanged. It runs the
//! same `_sql` engine as `POST /api/v2/{service}/_sql` (docs/SQL.md); only the HTTP mapping,
//! the tokens and the error format are NSQLite's here.

mod handlers;
mod tokens;

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::DefaultHeaders;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use sluice_connector_sqlite::sql::{SqlEngine, SqlSettings};
use sluice_connector_sqlite::{SqliteConnector, SqliteOptions, create_database_file};

pub use handlers::Stats;
pub use tokens::{Role, Tokens};

/// NSQLite's default port.
pub const DEFAULT_PORT: u16 = 9876;

/// Everything `sluice nsqlite` is configured with.
#[derive(Debug, Clone)]
pub struct NsqliteConfig {
    /// Opened, or created when missing (NSQLite creates its database).
    pub database: PathBuf,
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    /// `NSQLITE_AUTH_TOKEN`, `NSQLITE_AUTH_TOKEN_RW`, `NSQLITE_AUTH_TOKEN_RO`.
    pub admin_tokens: String,
    pub read_write_tokens: String,
    pub read_only_tokens: String,
    /// `NSQLITE_TX_IDLE_TIMEOUT` (a Go duration such as `10s` or `500ms`; default 10 s).
    pub tx_idle_timeout: Duration,
    /// `NSQLITE_MAX_REQUEST_SIZE_MB` (default 100): 413 beyond.
    pub max_request_bytes: usize,
    /// Rows one statement may return (NSQLite has no bound; this is the gateway's cap).
    pub max_rows: usize,
    /// Statements in one request.
    pub max_statements: usize,
    /// Transactions open at once (NSQLite allows one; more wait there, here a BEGIN past
    /// this answers 503).
    pub max_transactions: usize,
    pub sqlite: SqliteOptions,
}

impl NsqliteConfig {
    /// The config of `database` on `host:port` with NSQLite's variables from `env`.
    ///
    /// # Errors
    ///
    /// A variable that does not read (what to fix is in the message).
    pub fn from_env(
        database: PathBuf,
        host: String,
        port: u16,
        env: &[(String, String)],
        sqlite: SqliteOptions,
    ) -> anyhow::Result<Self> {
        let var = |name: &str| {
            env.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let tx_idle_timeout = match var("NSQLITE_TX_IDLE_TIMEOUT") {
            None => Duration::from_secs(10),
            Some(text) => go_duration(&text)
                .filter(|d| !d.is_zero())
                .with_context(|| {
                    format!(
                        "NSQLITE_TX_IDLE_TIMEOUT={text} is not a positive duration such as 10s, \
                     500ms or 1m30s"
                    )
                })?,
        };
        let max_request_mb = match var("NSQLITE_MAX_REQUEST_SIZE_MB") {
            None => 100,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|mb| *mb > 0)
                .with_context(|| {
                    format!("NSQLITE_MAX_REQUEST_SIZE_MB={text} is not a positive whole number")
                })?,
        };
        Ok(Self {
            database,
            host,
            port,
            admin_tokens: var("NSQLITE_AUTH_TOKEN").unwrap_or_default(),
            read_write_tokens: var("NSQLITE_AUTH_TOKEN_RW").unwrap_or_default(),
            read_only_tokens: var("NSQLITE_AUTH_TOKEN_RO").unwrap_or_default(),
            tx_idle_timeout,
            max_request_bytes: max_request_mb.saturating_mul(1024 * 1024),
            max_rows: 100_000,
            max_statements: 10_000,
            max_transactions: 16,
            sqlite,
        })
    }
}

/// A Go `time.ParseDuration` string: decimal numbers with units `ns`, `us`, `µs`, `ms`, `s`,
/// `m`, `h`, one after the other (`1h30m`, `1.5s`).
pub fn go_duration(text: &str) -> Option<Duration> {
    let mut rest = text;
    let mut total = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += number * seconds;
        rest = &rest[unit_end..];
    }
    Duration::try_from_secs_f64(total).ok()
}

/// What the handlers share.
pub struct NsqliteState {
    pub engine: SqlEngine,
    pub tokens: Tokens,
    pub stats: Stats,
    pub config: NsqliteConfig,
}

/// A running `sluice nsqlite`.
pub struct NsqliteServer {
    port: u16,
    host: String,
    server: Server,
}

impl NsqliteServer {
    /// Opens (or creates) the database and binds the listener.
    ///
    /// # Errors
    ///
    /// The database cannot be opened or created, or the address cannot be bound.
    pub async fn start(config: NsqliteConfig) -> anyhow::Result<Self> {
        let path = config.database.clone();
        let options = config.sqlite.clone();
        let settings = SqlSettings {
            idle_timeout: config.tx_idle_timeout,
            max_transactions: config.max_transactions,
        };
        let engine = tokio::task::spawn_blocking(move || {
            create_database_file(&path)?;
            SqliteConnector::open(&path, options).map(|c| c.sql_engine(settings))
        })
        .await?
        .with_context(|| format!("cannot open the database {}", config.database.display()))?;
        let tokens = Tokens::new(
            &config.admin_tokens,
            &config.read_write_tokens,
            &config.read_only_tokens,
        );
        if tokens.open() {
            tracing::warn!("no NSQLITE_AUTH_TOKEN* set: every request is an administrator's");
        }
        let address = format!("{}:{}", config.host, config.port);
        let listener =
            TcpListener::bind(&address).with_context(|| format!("cannot listen on {address}"))?;
        let port = listener.local_addr()?.port();
        let host = config.host.clone();
        let state = web::Data::new(NsqliteState {
            engine,
            tokens,
            stats: Stats::default(),
            config,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                // The body is read by `/query` itself, against NSQLITE_MAX_REQUEST_SIZE_MB.
                .app_data(web::PayloadConfig::new(usize::MAX))
                .configure(handlers::configure)
                .wrap(DefaultHeaders::new().add(("X-Server", "NSQLite")))
        })
        .listen(listener)?
        .run();
        Ok(Self { port, host, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_read_as_go_reads_them() {
        for (text, millis) in [
            ("10s", 10_000),
            ("500ms", 500),
            ("1m30s", 90_000),
            ("1.5s", 1_500),
            ("2h", 7_200_000),
        ] {
            assert_eq!(
                go_duration(text),
                Some(Duration::from_millis(millis)),
                "{text}"
            );
        }
        for text in ["", "10", "s", "10x", "-1s"] {
            assert_eq!(go_duration(text), None, "{text}");
        }
    }
}
