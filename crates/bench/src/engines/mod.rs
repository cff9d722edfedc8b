//! `sluice-bench engines`: the plain reads and the batch insert on PostgreSQL and MySQL.
//! The demo's `employees` is copied into a throwaway database on each server; one Sluice
//! serves both through services of types `pgsql` and `mysql` (API key and role on every
//! request), and for each engine a floor written with the same driver serves the same
//! requests with nothing else (`floor`). The target: Sluice at least 0.8 of the floor on
//! every read.

mod data;
pub mod floor;
mod report;

use std::path::Path;
use std::process::{Command, ExitCode};
use std::sync::Arc;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use self::data::{MysqlDatabase, load_postgres, read_employees};
pub use self::floor::Engine;
use self::report::{EngineReport, Versions};
use crate::cli::EnginesArgs;
use crate::floor::Employee;
use crate::load::{self, Endpoint};
use crate::machine::Machine;
use crate::measure::{Contender, Pace, measure_scenario};
use crate::postgres::ThrowawayDatabase;
use crate::process::ServerProcess;
use crate::report::{FLOOR, Header, Measurement, SLUICE, exit_code, round};
use crate::run::{demo_data, fresh_work_dir, spawn_sluice};
use crate::scenarios::{Scenario, Workload};
use crate::setup::{Admin, READ_DATABASE, table_access};

/// What every engine runs: the plain reads, then the batch insert (it grows the table, so
/// it comes last).
pub const SCENARIOS: [Scenario; 4] = [
    Scenario::List100,
    Scenario::ByPk,
    Scenario::Filter,
    Scenario::PostBatch,
];

/// The reads, which carry the 0.8 target.
pub const READS: [Scenario; 3] = [Scenario::List100, Scenario::ByPk, Scenario::Filter];

pub fn run(args: EnginesArgs) -> anyhow::Result<ExitCode> {
    load::client_runtime(args.load.client_threads)?.block_on(run_engines(args))
}

/// One engine's database, loaded with the demo's employees.
struct EngineDatabase {
    engine: Engine,
    /// The database's URL, for the floor.
    url: String,
    /// The `config` of a Sluice service on it.
    service_config: Value,
}

async fn run_engines(args: EnginesArgs) -> anyhow::Result<ExitCode> {
    let work = fresh_work_dir(&args.out)?;
    let machine = Machine::read();
    let sluice_bin = args.binary.sluice_binary()?;
    let data_dir = work.join("data");
    let (dataset, workload) = demo_data(&data_dir).await?;
    let rows = {
        let path = data_dir.join(READ_DATABASE);
        tokio::task::spawn_blocking(move || read_employees(&path)).await??
    };
    let mut versions = Versions::default();
    let postgres = if args.engines.contains(&Engine::Pgsql) {
        eprintln!("loading {} employees into PostgreSQL", rows.len());
        let database = ThrowawayDatabase::create(&args.postgres)?;
        load_postgres(&database.url, &rows).await?;
        versions.postgres = Some(database.server_version());
        Some(database)
    } else {
        None
    };
    let mysql = if args.engines.contains(&Engine::Mysql) {
        eprintln!("loading {} employees into MySQL", rows.len());
        let database = MysqlDatabase::create(&args.mysql).await?;
        let loaded = load_mysql(&database, &rows, &mut versions).await;
        if let Err(error) = loaded {
            database.drop_database().await;
            return Err(error);
        }
        Some(database)
    } else {
        None
    };
    let mut databases = Vec::new();
    if let Some(database) = &postgres {
        databases.push(EngineDatabase {
            engine: Engine::Pgsql,
            service_config: postgres_service_config(&database.url)?,
            url: database.url.clone(),
        });
    }
    if let Some(database) = &mysql {
        databases.push(EngineDatabase {
            engine: Engine::Mysql,
            service_config: mysql_service_config(&database.url)?,
            url: database.url.clone(),
        });
    }
    let outcome = measure(&args, &sluice_bin, &data_dir, &databases, &workload).await;
    if let Some(database) = mysql {
        database.drop_database().await;
    }
    drop(postgres);
    let (measurements, sluice_peak_rss_kib) = outcome?;
    let mut report = EngineReport {
        header: Header::at_end(args.binary.smoke, machine),
        seconds_per_run: args.load.duration_secs(args.binary.smoke),
        client_threads: args.load.client_threads,
        employees: dataset.employees,
        versions,
        sluice_peak_rss_mib: round(sluice_peak_rss_kib as f64 / 1024.0, 1),
        measurements,
        ratios: Vec::new(),
        targets: Vec::new(),
    };
    report.evaluate();
    report.publish(&args.out)?;
    Ok(exit_code(report.total_errors()))
}

async fn load_mysql(
    database: &MysqlDatabase,
    rows: &[Employee],
    versions: &mut Versions,
) -> anyhow::Result<()> {
    database.load(rows).await?;
    versions.mysql = Some(database.server_version().await?);
    Ok(())
}

/// Configures Sluice, starts the floors, and measures every scenario on every engine;
/// returns the measurements and Sluice's peak memory.
async fn measure(
    args: &EnginesArgs,
    sluice_bin: &Path,
    data_dir: &Path,
    databases: &[EngineDatabase],
    workload: &Arc<Workload>,
) -> anyhow::Result<(Vec<Measurement>, u64)> {
    let out = &args.out;
    eprintln!("configuring sluice through the system API");
    let mut sluice = spawn_sluice(sluice_bin, data_dir, &out.join("sluice.log"), &[])?;
    let api_key = configure(&sluice.url, databases).await?;
    let sluice_endpoint = Endpoint {
        addr: sluice.addr,
        api_key: Some(api_key),
    };
    let pace = Pace::new(
        args.load.connection_counts(args.binary.smoke),
        args.load.duration_secs(args.binary.smoke),
    );
    let mut measurements = Vec::new();
    for database in databases {
        let engine = database.engine.name();
        let mut floor = ServerProcess::spawn(
            FLOOR,
            floor_command(database.engine, &database.url)?,
            &out.join(format!("floor-{engine}.log")),
        )?;
        let floor_endpoint = Endpoint {
            addr: floor.addr,
            api_key: None,
        };
        let scenarios = SCENARIOS.into_iter().filter(|s| args.selects(s.name()));
        for (index, scenario) in scenarios.enumerate() {
            let contenders = [
                Contender {
                    server: FLOOR,
                    endpoint: &floor_endpoint,
                    plan: scenario
                        .engine_floor_plan(workload)
                        .context("every engine scenario has a floor")?,
                    process: &floor,
                },
                Contender {
                    server: SLUICE,
                    endpoint: &sluice_endpoint,
                    plan: scenario.plan_on(engine, workload),
                    process: &sluice,
                },
            ];
            let measured =
                measure_scenario(scenario, Some(engine), &contenders, &pace, index).await?;
            measurements.extend(measured);
            sluice.ensure_running()?;
            floor.ensure_running()?;
        }
    }
    Ok((measurements, sluice.peak_rss_kib()?))
}

/// Registers a service per engine (named after the engine), a role with every verb on
/// their tables and an app with that role; returns the app's API key.
async fn configure(url: &str, databases: &[EngineDatabase]) -> anyhow::Result<String> {
    let admin = Admin::sign_in(url).await?;
    let services: Vec<Value> = databases
        .iter()
        .map(|database| {
            json!({"name": database.engine.name(), "type": database.engine.name(),
                   "is_active": true, "config": database.service_config})
        })
        .collect();
    let created = admin
        .post("/api/v2/system/service", json!({ "resource": services }))
        .await?;
    let access: Vec<Value> = created["resource"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|s| s["id"].as_i64())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .map(|id| table_access(id, "_table/*", 31))
        .collect();
    if access.len() != databases.len() {
        bail!("unexpected answer creating the services: {created}");
    }
    let role = admin.create_role("bench", access).await?;
    admin.create_app("bench", role.id).await
}

/// A `pgsql` service's config for the database at `url`.
fn postgres_service_config(url: &str) -> anyhow::Result<Value> {
    let config: tokio_postgres::Config = url.parse().context("--postgres is not a URL")?;
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        _ => bail!("--postgres must name a TCP host"),
    };
    let password = config
        .get_password()
        .map(|password| String::from_utf8_lossy(password).into_owned());
    Ok(
        json!({"host": host, "port": config.get_ports().first().copied().unwrap_or(5432),
              "database": config.get_dbname(), "username": config.get_user(),
              "password": password, "max_records": 1000}),
    )
}

/// A `mysql` service's config for the database at `url`.
fn mysql_service_config(url: &str) -> anyhow::Result<Value> {
    let opts = mysql_async::Opts::from_url(url).context("--mysql is not a URL")?;
    Ok(
        json!({"host": opts.ip_or_hostname(), "port": opts.tcp_port(),
              "database": opts.db_name(), "username": opts.user(),
              "password": opts.pass(), "max_records": 1000}),
    )
}

fn floor_command(engine: Engine, url: &str) -> anyhow::Result<Command> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg("engine-floor")
        .args(["--engine", engine.name(), "--url", url]);
    Ok(command)
}
