//! The command line: `sluice [--config FILE] [--data-dir DIR]
//! <serve|demo|migrate|openapi|admin|service|nsqlite|system-db>`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

#[derive(Debug, Parser)]
#[command(
    name = "sluice",
    version,
    about = "A DreamFactory-compatible REST API gateway"
)]
pub struct Cli {
    /// A TOML config file layered over the built-in defaults.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the system database, the JWT secret and the demo live.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        default_value = "./sluice-data"
    )]
    pub data_dir: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway.
    Serve(ServeArgs),
    /// Create (once) a demo database, service and admin in the data dir, then serve it.
    Demo(ServeArgs),
    /// Apply system-database migrations and exit.
    Migrate,
    /// Write the system API and demo `db` service OpenAPI documents into a directory.
    Openapi {
        /// Where to write `system.json` and `db.json`.
        #[arg(long, value_name = "DIR", default_value = "openapi")]
        out: PathBuf,
    },
    /// Manage administrators.
    Admin {
        #[command(subcommand)]
        action: AdminCommand,
    },
    /// Manage services.
    Service {
        #[command(subcommand)]
        action: ServiceCommand,
    },
    /// Serve NSQLite's HTTP API (/health, /version, /stats, /query) over one SQLite file,
    /// for NSQLite clients unchanged. Tokens and limits come from NSQLite's variables:
    /// NSQLITE_AUTH_TOKEN, NSQLITE_AUTH_TOKEN_RW, NSQLITE_AUTH_TOKEN_RO,
    /// NSQLITE_TX_IDLE_TIMEOUT, NSQLITE_MAX_REQUEST_SIZE_MB (docs/SQL.md).
    Nsqlite(NsqliteArgs),
    /// Manage the system database.
    #[command(name = "system-db")]
    SystemDb {
        #[command(subcommand)]
        action: SystemDbCommand,
    },
}

#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Address to listen on (overrides server.host).
    #[arg(long)]
    pub host: Option<String>,
    /// Port to listen on; 0 picks a free one (overrides server.port).
    #[arg(long)]
    pub port: Option<u16>,
    /// Worker threads; 0 = one per core (overrides server.workers).
    #[arg(long)]
    pub workers: Option<usize>,
}

#[derive(Debug, Args)]
pub struct NsqliteArgs {
    /// The SQLite file; created when missing.
    #[arg(long, value_name = "FILE")]
    pub database: std::path::PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0")]
    pub host: String,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = crate::nsqlite::DEFAULT_PORT)]
    pub port: u16,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an administrator, or reset the password of an existing one.
    Create {
        #[arg(long, env = "SLUICE_ADMIN_EMAIL")]
        email: String,
        /// The password; from SLUICE_ADMIN_PASSWORD when not given, which keeps it out of
        /// the process list.
        #[arg(long, env = "SLUICE_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        /// Display name (default: the part of the email before '@').
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// Add a SQLite service over an existing database file. The file must lie inside a
    /// storage root (`storage.sqlite_roots`, by default the data directory).
    Add {
        /// The service name: the `{service}` of `/api/v2/{service}/_table`.
        name: String,
        /// The SQLite file, relative to the current directory or absolute.
        path: PathBuf,
        /// Display label (default: the name).
        #[arg(long)]
        label: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SystemDbCommand {
    /// Copy this node's system database (the embedded SQLite one unless system_db.url says
    /// otherwise) into an empty PostgreSQL database, which several nodes can then share:
    /// services, roles, apps with their API keys, users with their password hashes, lookups
    /// and revocations, with their ids. Refuses a target that holds anything.
    Copy {
        /// The target, postgres://user:password@host:port/dbname; from SLUICE_COPY_TO when
        /// not given, which keeps the password out of the process list. Never printed with
        /// its password.
        #[arg(long, value_name = "URL", env = "SLUICE_COPY_TO", hide_env_values = true,
              value_parser = secret)]
        to: SecretString,
    },
}

/// Keeps a database URL (it may carry a password) out of `Debug` output.
fn secret(value: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(value))
}
