//! Measuring one scenario: one answer of each server checked, each warmed up, then each
//! loaded back to back at every connection count, so all of them see the same machine.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::load::{self, Endpoint, Plan, probe};
use crate::process::ServerProcess;
use crate::report::{Measurement, SOUL};
use crate::scenarios::Scenario;
use crate::soul;

/// One server's part in a scenario.
pub struct Contender<'a> {
    /// `floor`, `sluice` or `soul`.
    pub server: &'static str,
    pub endpoint: &'a Endpoint,
    pub plan: Plan,
    /// The process serving `endpoint`, for its peak memory.
    pub process: &'a ServerProcess,
}

/// How long and at which connection counts every scenario is loaded.
pub struct Pace {
    pub connections: Vec<usize>,
    pub duration: Duration,
}

impl Pace {
    pub fn new(connections: Vec<usize>, seconds: f64) -> Self {
        Self {
            connections,
            duration: Duration::from_secs_f64(seconds),
        }
    }

    fn warm_up(&self) -> Duration {
        self.duration.mul_f64(0.2).min(Duration::from_secs(2))
    }
}

/// Measures `scenario` on every contender; `engine` prefixes the names of runs made on
/// another database engine than SQLite. `index` seeds the request generators.
pub async fn measure_scenario(
    scenario: Scenario,
    engine: Option<&str>,
    contenders: &[Contender<'_>],
    pace: &Pace,
    index: usize,
) -> anyhow::Result<Vec<Measurement>> {
    let label = match engine {
        Some(engine) => format!("{engine} {}", scenario.name()),
        None => scenario.name().to_string(),
    };
    for contender in contenders {
        let server = contender.server;
        check(scenario, server, contender.endpoint, &contender.plan)
            .await
            .with_context(|| format!("{label} on {server}"))?;
        load::run(
            contender.endpoint,
            Arc::clone(&contender.plan),
            4,
            pace.warm_up(),
            0,
        )
        .await;
    }
    let mut measurements = Vec::new();
    for &connections in &pace.connections {
        for contender in contenders {
            eprintln!(
                "{label} on {} with {connections} connections",
                contender.server
            );
            let seed = (index * 1000 + connections) as u64;
            let plan = Arc::clone(&contender.plan);
            let cpu_before = contender.process.cpu_seconds()?;
            let result =
                load::run(contender.endpoint, plan, connections, pace.duration, seed).await;
            let cpu = contender.process.cpu_seconds()? - cpu_before;
            let peak = contender.process.peak_rss_kib()?;
            let mut measurement =
                Measurement::new(scenario, contender.server, connections, &result, peak)
                    .with_cpu_seconds(cpu);
            if let Some(engine) = engine {
                measurement = measurement.on_engine(engine);
            }
            eprintln!(
                "  {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
                measurement.requests_per_s,
                measurement.p50_ms,
                measurement.p99_ms,
                measurement.errors
            );
            measurements.push(measurement);
        }
    }
    Ok(measurements)
}

/// One request of the scenario must succeed and look right before it is timed.
pub async fn check(
    scenario: Scenario,
    server: &str,
    endpoint: &Endpoint,
    plan: &Plan,
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(7);
    let (status, body) = probe(endpoint, plan(&mut rng)).await?;
    if !status.is_success() {
        bail!("{}", load::describe_failure(status, &body));
    }
    let mut body: serde_json::Value =
        serde_json::from_slice(&body).with_context(|| format!("{server} answered non-JSON"))?;
    if server == SOUL {
        body = soul::as_dreamfactory(scenario, body);
    }
    scenario.check(&body)
}
