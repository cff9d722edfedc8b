//! The cluster run: a throwaway PostgreSQL system database, two `sluice serve` nodes on it
//! sharing one directory of SQLite service files and one JWT secret, haproxy in front. Then
//! by-PK reads through haproxy in alternating phases without and with a role change every
//! second (the change feed's cost), and the propagation phase (how fast a flipped decision is
//! in force everywhere, and that no request sees a stale one a second after it).

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::json;

use crate::cli::ClusterArgs;
use crate::cluster_report::{CHANGING, ClusterReport, FLIPPING, PhaseRun, QUIET, Versions};
use crate::haproxy::{self, HAPROXY};
use crate::load::{self, Call, Endpoint, LoadResult};
use crate::machine::Machine;
use crate::measure::check;
use crate::postgres::ThrowawayDatabase;
use crate::process::{ServerProcess, first_line_of};
use crate::propagation::{self, ProbeGrant, ProbeTarget, VERB_GET};
use crate::report::{Header, Measurement, exit_code, round};
use crate::run::{demo_data, fresh_work_dir};
use crate::scenarios::Scenario;
use crate::setup::{self, ADMIN_EMAIL, ADMIN_PASSWORD, Admin, READ_SERVICE};

const NODE_A: &str = "node-a";
const NODE_B: &str = "node-b";
/// A table of the read database the probe role's grant names (the measured reads use
/// `employees`, through the bench role).
const PROBE_TABLE: &str = "departments";

pub fn run(args: ClusterArgs) -> anyhow::Result<ExitCode> {
    load::client_runtime(args.client_threads)?.block_on(run_cluster(args))
}

async fn run_cluster(args: ClusterArgs) -> anyhow::Result<ExitCode> {
    let out = args.out.clone();
    let work = fresh_work_dir(&out)?;
    let machine = Machine::read();
    let haproxy_bin = haproxy::binary()?;
    let sluice_bin = args.binary.sluice_binary()?;
    // Dropped last (declared first): the nodes are gone before their database is.
    let database = ThrowawayDatabase::create(&args.postgres)?;
    let versions = Versions {
        sluice: first_line_of(&sluice_bin, &["--version"]),
        haproxy: haproxy::version(&haproxy_bin),
        postgresql: database.server_version(),
    };

    let services_dir = work.join("services");
    let (dataset, workload) = demo_data(&services_dir).await?;

    eprintln!("starting two nodes on the PostgreSQL system database");
    let node = NodeSettings {
        binary: &sluice_bin,
        work: &work,
        out: &out,
        system_db_url: &database.url,
        services_dir: &services_dir,
        jwt_secret: &random_hex(32),
    };
    // One after the other: the first migrates the system database and creates the admin.
    let mut node_a = node.spawn(NODE_A)?;
    let mut node_b = node.spawn(NODE_B)?;

    eprintln!("configuring the cluster through node A's system API");
    let configured = setup::configure(&node_a.url).await?;
    let admin = Admin::sign_in(&node_a.url).await?;
    let probe_access = setup::table_access(
        configured.read_service_id,
        &format!("_table/{PROBE_TABLE}"),
        VERB_GET,
    );
    let probe_role = admin.create_role("probe", vec![probe_access]).await?;
    let granted_at = Instant::now();
    let probe_key = admin.create_app("probe", probe_role.id).await?;
    let [probe_access_id] = probe_role.access_ids[..] else {
        bail!("the probe role was created without its access row");
    };

    let nodes = [(NODE_A, node_a.addr), (NODE_B, node_b.addr)];
    let mut lb = haproxy::start(&haproxy_bin, &work, &out.join("haproxy.log"), &nodes).await?;
    let bench = |addr: SocketAddr| Endpoint {
        addr,
        api_key: Some(configured.api_key.clone()),
    };
    let plan = Scenario::ByPk.sluice_plan(&workload);
    // Node B learnt the services, role and app from the change feed; each must answer.
    for (name, addr) in [
        (NODE_A, node_a.addr),
        (NODE_B, node_b.addr),
        (HAPROXY, lb.addr),
    ] {
        check(Scenario::ByPk, name, &bench(addr), &plan)
            .await
            .with_context(|| format!("by_pk on {name}"))?;
    }
    let lb_endpoint = bench(lb.addr);
    let duration = Duration::from_secs_f64(args.duration_secs());
    load::run(&lb_endpoint, Arc::clone(&plan), 4, duration.mul_f64(0.2), 0).await;

    let connections = args.connections();
    let mut runs = Vec::new();
    let role_path = format!("/api/v2/system/role/{}", configured.role_id);
    if !(args.change_rate > 0.0 && args.change_rate <= 1000.0) {
        bail!("--change-rate must be above 0 and at most 1000 per second");
    }
    let change_every = Duration::from_secs_f64(1.0 / args.change_rate);
    for round in 1..=args.rounds() {
        for phase in [QUIET, CHANGING] {
            eprintln!("round {round}: by_pk through haproxy, {phase}, {connections} connections");
            let seed = (round * 10 + runs.len()) as u64;
            let load = load::run(&lb_endpoint, Arc::clone(&plan), connections, duration, seed);
            let (result, changes) = if phase == CHANGING {
                with_role_changes(&admin, &role_path, change_every, load).await?
            } else {
                (load.await, 0)
            };
            runs.push(phase_run(
                round,
                phase,
                changes,
                connections,
                &result,
                &nodes_rss(&node_a, &node_b)?,
            ));
            node_a.ensure_running()?;
            node_b.ensure_running()?;
            lb.ensure_running()?;
        }
    }

    let changes = args.changes();
    eprintln!(
        "propagation: {changes} changes of the probe grant on node A, probes on both nodes and haproxy, by_pk load through haproxy"
    );
    let grant = ProbeGrant {
        role_id: probe_role.id,
        access_id: probe_access_id,
        read: Call::get(format!(
            "/api/v2/{READ_SERVICE}/_table/{PROBE_TABLE}?limit=1"
        )),
        granted_at,
    };
    let probed = |name: &'static str, addr: SocketAddr| ProbeTarget {
        name,
        endpoint: Endpoint {
            addr,
            api_key: Some(probe_key.clone()),
        },
    };
    let targets = [
        probed(NODE_B, node_b.addr),
        probed(HAPROXY, lb.addr),
        probed(NODE_A, node_a.addr),
    ];
    let load = load::run(
        &lb_endpoint,
        Arc::clone(&plan),
        connections,
        propagation::phase_length(changes),
        99,
    );
    let (result, propagation) =
        tokio::join!(load, propagation::run(&admin, &grant, &targets, changes));
    let propagation = propagation?;
    runs.push(phase_run(
        1,
        FLIPPING,
        propagation.changes as u64,
        connections,
        &result,
        &nodes_rss(&node_a, &node_b)?,
    ));
    node_a.ensure_running()?;
    node_b.ensure_running()?;

    let mut report = ClusterReport {
        header: Header::at_end(args.binary.smoke, machine),
        versions,
        seconds_per_phase: args.duration_secs(),
        rounds: args.rounds(),
        connections,
        role_changes_per_second: args.change_rate,
        client_threads: args.client_threads,
        employees: dataset.employees,
        runs,
        without_changes_rps: 0.0,
        with_changes_rps: 0.0,
        change_feed_cost_percent: 0.0,
        round_costs_percent: Vec::new(),
        propagation,
        node_peak_rss_mib: [&node_a, &node_b]
            .iter()
            .map(|node| node.peak_rss_kib().map(|kib| round(kib as f64 / 1024.0, 1)))
            .collect::<anyhow::Result<_>>()?,
        targets: Vec::new(),
    };
    report.evaluate();
    report.publish(&out)?;
    let violations = report.propagation.violations;
    if violations > 0 {
        eprintln!("sluice-bench: {violations} answers with a stale decision (see the report)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(exit_code(report.total_errors()))
}

/// What the two nodes share.
struct NodeSettings<'a> {
    binary: &'a Path,
    work: &'a Path,
    out: &'a Path,
    system_db_url: &'a str,
    services_dir: &'a Path,
    jwt_secret: &'a str,
}

impl NodeSettings<'_> {
    /// `sluice serve` on a free port with a data directory of its own, logging to
    /// `out/<name>.log`.
    fn spawn(&self, name: &str) -> anyhow::Result<ServerProcess> {
        let data_dir = self.work.join(name);
        std::fs::create_dir_all(&data_dir)?;
        let mut command = Command::new(self.binary);
        command
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["serve", "--host", "127.0.0.1", "--port", "0"])
            .env("SLUICE__SYSTEM_DB__URL", self.system_db_url)
            .env("SLUICE__AUTH__JWT_SECRET", self.jwt_secret)
            .env("SLUICE__STORAGE__SQLITE_ROOTS", self.services_dir)
            // Behind haproxy every client has haproxy's address.
            .env("SLUICE__AUTH__LOGIN_FAILURES_PER_IP_PER_MINUTE", "0")
            .env("SLUICE_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("SLUICE_ADMIN_PASSWORD", ADMIN_PASSWORD);
        ServerProcess::spawn(name, command, &self.out.join(format!("{name}.log")))
    }
}

/// Runs `load` while committing a change of the bench role's description on node A at every
/// `period` (it does not change what the role allows; every node still drops its roles and
/// reloads them). Returns the load's result and the number of changes committed.
async fn with_role_changes(
    admin: &Admin,
    role_path: &str,
    period: Duration,
    load: impl Future<Output = LoadResult>,
) -> anyhow::Result<(LoadResult, u64)> {
    let committed = AtomicU64::new(0);
    let changes = async {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let number = committed.load(Ordering::Relaxed);
            let body = json!({"description": format!("bench change {number}")});
            admin.patch(role_path, body).await?;
            committed.fetch_add(1, Ordering::Relaxed);
        }
    };
    tokio::select! {
        result = load => Ok((result, committed.load(Ordering::Relaxed))),
        failed = changes => failed,
    }
}

fn phase_run(
    round: usize,
    phase: &'static str,
    changes: u64,
    connections: usize,
    result: &LoadResult,
    peak_rss_kib: &[u64],
) -> PhaseRun {
    let peak = peak_rss_kib.iter().copied().max().unwrap_or(0);
    let measurement = Measurement::new(Scenario::ByPk, HAPROXY, connections, result, peak);
    eprintln!(
        "  {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors, {changes} system changes",
        measurement.requests_per_s, measurement.p50_ms, measurement.p99_ms, measurement.errors
    );
    PhaseRun {
        round,
        phase,
        changes,
        measurement,
    }
}

fn nodes_rss(a: &ServerProcess, b: &ServerProcess) -> anyhow::Result<[u64; 2]> {
    Ok([a.peak_rss_kib()?, b.peak_rss_kib()?])
}

/// `bytes` random bytes as hex: a JWT secret for this run only.
fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}
