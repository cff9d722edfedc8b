//! The cluster run's results, in the plain run's files (`bench.json`, `bench.md`) and style:
//! throughput through haproxy with and without system changes, the change feed's cost, and
//! the propagation figures.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::propagation::Propagation;
use crate::report::{Header, Measurement, Target, publish, round, targets_table};

/// The throughput phases and the propagation phase, as the report names them.
pub const QUIET: &str = "no changes";
pub const CHANGING: &str = "role changes";
pub const FLIPPING: &str = "propagation (decision flips, probes)";

/// The versions of what ran.
#[derive(Debug, Serialize)]
pub struct Versions {
    pub sluice: String,
    pub haproxy: String,
    pub postgresql: String,
}

/// One phase of load through haproxy.
#[derive(Debug, Serialize)]
pub struct PhaseRun {
    pub round: usize,
    pub phase: &'static str,
    /// System changes committed on node A during the phase.
    pub changes: u64,
    #[serde(flatten)]
    pub measurement: Measurement,
}

#[derive(Debug, Serialize)]
pub struct ClusterReport {
    #[serde(flatten)]
    pub header: Header,
    pub versions: Versions,
    pub seconds_per_phase: f64,
    pub rounds: usize,
    pub connections: usize,
    /// In the phase with changes (1 in the scenario).
    pub role_changes_per_second: f64,
    pub client_threads: usize,
    pub employees: i64,
    pub runs: Vec<PhaseRun>,
    /// By-PK reads per second through haproxy over all rounds of each phase.
    pub without_changes_rps: f64,
    pub with_changes_rps: f64,
    /// 1 - with / without, in percent (negative: the changing phase was faster).
    pub change_feed_cost_percent: f64,
    /// The same for each round alone: how far the machine's noise moves it.
    pub round_costs_percent: Vec<f64>,
    pub propagation: Propagation,
    pub node_peak_rss_mib: Vec<f64>,
    pub targets: Vec<Target>,
}

impl ClusterReport {
    /// Fills the rates, the cost and the targets from the runs and the propagation figures.
    pub fn evaluate(&mut self) {
        let rate = |phase: &str, round: Option<usize>| {
            let (requests, seconds) = self
                .runs
                .iter()
                .filter(|r| r.phase == phase && round.is_none_or(|n| r.round == n))
                .fold((0, 0.0), |(n, s), r| {
                    (n + r.measurement.requests, s + r.measurement.seconds)
                });
            requests as f64 / f64::max(seconds, 1e-9)
        };
        let cost = |quiet: f64, changing: f64| round((1.0 - changing / quiet.max(1e-9)) * 100.0, 2);
        let (quiet, changing) = (rate(QUIET, None), rate(CHANGING, None));
        self.without_changes_rps = round(quiet, 1);
        self.with_changes_rps = round(changing, 1);
        self.change_feed_cost_percent = cost(quiet, changing);
        self.round_costs_percent = (1..=self.rounds)
            .map(|n| cost(rate(QUIET, Some(n)), rate(CHANGING, Some(n))))
            .collect();
        let cost = self.change_feed_cost_percent;
        let name = format!(
            "by_pk through haproxy: throughput cost of {} role changes per second (%)",
            self.role_changes_per_second
        );
        let mut targets = vec![Target::new(name, cost, "< 2", cost < 2.0)];
        for figures in &self.propagation.targets {
            targets.push(Target::new(
                format!("change on node A in force on {}: max (ms)", figures.target),
                figures.max_ms,
                "< 1000",
                figures.changes_not_seen == 0 && figures.max_ms < 1000.0,
            ));
        }
        let violations = self.propagation.violations as f64;
        targets.push(Target::new(
            "answers with a stale decision 1 s after the acknowledgement",
            violations,
            "0",
            violations == 0.0,
        ));
        let errors = self.total_errors() as f64;
        targets.push(Target::new(
            "errors, all phases and probes",
            errors,
            "0",
            errors == 0.0,
        ));
        self.targets = targets;
    }

    pub fn total_errors(&self) -> u64 {
        self.runs.iter().map(|r| r.measurement.errors).sum::<u64>() + self.propagation.probe_errors
    }

    pub fn publish(&self, out: &Path) -> anyhow::Result<()> {
        publish(out, self, &self.markdown())
    }

    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "# Sluice benchmark: two nodes behind haproxy ({})\n",
            self.header.mode
        );
        let v = &self.versions;
        let _ = writeln!(
            md,
            "{} · {} s per phase, {} rounds, {} connections, {} client threads, {} \
             employees\n\n{} · {} · PostgreSQL {}\n",
            self.header.line(),
            self.seconds_per_phase,
            self.rounds,
            self.connections,
            self.client_threads,
            self.employees,
            v.sluice,
            v.haproxy,
            v.postgresql,
        );
        md.push_str(
            "`GET db/_table/employees/{random id}` through haproxy (round robin over the two \
             nodes).\n\n",
        );
        md.push_str(
            "| round | phase | system changes | req/s | p50 ms | p99 ms | max ms | errors |\n",
        );
        md.push_str("|---:|---|---:|---:|---:|---:|---:|---:|\n");
        for r in &self.runs {
            let m = &r.measurement;
            let _ = writeln!(
                md,
                "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
                r.round,
                r.phase,
                r.changes,
                m.requests_per_s,
                m.p50_ms,
                m.p99_ms,
                m.max_ms,
                m.errors
            );
        }
        let rounds: Vec<String> = self
            .round_costs_percent
            .iter()
            .map(|cost| format!("{cost:.2}%"))
            .collect();
        let _ = writeln!(
            md,
            "\nOver all rounds: {:.0} req/s without changes, {:.0} req/s with {} role changes \
             per second: the change feed costs {:.2}% (round by round: {}).\n",
            self.without_changes_rps,
            self.with_changes_rps,
            self.role_changes_per_second,
            self.change_feed_cost_percent,
            rounds.join(", ")
        );
        self.propagation_markdown(&mut md);
        let rss: Vec<String> = self
            .node_peak_rss_mib
            .iter()
            .map(|mib| format!("{mib:.1} MiB"))
            .collect();
        let _ = writeln!(md, "Nodes' peak RSS: {}.\n", rss.join(", "));
        targets_table(&mut md, &self.targets);
        md
    }

    fn propagation_markdown(&self, md: &mut String) {
        let p = &self.propagation;
        let _ = writeln!(
            md,
            "Propagation: {} changes of the probe role's GET grant on node A, one every {} ms \
             (PATCH acknowledged in {:.2} ms median, {:.2} ms max); from the acknowledgement \
             (and from the PATCH being sent) to the first answer with the new decision, one \
             probe round trip included; answers within the second after the acknowledgement \
             that still gave the old decision; and stale ones after it:\n",
            p.changes, p.period_ms, p.patch_median_ms, p.patch_max_ms
        );
        md.push_str(
            "| probed | answers | changes seen | not seen | median ms | max ms | from PATCH sent: \
             median ms | max ms | old within 1 s | stale after 1 s |\n",
        );
        md.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for t in &p.targets {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} |",
                t.target,
                t.answers,
                t.changes_seen,
                t.changes_not_seen,
                t.median_ms,
                t.max_ms,
                t.from_patch_sent_median_ms,
                t.from_patch_sent_max_ms,
                t.old_within_grace,
                t.stale_after_grace
            );
        }
        let _ = writeln!(
            md,
            "\n{} answers to requests sent at least {} ms after an acknowledgement checked: {} \
             with a stale decision.",
            p.answers_checked, p.grace_ms, p.violations
        );
        if let Some(first) = &p.first_violation {
            let _ = writeln!(md, "First: {first}.");
        }
        if let Some(first) = &p.first_probe_error {
            let _ = writeln!(md, "\n{} probe errors, first: {first}", p.probe_errors);
        }
        for r in self.runs.iter().filter(|r| r.measurement.errors > 0) {
            let _ = writeln!(
                md,
                "\nround {} ({}): {} errors, first: {}",
                r.round,
                r.phase,
                r.measurement.errors,
                r.measurement.first_error.as_deref().unwrap_or("?")
            );
        }
        md.push('\n');
    }
}
