//! `sluice-bench [run options]`, `sluice-bench cluster [options]` or
//! `sluice-bench floor --db FILE`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::engines::Engine;
use crate::process::build_sluice;

#[derive(Debug, Parser)]
#[command(
    name = "sluice-bench",
    about = "Measures Sluice against a minimal actix-web + rusqlite floor and writes a report"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the floor: list, by-id and filter reads of `employees` with no auth (used by the
    /// harness, in its own process).
    Floor {
        /// The SQLite file holding `employees`.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Worker threads; 0 = one per core, as Sluice's default.
        #[arg(long, default_value_t = 0)]
        workers: usize,
        /// SQLite connections (Sluice's read pool keeps 4).
        #[arg(long, default_value_t = 4)]
        pool: usize,
    },
    /// Two Sluice nodes on one PostgreSQL system database behind haproxy: by-PK read
    /// throughput with and without a role change every second, and how fast a changed
    /// decision is in force on the other node (fails if a request sees a stale decision a
    /// second after the change was acknowledged).
    Cluster(ClusterArgs),
    /// The reads and the batch insert on PostgreSQL and MySQL/MariaDB: Sluice services of
    /// types `pgsql` and `mysql` against a floor written with the same driver.
    Engines(EnginesArgs),
    /// Serve the PostgreSQL or MySQL floor (used by `engines`, in its own process).
    EngineFloor {
        #[arg(long)]
        engine: Engine,
        /// The database holding `employees`.
        #[arg(long, value_name = "URL")]
        url: String,
        /// Worker threads; 0 = one per core, as Sluice's default.
        #[arg(long, default_value_t = 0)]
        workers: usize,
        /// Connections in the pool (Sluice's services keep 16).
        #[arg(long, default_value_t = 16)]
        pool: usize,
    },
}

/// Which sluice runs, and how long.
#[derive(Debug, Args)]
pub struct BinaryArgs {
    /// A sluice binary to measure; by default the harness builds one with cargo (release, or
    /// debug with --smoke).
    #[arg(long, value_name = "FILE")]
    pub sluice: Option<PathBuf>,
    /// CI smoke run: a debug build and short runs; fails only on errors or a broken harness
    /// (timings are never judged).
    #[arg(long)]
    pub smoke: bool,
}

impl BinaryArgs {
    /// `--sluice`, or the binary cargo builds.
    pub fn sluice_binary(&self) -> anyhow::Result<PathBuf> {
        match &self.sluice {
            Some(path) => Ok(path.clone()),
            None => build_sluice(self.smoke),
        }
    }
}

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Where the report (bench.json, bench.md), the logs and the working data go.
    #[arg(long, value_name = "DIR", default_value = "target/bench-cluster")]
    pub out: PathBuf,
    #[command(flatten)]
    pub binary: BinaryArgs,
    /// Seconds of load per throughput phase (default 10, 2 with --smoke).
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<f64>,
    /// Rounds of the two throughput phases, alternated so that both see the same drift of a
    /// shared machine (default 3, 1 with --smoke).
    #[arg(long, value_name = "N")]
    pub rounds: Option<usize>,
    /// Load connections through haproxy (default 16, 4 with --smoke).
    #[arg(long, value_name = "N")]
    pub connections: Option<usize>,
    /// Role changes per second in the throughput phase with changes. 1 is the scenario; a
    /// higher rate magnifies the change feed's cost (an upper bound per change: it includes
    /// serving the changes themselves).
    #[arg(long, value_name = "N", default_value_t = 1.0)]
    pub change_rate: f64,
    /// Decision changes in the propagation phase, one every 1.5 s (default 20, 4 with
    /// --smoke).
    #[arg(long, value_name = "N")]
    pub changes: Option<usize>,
    /// The PostgreSQL server on which the harness creates (and drops) a throwaway system
    /// database; started with pg_ctlcluster when it is the machine's own and down.
    #[arg(
        long,
        value_name = "URL",
        env = "SLUICE_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub postgres: String,
    /// Load-generator threads.
    #[arg(long, default_value_t = 2)]
    pub client_threads: usize,
}

impl ClusterArgs {
    pub fn duration_secs(&self) -> f64 {
        self.duration
            .unwrap_or(if self.binary.smoke { 2.0 } else { 10.0 })
    }

    pub fn rounds(&self) -> usize {
        self.rounds
            .unwrap_or(if self.binary.smoke { 1 } else { 3 })
            .max(1)
    }

    pub fn connections(&self) -> usize {
        self.connections
            .unwrap_or(if self.binary.smoke { 4 } else { 16 })
            .max(1)
    }

    pub fn changes(&self) -> usize {
        self.changes
            .unwrap_or(if self.binary.smoke { 4 } else { 20 })
    }
}

/// How long and how hard each scenario is loaded.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Seconds of load per scenario and connection count (default 10, 2 with --smoke).
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<f64>,
    /// Connection counts (default 16,64; 4 with --smoke).
    #[arg(long, value_delimiter = ',', value_name = "N,N")]
    pub connections: Option<Vec<usize>>,
    /// Load-generator threads (the servers get the remaining cores' time, as in production
    /// on a shared box).
    #[arg(long, default_value_t = 2)]
    pub client_threads: usize,
}

impl LoadArgs {
    pub fn duration_secs(&self, smoke: bool) -> f64 {
        self.duration.unwrap_or(if smoke { 2.0 } else { 10.0 })
    }

    pub fn connection_counts(&self, smoke: bool) -> Vec<usize> {
        self.connections
            .clone()
            .unwrap_or_else(|| if smoke { vec![4] } else { vec![16, 64] })
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Where the report (bench.json, bench.md), server logs and the working data go.
    #[arg(long, value_name = "DIR", default_value = "target/bench")]
    pub out: PathBuf,
    #[command(flatten)]
    pub binary: BinaryArgs,
    #[command(flatten)]
    pub load: LoadArgs,
    /// Only the scenarios whose names contain one of these (comma-separated); all by default.
    #[arg(long, value_delimiter = ',', value_name = "NAME,NAME")]
    pub only: Option<Vec<String>>,
    /// The Redis a second Sluice keeps its rate-limit counters in, for the scenarios that
    /// measure that (`by_pk_limited_redis`).
    #[arg(
        long,
        value_name = "URL",
        env = "SLUICE_TEST_REDIS_URL",
        default_value = "redis://127.0.0.1:6379"
    )]
    pub redis: String,
    /// Servers measured beside Sluice and the floor (comma-separated): `soul` (Soul, a Node
    /// and better-sqlite3 REST server, installed with npm into `target/soul` on first use),
    /// or `none`. Without node or npm the Soul columns say why they are empty.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "NAME,NAME",
        default_value = "soul"
    )]
    pub peers: Vec<Peer>,
}

/// A server of another product measured on the reads it serves too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Peer {
    Soul,
    /// No peer: only Sluice and the floor (CI, where npm may be unreachable).
    None,
}

impl RunArgs {
    pub fn wants_soul(&self) -> bool {
        self.peers.contains(&Peer::Soul)
    }

    pub fn duration_secs(&self) -> f64 {
        self.load.duration_secs(self.binary.smoke)
    }

    pub fn connection_counts(&self) -> Vec<usize> {
        self.load.connection_counts(self.binary.smoke)
    }

    pub fn selects(&self, scenario: &str) -> bool {
        selects(self.only.as_deref(), scenario)
    }
}

/// Whether `--only` (absent: everything) names `scenario` or a part of its name.
fn selects(only: Option<&[String]>, scenario: &str) -> bool {
    only.is_none_or(|names| names.iter().any(|n| scenario.contains(n.as_str())))
}

/// `sluice-bench engines`: the reads and the batch insert on PostgreSQL and MySQL.
#[derive(Debug, Args)]
pub struct EnginesArgs {
    /// Where the report (bench.json, bench.md), server logs and the working data go.
    #[arg(long, value_name = "DIR", default_value = "target/bench-engines")]
    pub out: PathBuf,
    #[command(flatten)]
    pub binary: BinaryArgs,
    #[command(flatten)]
    pub load: LoadArgs,
    /// Only the scenarios whose names contain one of these (comma-separated); all by default.
    #[arg(long, value_delimiter = ',', value_name = "NAME,NAME")]
    pub only: Option<Vec<String>>,
    /// The engines to measure (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "pgsql,mysql")]
    pub engines: Vec<Engine>,
    /// The PostgreSQL server on which the harness creates (and drops) a throwaway database.
    #[arg(
        long,
        value_name = "URL",
        env = "SLUICE_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub postgres: String,
    /// The MySQL or MariaDB server on which the harness creates (and drops) a throwaway
    /// database.
    #[arg(
        long,
        value_name = "URL",
        env = "SLUICE_TEST_MYSQL_URL",
        default_value = "mysql://root@127.0.0.1:3306/test"
    )]
    pub mysql: String,
}

impl EnginesArgs {
    pub fn selects(&self, scenario: &str) -> bool {
        selects(self.only.as_deref(), scenario)
    }
}
