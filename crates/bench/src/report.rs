//! The run's results: `bench.json` for tools, `bench.md` for people, and the targets
//! checked against them (reported, never failing the run: timings on a shared machine vary).

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, ExitCode};

use serde::Serialize;

use crate::load::LoadResult;
use crate::machine::{Machine, load_average};
use crate::process::workspace_root;
use crate::query_plan::QueryPlan;
use crate::same_rows::SameRows;
use crate::scenarios::Scenario;
use crate::soul_report::{SoulSummary, query_plans_markdown, same_rows_markdown};

pub const SLUICE: &str = "sluice";
pub const FLOOR: &str = "floor";
/// Soul, the npm `soul-cli` server (`soul.rs`).
pub const SOUL: &str = "soul";

#[derive(Debug, Serialize)]
pub struct Measurement {
    pub scenario: String,
    pub server: &'static str,
    pub connections: usize,
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub requests_per_s: f64,
    pub rows_per_s: Option<f64>,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The server's peak resident set so far (VmHWM) when this run ended: where in the run
    /// the memory peak was reached.
    pub peak_rss_mib: f64,
    /// The server process's CPU time (user and system, every thread) per answered request
    /// during the run, in microseconds: what a request costs the machine, whatever the load
    /// generator took.
    pub cpu_us_per_request: f64,
    pub first_error: Option<String>,
}

impl Measurement {
    pub fn new(
        scenario: Scenario,
        server: &'static str,
        connections: usize,
        result: &LoadResult,
        peak_rss_kib: u64,
    ) -> Self {
        let requests_per_s = result.requests_per_second();
        Self {
            scenario: scenario.name().to_string(),
            server,
            connections,
            requests: result.requests,
            errors: result.errors,
            seconds: round(result.elapsed.as_secs_f64(), 2),
            requests_per_s: round(requests_per_s, 1),
            rows_per_s: scenario
                .rows_per_request()
                .map(|rows| round(requests_per_s * rows as f64, 0)),
            p50_ms: round(result.latency_ms(50.0), 3),
            p99_ms: round(result.latency_ms(99.0), 3),
            max_ms: round(result.latency_ms(100.0), 3),
            peak_rss_mib: round(peak_rss_kib as f64 / 1024.0, 1),
            cpu_us_per_request: 0.0,
            first_error: result.first_error.clone(),
        }
    }

    /// Notes the server's CPU time during the run (see [`Measurement::cpu_us_per_request`]).
    pub fn with_cpu_seconds(mut self, cpu_seconds: f64) -> Self {
        let answered = self.requests.max(1) as f64;
        self.cpu_us_per_request = round(cpu_seconds * 1e6 / answered, 1);
        self
    }
}

impl Measurement {
    /// The same figures under `engine`'s name (`pgsql list_100`), for runs that measure one
    /// scenario on several database engines.
    pub fn on_engine(mut self, engine: &str) -> Self {
        self.scenario = format!("{engine} {}", self.scenario);
        self
    }
}

/// Sluice / floor requests per second for every scenario both served at the same count.
pub fn ratios_of(measurements: &[Measurement]) -> Vec<Ratio> {
    let find = |server: &str, scenario: &str, connections: usize| {
        measurements
            .iter()
            .find(|m| m.server == server && m.scenario == scenario && m.connections == connections)
    };
    measurements
        .iter()
        .filter(|m| m.server == SLUICE)
        .filter_map(|sluice| {
            let floor = find(FLOOR, &sluice.scenario, sluice.connections)?;
            Some(Ratio {
                scenario: sluice.scenario.clone(),
                connections: sluice.connections,
                sluice_rps: sluice.requests_per_s,
                floor_rps: floor.requests_per_s,
                ratio: round(sluice.requests_per_s / floor.requests_per_s.max(1e-9), 3),
            })
        })
        .collect()
}

/// Every measurement as a Markdown table, then the runs that had errors.
pub fn measurements_table(md: &mut String, measurements: &[Measurement]) {
    md.push_str(
        "| scenario | server | conns | req/s | rows/s | p50 ms | p99 ms | max ms | errors \
         | CPU us/req | peak RSS MiB so far |\n",
    );
    md.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in measurements {
        let rows = r.rows_per_s.map_or_else(String::new, |v| format!("{v:.0}"));
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.0} | {rows} | {:.2} | {:.2} | {:.2} | {} | {:.1} | {:.1} |",
            r.scenario,
            r.server,
            r.connections,
            r.requests_per_s,
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            r.errors,
            r.cpu_us_per_request,
            r.peak_rss_mib
        );
    }
}

/// The Sluice / floor ratios as a Markdown table.
pub fn ratios_table(md: &mut String, ratios: &[Ratio]) {
    md.push_str("\n| Sluice / floor | conns | Sluice req/s | floor req/s | ratio |\n");
    md.push_str("|---|---:|---:|---:|---:|\n");
    for r in ratios {
        let _ = writeln!(
            md,
            "| {} | {} | {:.0} | {:.0} | {:.2} |",
            r.scenario, r.connections, r.sluice_rps, r.floor_rps, r.ratio
        );
    }
}

/// The runs that had errors, each with its first error.
pub fn errors_list(md: &mut String, measurements: &[Measurement]) {
    for r in measurements.iter().filter(|r| r.errors > 0) {
        let _ = writeln!(
            md,
            "\n{} on {} @{}: {} errors, first: {}",
            r.scenario,
            r.server,
            r.connections,
            r.errors,
            r.first_error.as_deref().unwrap_or("?")
        );
    }
}

#[derive(Debug, Serialize)]
pub struct Ratio {
    pub scenario: String,
    pub connections: usize,
    pub sluice_rps: f64,
    pub floor_rps: f64,
    pub ratio: f64,
}

#[derive(Debug, Serialize)]
pub struct Target {
    pub target: String,
    pub measured: f64,
    pub goal: String,
    pub met: bool,
}

impl Target {
    pub fn new(target: impl Into<String>, measured: f64, goal: &str, met: bool) -> Self {
        Self {
            target: target.into(),
            measured,
            goal: goal.to_string(),
            met,
        }
    }
}

/// Writes a report as `bench.json` (for tools) and `bench.md` (for people) into `out`, and
/// prints it.
pub fn publish(out: &Path, report: &impl Serialize, markdown: &str) -> anyhow::Result<()> {
    std::fs::write(out.join("bench.json"), serde_json::to_vec_pretty(report)?)?;
    std::fs::write(out.join("bench.md"), markdown)?;
    println!("{markdown}");
    println!("report: {}", out.join("bench.md").display());
    Ok(())
}

/// The run's exit code: a failure when any request failed.
pub fn exit_code(errors: u64) -> ExitCode {
    if errors > 0 {
        eprintln!("sluice-bench: {errors} failed requests (see the report)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The targets as a Markdown table, reported, never judged.
pub fn targets_table(md: &mut String, targets: &[Target]) {
    md.push_str("| target | measured | goal | met |\n|---|---:|---|---|\n");
    for t in targets {
        let met = if t.met { "yes" } else { "**no**" };
        let _ = writeln!(md, "| {} | {} | {} | {met} |", t.target, t.measured, t.goal);
    }
}

/// When, from which commit and on which machine a report's figures came.
#[derive(Debug, Serialize)]
pub struct Header {
    pub generated_at: String,
    pub mode: &'static str,
    pub git_commit: String,
    pub machine: Machine,
}

impl Header {
    /// Taken when the measuring is over (the machine's load average after it is part of it).
    pub fn at_end(smoke: bool, mut machine: Machine) -> Self {
        machine.load_average_after = load_average();
        Self {
            generated_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            mode: if smoke { "smoke" } else { "full" },
            git_commit: git_commit(),
            machine,
        }
    }

    /// `date · commit · machine`, for a report's first line.
    pub fn line(&self) -> String {
        format!(
            "{} · commit {} · {}",
            self.generated_at,
            self.git_commit,
            self.machine.summary()
        )
    }
}

fn git_commit() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(workspace_root())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|status| !status.is_empty());
    if dirty {
        format!("{commit}-dirty")
    } else {
        commit
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub header: Header,
    pub seconds_per_run: f64,
    pub client_threads: usize,
    pub employees: i64,
    pub rows_per_last_name: f64,
    pub sluice_first_200_ms: f64,
    pub sluice_peak_rss_mib: f64,
    pub floor_peak_rss_mib: f64,
    pub measurements: Vec<Measurement>,
    pub ratios: Vec<Ratio>,
    pub targets: Vec<Target>,
    /// Sluice / Soul, or why Soul was not measured.
    pub soul: SoulSummary,
    /// Whether the servers returned the same rows in the same order.
    pub same_rows: Vec<SameRows>,
    /// SQLite's plans of the indexed filter (`filter`) as each server issues it.
    pub filter_query_plans: Vec<QueryPlan>,
}

pub fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

impl Report {
    pub fn total_errors(&self) -> u64 {
        self.measurements.iter().map(|m| m.errors).sum()
    }

    /// Sluice / floor requests per second for every read both served.
    pub fn compute_ratios(&mut self) {
        self.ratios = ratios_of(&self.measurements);
    }

    /// The targets of issue 6, for whatever this run measured.
    pub fn evaluate_targets(&mut self) {
        let mut targets = Vec::new();
        let mut add = |target: String, measured: f64, goal: &str, met: bool| {
            targets.push(Target::new(target, measured, goal, met));
        };
        for ratio in &self.ratios {
            let name = format!(
                "{} @{}: Sluice / floor req/s",
                ratio.scenario, ratio.connections
            );
            add(name, ratio.ratio, ">= 0.80", ratio.ratio >= 0.80);
        }
        let key_reads = [Scenario::List100, Scenario::ByPk, Scenario::Filter].map(Scenario::name);
        for m in &self.measurements {
            if m.server == SLUICE && m.connections == 16 && key_reads.contains(&m.scenario.as_str())
            {
                let name = format!("{} @16: p99 latency (ms)", m.scenario);
                add(name, m.p99_ms, "< 10", m.p99_ms < 10.0);
            }
            if m.server == SLUICE
                && let Some(rows) = m.rows_per_s
            {
                let name = format!("{} @{}: rows/s", m.scenario, m.connections);
                add(name, rows, ">= 50000", rows >= 50_000.0);
            }
        }
        for (this, baseline, goal) in Scenario::COMPARED {
            for m in self
                .measurements
                .iter()
                .filter(|m| m.scenario == this.name())
            {
                let Some(base) = self.measurements.iter().find(|b| {
                    b.server == SLUICE
                        && b.scenario == baseline.name()
                        && b.connections == m.connections
                }) else {
                    continue;
                };
                let ratio = round(m.requests_per_s / base.requests_per_s.max(1e-9), 3);
                let name = format!(
                    "{} @{}: req/s / {} req/s",
                    m.scenario,
                    m.connections,
                    baseline.name()
                );
                add(name, ratio, &format!(">= {goal:.2}"), ratio >= goal);
                if this == Scenario::ByPkScripted {
                    // Issue 17's own target: what the script's call adds to a request's CPU.
                    let added = round(m.cpu_us_per_request - base.cpu_us_per_request, 1);
                    let name = format!(
                        "{} @{}: CPU per script call (us)",
                        m.scenario, m.connections
                    );
                    add(name, added, "< 60", added < 60.0);
                }
            }
        }
        let rss = self.sluice_peak_rss_mib;
        add("Sluice peak RSS (MiB)".into(), rss, "< 64", rss < 64.0);
        let first = self.sluice_first_200_ms;
        add(
            "Sluice start to first 200 (ms)".into(),
            first,
            "< 200",
            first < 200.0,
        );
        let errors = self.total_errors() as f64;
        add("errors, all scenarios".into(), errors, "0", errors == 0.0);
        targets.extend(self.soul.targets());
        self.targets = targets;
    }

    pub fn publish(&self, out: &Path) -> anyhow::Result<()> {
        publish(out, self, &self.markdown())
    }

    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Sluice benchmark ({})\n", self.header.mode);
        let _ = writeln!(
            md,
            "{} · {} s per run, {} client threads, {} employees ({:.0} per last name)\n",
            self.header.line(),
            self.seconds_per_run,
            self.client_threads,
            self.employees,
            self.rows_per_last_name,
        );
        md.push_str("| scenario | request |\n|---|---|\n");
        for scenario in Scenario::ALL {
            if self
                .measurements
                .iter()
                .any(|m| m.scenario == scenario.name())
            {
                let _ = writeln!(md, "| {} | `{}` |", scenario.name(), scenario.description());
            }
        }
        md.push('\n');
        measurements_table(&mut md, &self.measurements);
        ratios_table(&mut md, &self.ratios);
        let _ = writeln!(
            md,
            "\nSluice: first 200 {:.1} ms after start, peak RSS {:.1} MiB (floor {:.1} MiB).\n",
            self.sluice_first_200_ms, self.sluice_peak_rss_mib, self.floor_peak_rss_mib
        );
        targets_table(&mut md, &self.targets);
        self.soul.markdown(&mut md);
        same_rows_markdown(&mut md, &self.same_rows);
        query_plans_markdown(&mut md, &self.filter_query_plans);
        errors_list(&mut md, &self.measurements);
        md
    }
}
