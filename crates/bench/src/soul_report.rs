//! The report's Soul part: Sluice / Soul requests per second on the reads Soul serves (or
//! why Soul was not measured), whether the servers returned the same rows, and SQLite's plans
//! of the indexed filter.

use std::fmt::Write as _;

use serde::Serialize;

use crate::query_plan::QueryPlan;
use crate::report::{Measurement, SLUICE, SOUL, Target, round};
use crate::same_rows::SameRows;

/// Issue 20's goal for the indexed filter.
const FILTER_GOAL: f64 = 10.0;

#[derive(Debug, Serialize)]
pub struct SoulSummary {
    /// `measured`, or `skipped: <reason>`.
    pub status: String,
    /// soul-cli, better-sqlite3, SQLite and node versions, when Soul ran.
    pub versions: Option<String>,
    pub peak_rss_mib: Option<f64>,
    /// One row per Sluice measurement of a scenario Soul serves.
    pub ratios: Vec<SoulRatio>,
}

#[derive(Debug, Serialize)]
pub struct SoulRatio {
    pub scenario: String,
    pub connections: usize,
    pub sluice_rps: f64,
    pub soul_rps: Option<f64>,
    /// Sluice / Soul requests per second.
    pub ratio: Option<f64>,
    /// Why there is no Soul figure (`skipped: ...`).
    pub skipped: Option<String>,
}

/// What became of Soul in a run.
pub enum SoulOutcome {
    Measured { versions: String, peak_rss_mib: f64 },
    Skipped(String),
}

impl SoulSummary {
    /// `soul_scenarios` are the names of the scenarios Soul serves; `skipped_scenario` says
    /// why one of them has no Soul measurement although Soul ran (its answer failed the check).
    pub fn new(
        outcome: SoulOutcome,
        measurements: &[Measurement],
        soul_scenarios: &[&str],
        skipped_scenario: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let (status, versions, peak_rss_mib) = match &outcome {
            SoulOutcome::Measured {
                versions,
                peak_rss_mib,
            } => (
                "measured".to_string(),
                Some(versions.clone()),
                Some(*peak_rss_mib),
            ),
            SoulOutcome::Skipped(reason) => (format!("skipped: {reason}"), None, None),
        };
        let ratios = measurements
            .iter()
            .filter(|m| m.server == SLUICE && soul_scenarios.contains(&m.scenario.as_str()))
            .map(|sluice| {
                let soul = measurements.iter().find(|m| {
                    m.server == SOUL
                        && m.scenario == sluice.scenario
                        && m.connections == sluice.connections
                });
                let skipped = match (&outcome, soul) {
                    (_, Some(_)) => None,
                    (SoulOutcome::Skipped(_), None) => Some(status.clone()),
                    (SoulOutcome::Measured { .. }, None) => Some(
                        skipped_scenario(&sluice.scenario)
                            .unwrap_or_else(|| "skipped: not measured".to_string()),
                    ),
                };
                SoulRatio {
                    scenario: sluice.scenario.clone(),
                    connections: sluice.connections,
                    sluice_rps: sluice.requests_per_s,
                    soul_rps: soul.map(|m| m.requests_per_s),
                    ratio: soul
                        .map(|m| round(sluice.requests_per_s / m.requests_per_s.max(1e-9), 2)),
                    skipped,
                }
            })
            .collect();
        Self {
            status,
            versions,
            peak_rss_mib,
            ratios,
        }
    }

    /// Issue 20's target: the indexed filter at least ten times Soul's requests per second.
    pub fn targets(&self) -> Vec<Target> {
        self.ratios
            .iter()
            .filter(|r| r.scenario == "filter")
            .filter_map(|r| {
                let ratio = r.ratio?;
                let name = format!("filter @{}: Sluice / Soul req/s", r.connections);
                Some(Target::new(name, ratio, ">= 10", ratio >= FILTER_GOAL))
            })
            .collect()
    }

    pub fn markdown(&self, md: &mut String) {
        let _ = write!(md, "\n## Soul\n\n{}", self.status);
        if let Some(versions) = &self.versions {
            let peak = self.peak_rss_mib.unwrap_or_default();
            let _ = write!(md, ": {versions}; peak RSS {peak:.1} MiB");
        }
        md.push('\n');
        if self.ratios.is_empty() {
            return;
        }
        md.push_str("\n| Sluice / Soul | conns | Sluice req/s | Soul req/s | ratio |\n");
        md.push_str("|---|---:|---:|---:|---:|\n");
        for r in &self.ratios {
            let (soul, ratio) = match (r.soul_rps, r.ratio, &r.skipped) {
                (Some(soul), Some(ratio), _) => (format!("{soul:.0}"), format!("{ratio:.2}")),
                (_, _, Some(skipped)) => (skipped.clone(), String::new()),
                _ => (String::new(), String::new()),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {:.0} | {soul} | {ratio} |",
                r.scenario, r.connections, r.sluice_rps
            );
        }
    }
}

/// Whether the servers returned the same rows in the same order.
pub fn same_rows_markdown(md: &mut String, same_rows: &[SameRows]) {
    if same_rows.is_empty() {
        return;
    }
    md.push_str("\n## Same rows?\n\nOne answer per server, the same parameters, ids compared with Sluice's.\n\n");
    md.push_str("| scenario | server | request | rows | first ids | against Sluice |\n");
    md.push_str("|---|---|---|---:|---|---|\n");
    for r in same_rows {
        let first: Vec<String> = r.ids.iter().take(5).map(i64::to_string).collect();
        let more = if r.ids.len() > 5 { ", ..." } else { "" };
        let _ = writeln!(
            md,
            "| {} | {} | `{}` | {} | {}{more} | {} |",
            r.scenario,
            r.server,
            r.request,
            r.ids.len(),
            first.join(", "),
            r.verdict
        );
    }
}

/// SQLite's plans of the indexed filter as each server issues it.
pub fn query_plans_markdown(md: &mut String, plans: &[QueryPlan]) {
    if plans.is_empty() {
        return;
    }
    md.push_str(
        "\n## The indexed filter's query plans\n\nSQLite's `EXPLAIN QUERY PLAN` of each \
         server's statement on the benchmark file (the plan does not depend on the name).\n",
    );
    for plan in plans {
        let _ = writeln!(
            md,
            "\n{}: `{}`\n\n```text\n{}\n```",
            plan.server,
            plan.sql,
            plan.plan.join("\n")
        );
    }
}
