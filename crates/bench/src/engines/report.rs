//! The engines run's report: every measurement, Sluice / floor per engine and scenario, and
//! the target (Sluice at least 0.8 of the floor on every read), reported, never failing the
//! run.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::{READS, SCENARIOS};
use crate::report::{
    Header, Measurement, Ratio, Target, errors_list, measurements_table, publish, ratios_of,
    ratios_table, targets_table,
};

/// The goal for Sluice / floor requests per second on every read.
const READ_RATIO_GOAL: f64 = 0.80;

/// The database servers measured.
#[derive(Debug, Default, Serialize)]
pub struct Versions {
    pub postgres: Option<String>,
    pub mysql: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct EngineReport {
    #[serde(flatten)]
    pub header: Header,
    pub seconds_per_run: f64,
    pub client_threads: usize,
    pub employees: i64,
    pub versions: Versions,
    pub sluice_peak_rss_mib: f64,
    pub measurements: Vec<Measurement>,
    pub ratios: Vec<Ratio>,
    pub targets: Vec<Target>,
}

impl EngineReport {
    pub fn total_errors(&self) -> u64 {
        self.measurements.iter().map(|m| m.errors).sum()
    }

    /// The ratios, then the read target for each of them and the errors.
    pub fn evaluate(&mut self) {
        self.ratios = ratios_of(&self.measurements);
        let is_read = |scenario: &str| {
            READS
                .iter()
                .any(|read| scenario.ends_with(&format!(" {}", read.name())))
        };
        let mut targets: Vec<Target> = self
            .ratios
            .iter()
            .filter(|ratio| is_read(&ratio.scenario))
            .map(|ratio| {
                Target::new(
                    format!(
                        "{} @{}: Sluice / floor req/s",
                        ratio.scenario, ratio.connections
                    ),
                    ratio.ratio,
                    &format!(">= {READ_RATIO_GOAL:.2}"),
                    ratio.ratio >= READ_RATIO_GOAL,
                )
            })
            .collect();
        let errors = self.total_errors() as f64;
        targets.push(Target::new(
            "errors, all scenarios",
            errors,
            "0",
            errors == 0.0,
        ));
        self.targets = targets;
    }

    pub fn publish(&self, out: &Path) -> anyhow::Result<()> {
        publish(out, self, &self.markdown())
    }

    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Sluice engines benchmark ({})\n", self.header.mode);
        let _ = writeln!(
            md,
            "{} · {} s per run, {} client threads, {} employees · PostgreSQL {} · MySQL {}\n",
            self.header.line(),
            self.seconds_per_run,
            self.client_threads,
            self.employees,
            self.versions.postgres.as_deref().unwrap_or("not measured"),
            self.versions.mysql.as_deref().unwrap_or("not measured"),
        );
        md.push_str(
            "| scenario | request (to the service `pgsql` or `mysql` in place of `db`/`dbw`) \
             |\n|---|---|\n",
        );
        for scenario in SCENARIOS {
            let _ = writeln!(md, "| {} | `{}` |", scenario.name(), scenario.description());
        }
        md.push('\n');
        measurements_table(&mut md, &self.measurements);
        ratios_table(&mut md, &self.ratios);
        let _ = writeln!(
            md,
            "\nSluice: peak RSS {:.1} MiB.\n",
            self.sluice_peak_rss_mib
        );
        targets_table(&mut md, &self.targets);
        errors_list(&mut md, &self.measurements);
        md
    }
}
