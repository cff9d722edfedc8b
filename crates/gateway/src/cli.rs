//! The command line: `sluice [--config FILE] [--data-dir DIR]
//! <serve|demo|migrate|openapi|admin|service>`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an administrator, or reset the password of an existing one.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
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
