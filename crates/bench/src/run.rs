//! One benchmark run: build or locate sluice, generate the data, configure Sluice through its
//! system API, restart it to time the first answer, start the floor, then measure every
//! scenario at every connection count and write the report.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;

use anyhow::{Context, bail};
use hyper::StatusCode;

use crate::cli::RunArgs;
use crate::load::{self, Call, Endpoint, describe_failure, probe};
use crate::machine::Machine;
use crate::measure::{Contender, Pace, check, measure_scenario};
use crate::process::ServerProcess;
use crate::report::{FLOOR, Header, Report, SLUICE, SOUL, exit_code, round};
use crate::scenarios::{Node, Scenario, Workload};
use crate::setup::{self, ADMIN_EMAIL, ADMIN_PASSWORD, Dataset, READ_DATABASE};
use crate::soul::{self, Soul};
use crate::soul_report::{SoulOutcome, SoulSummary};
use crate::{query_plan, same_rows};

/// Attempts at the first request after start (each one a connection attempt, no sleeping).
const FIRST_REQUEST_ATTEMPTS: u32 = 10_000;

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    load::client_runtime(args.load.client_threads)?.block_on(run_benchmark(args))
}

/// `out/work`, emptied: the scratch data of the previous run goes.
pub fn fresh_work_dir(out: &Path) -> anyhow::Result<PathBuf> {
    let work = out.join("work");
    if work.exists() {
        std::fs::remove_dir_all(&work)
            .with_context(|| format!("cannot clear {}", work.display()))?;
    }
    std::fs::create_dir_all(&work)?;
    Ok(work)
}

/// Generates the demo data into `dir` (the databases both runs read and write).
pub async fn demo_data(dir: &Path) -> anyhow::Result<(Dataset, Arc<Workload>)> {
    eprintln!("generating the demo data");
    let dataset = {
        let dir = dir.to_path_buf();
        tokio::task::spawn_blocking(move || setup::generate(&dir)).await??
    };
    let workload = Arc::new(Workload::new(&dataset)?);
    Ok((dataset, workload))
}

async fn run_benchmark(args: RunArgs) -> anyhow::Result<ExitCode> {
    let out = args.out.clone();
    let work = fresh_work_dir(&out)?;
    let machine = Machine::read();
    let sluice_bin = args.binary.sluice_binary()?;
    let data_dir = work.join("data");
    let (dataset, workload) = demo_data(&data_dir).await?;
    let scenarios: Vec<Scenario> = Scenario::ALL
        .into_iter()
        .filter(|s| args.selects(s.name()))
        .collect();
    // Before Sluice starts, so npm never competes with a measured server; and before
    // anything else opens the file Soul gets a copy of.
    let mut soul = start_soul(&args, &scenarios, &workload, &data_dir, &out).await;
    let filter_query_plans = if scenarios.contains(&Scenario::Filter) {
        let database = data_dir.join(READ_DATABASE);
        query_plan::filter_plans(&database, &dataset.last_names[0], 100).await?
    } else {
        Vec::new()
    };

    eprintln!("configuring sluice through the system API");
    let api_key = {
        let server = spawn_sluice(&sluice_bin, &data_dir, &out.join("sluice-setup.log"), &[])?;
        setup::configure(&server.url).await?.api_key
    };
    let mut sluice = spawn_sluice(&sluice_bin, &data_dir, &out.join("sluice.log"), &[])?;
    let sluice_endpoint = Endpoint {
        addr: sluice.addr,
        api_key: Some(api_key.clone()),
    };
    let first_200 = first_200_ms(&sluice, &sluice_endpoint).await?;
    let mut floor = ServerProcess::spawn(
        FLOOR,
        floor_command(&data_dir.join(READ_DATABASE))?,
        &out.join("floor.log"),
    )?;
    let floor_endpoint = Endpoint {
        addr: floor.addr,
        api_key: None,
    };

    // A second node on the same system database, only when a scenario needs Redis.
    let mut with_redis = if scenarios.iter().any(|s| s.node() == Node::WithRedis) {
        let prefix = format!("sluice-bench-{}:", std::process::id());
        let env = [
            ("SLUICE__REDIS__URL", args.redis.as_str()),
            ("SLUICE__RATE_LIMITS__REDIS_KEY_PREFIX", prefix.as_str()),
        ];
        let log = out.join("sluice-redis.log");
        Some(spawn_sluice(&sluice_bin, &data_dir, &log, &env)?)
    } else {
        None
    };
    let with_redis_endpoint = with_redis.as_ref().map(|process| Endpoint {
        addr: process.addr,
        api_key: Some(api_key),
    });
    // `sluice nsqlite` over the read service's file, only when a scenario needs it.
    let mut nsqlite = if scenarios.iter().any(|s| s.node() == Node::Nsqlite) {
        let mut command = Command::new(&sluice_bin);
        command
            .arg("nsqlite")
            .arg("--database")
            .arg(data_dir.join(READ_DATABASE))
            .args(["--host", "127.0.0.1", "--port", "0"]);
        Some(ServerProcess::spawn(
            "nsqlite",
            command,
            &out.join("nsqlite.log"),
        )?)
    } else {
        None
    };
    let nsqlite_endpoint = nsqlite.as_ref().map(|process| Endpoint {
        addr: process.addr,
        api_key: None,
    });
    let pace = Pace::new(args.connection_counts(), args.duration_secs());
    let mut same_rows = Vec::new();
    for scenario in scenarios.iter().copied() {
        let mut servers = Vec::new();
        if let Some(plan) = scenario.floor_plan(&workload) {
            servers.push((FLOOR, &floor_endpoint, plan));
            servers.push((SLUICE, &sluice_endpoint, scenario.sluice_plan(&workload)));
        }
        if let (Ok(soul), Some(plan)) = (&soul, scenario.soul_plan(&workload)) {
            servers.push((SOUL, &soul.endpoint, plan));
        }
        if servers.len() > 1 {
            same_rows.extend(same_rows::compare(scenario, &servers).await);
        }
    }
    let mut soul_skipped: Vec<(&str, String)> = Vec::new();
    let mut measurements = Vec::new();
    for (index, scenario) in scenarios.iter().copied().enumerate() {
        let mut contenders = Vec::new();
        if let Some(plan) = scenario.floor_plan(&workload) {
            contenders.push(Contender {
                server: FLOOR,
                endpoint: &floor_endpoint,
                plan,
                process: &floor,
            });
        }
        let (endpoint, process) = match (scenario.node(), &with_redis_endpoint, &with_redis) {
            (Node::WithRedis, Some(endpoint), Some(process)) => (endpoint, process),
            (Node::Nsqlite, ..) => match (&nsqlite_endpoint, &nsqlite) {
                (Some(endpoint), Some(process)) => (endpoint, process),
                _ => (&sluice_endpoint, &sluice),
            },
            _ => (&sluice_endpoint, &sluice),
        };
        contenders.push(Contender {
            server: SLUICE,
            endpoint,
            plan: scenario.sluice_plan(&workload),
            process,
        });
        if let (Ok(soul), Some(plan)) = (&soul, scenario.soul_plan(&workload)) {
            // Soul's answers are checked here, not in `measure_scenario`: one that does not
            // look right leaves Soul out of this scenario instead of failing the run.
            match check(scenario, SOUL, &soul.endpoint, &plan).await {
                Ok(()) => contenders.push(Contender {
                    server: SOUL,
                    endpoint: &soul.endpoint,
                    plan,
                    process: &soul.process,
                }),
                Err(error) => {
                    let reason = format!("skipped: its answer failed the check: {error:#}");
                    soul_skipped.push((scenario.name(), reason));
                }
            }
        }
        measurements.extend(measure_scenario(scenario, None, &contenders, &pace, index).await?);
        drop(contenders);
        if let Ok(running) = soul.as_mut()
            && let Err(error) = running.process.ensure_running()
        {
            soul = Err(format!("{error:#}; see soul.log"));
        }
        sluice.ensure_running()?;
        floor.ensure_running()?;
        if let Some(process) = with_redis.as_mut() {
            process.ensure_running()?;
        }
        if let Some(process) = nsqlite.as_mut() {
            process.ensure_running()?;
        }
    }
    let soul_outcome = match &soul {
        Ok(soul) => SoulOutcome::Measured {
            versions: soul.versions.clone(),
            peak_rss_mib: round(soul.process.peak_rss_kib()? as f64 / 1024.0, 1),
        },
        Err(reason) => SoulOutcome::Skipped(reason.clone()),
    };
    let soul_scenarios: Vec<&str> = Scenario::ALL
        .into_iter()
        .filter(|s| s.soul_plan(&workload).is_some())
        .map(Scenario::name)
        .collect();
    let soul_summary = SoulSummary::new(soul_outcome, &measurements, &soul_scenarios, |name| {
        soul_skipped
            .iter()
            .find(|(skipped, _)| *skipped == name)
            .map(|(_, reason)| reason.clone())
    });
    let mut report = Report {
        header: Header::at_end(args.binary.smoke, machine),
        seconds_per_run: args.duration_secs(),
        client_threads: args.load.client_threads,
        employees: dataset.employees,
        rows_per_last_name: round(dataset.rows_per_last_name, 1),
        sluice_first_200_ms: round(first_200, 1),
        sluice_peak_rss_mib: round(sluice.peak_rss_kib()? as f64 / 1024.0, 1),
        floor_peak_rss_mib: round(floor.peak_rss_kib()? as f64 / 1024.0, 1),
        measurements,
        ratios: Vec::new(),
        targets: Vec::new(),
        soul: soul_summary,
        same_rows,
        filter_query_plans,
    };
    report.compute_ratios();
    report.evaluate_targets();
    report.publish(&out)?;
    Ok(exit_code(report.total_errors()))
}

pub fn spawn_sluice(
    binary: &Path,
    data_dir: &Path,
    log: &Path,
    env: &[(&str, &str)],
) -> anyhow::Result<ServerProcess> {
    let mut command = Command::new(binary);
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(["serve", "--host", "127.0.0.1", "--port", "0"])
        .env("SLUICE_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("SLUICE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .envs(env.iter().copied());
    ServerProcess::spawn(SLUICE, command, log)
}

/// Soul on a copy of the read database, when `--peers` names it and a selected scenario is
/// one Soul serves; `Err` says why not.
async fn start_soul(
    args: &RunArgs,
    scenarios: &[Scenario],
    workload: &Arc<Workload>,
    data_dir: &Path,
    out: &Path,
) -> Result<Soul, String> {
    if !args.wants_soul() {
        return Err("--peers does not name soul".to_string());
    }
    if !scenarios.iter().any(|s| s.soul_plan(workload).is_some()) {
        return Err("no selected scenario is one Soul serves".to_string());
    }
    eprintln!("starting Soul");
    let started = soul::start(&data_dir.join(READ_DATABASE), &out.join("soul.log")).await;
    if let Err(reason) = &started {
        eprintln!("Soul is skipped: {reason}");
    }
    started
}

fn floor_command(database: &Path) -> anyhow::Result<Command> {
    let mut command = Command::new(std::env::current_exe()?);
    command.arg("floor").arg("--db").arg(database);
    Ok(command)
}

/// Milliseconds from spawning Sluice to its first 200 on an API-key read (the app, role and
/// schema caches are filled by that request, as for a real first client).
async fn first_200_ms(server: &ServerProcess, endpoint: &Endpoint) -> anyhow::Result<f64> {
    let call = Call::get("/api/v2/db/_table/employees?limit=1".to_string());
    let mut last_error = None;
    for _ in 0..FIRST_REQUEST_ATTEMPTS {
        match probe(endpoint, call.clone()).await {
            Ok((StatusCode::OK, _)) => {
                return Ok(server.spawned_at.elapsed().as_secs_f64() * 1000.0);
            }
            Ok((status, body)) => bail!("first request: {}", describe_failure(status, &body)),
            Err(error) => last_error = Some(error),
        }
        tokio::task::yield_now().await;
    }
    bail!("sluice never answered: {last_error:?}")
}
