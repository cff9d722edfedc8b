//! How fast a decision changed on one node is in force on the others, and whether any request
//! sees a stale decision once the change is acknowledged plus a grace second.
//!
//! A probe role grants GET on one table; a probe app carries it. Every period the harness
//! flips that grant on node A (PATCH of the role's access row: GET, then POST only, then GET
//! again...) and notes when the answer arrives (the acknowledgement). Meanwhile one task per
//! target (node A, node B, haproxy) sends the probe read with the probe app's key back to
//! back over a keep-alive connection and records when each request left, when its answer came
//! and what it said (200 allowed, 401 denied). Afterwards, for every change and target: the
//! time from the acknowledgement to the first answer with the new decision among requests
//! sent after it; and every answer to a request sent at least the grace after an
//! acknowledgement (and before the next change was sent) must carry that change's decision.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use hyper::StatusCode;
use serde::Serialize;
use serde_json::json;

use crate::load::{Call, Endpoint, connect, describe_failure, send};
use crate::report::round;
use crate::setup::Admin;

/// The rule: a request sent this long after a change's acknowledgement sees the change.
pub const GRACE: Duration = Duration::from_secs(1);
/// One change per period. Longer than the grace, so that each change leaves half a second in
/// which the rule is checked before the next change is sent.
pub const PERIOD: Duration = Duration::from_millis(1500);
pub const VERB_GET: u32 = 1;
/// What the access row grants while GET is withdrawn: the row stays, the decision flips.
const VERB_POST_ONLY: u32 = 2;

/// A target the probes are sent to.
pub struct ProbeTarget {
    pub name: &'static str,
    pub endpoint: Endpoint,
}

/// The probe role's access row that the changes flip, and the read it decides.
pub struct ProbeGrant {
    pub role_id: i64,
    pub access_id: i64,
    /// GET of a table the row names, with the probe app's key in `ProbeTarget::endpoint`.
    pub read: Call,
    /// When the role was created with GET granted.
    pub granted_at: Instant,
}

#[derive(Debug, Serialize)]
pub struct TargetFigures {
    pub target: &'static str,
    pub answers: u64,
    /// Changes whose new decision this target gave within the period.
    pub changes_seen: usize,
    pub changes_not_seen: usize,
    /// Acknowledgement to the arrival of the first answer with the new decision (one probe
    /// round trip included).
    pub median_ms: f64,
    pub max_ms: f64,
    /// The same from when the PATCH was sent (it includes the commit), among requests sent
    /// after that: how soon the change was in force at all.
    pub from_patch_sent_median_ms: f64,
    pub from_patch_sent_max_ms: f64,
    /// Requests sent after an acknowledgement, within the grace, answered with the decision
    /// from before it: allowed by the rule, but the writing node should have none (it applies
    /// its own change before it acknowledges).
    pub old_within_grace: u64,
    pub stale_after_grace: u64,
}

#[derive(Debug, Serialize)]
pub struct Propagation {
    pub changes: usize,
    pub period_ms: u128,
    pub grace_ms: u128,
    /// The PATCH, sent to acknowledged.
    pub patch_median_ms: f64,
    pub patch_max_ms: f64,
    pub targets: Vec<TargetFigures>,
    /// Answers to requests sent at least the grace after an acknowledgement.
    pub answers_checked: u64,
    pub violations: u64,
    pub first_violation: Option<String>,
    /// Answers that were neither 200 nor 401, and transport failures.
    pub probe_errors: u64,
    pub first_probe_error: Option<String>,
}

/// How long [`run`] takes for `changes` changes: a quiet period first, then one per change.
pub fn phase_length(changes: usize) -> Duration {
    PERIOD * (changes as u32 + 1)
}

struct Change {
    sent: Instant,
    acked: Instant,
    allowed: bool,
}

struct Answer {
    sent: Instant,
    received: Instant,
    allowed: bool,
}

#[derive(Default)]
struct ProbeLog {
    answers: Vec<Answer>,
    errors: u64,
    first_error: Option<String>,
}

/// Flips the probe grant `changes` times through `admin` (node A) while probing `targets`.
///
/// # Errors
///
/// A PATCH fails (a broken run, not a figure).
pub async fn run(
    admin: &Admin,
    grant: &ProbeGrant,
    targets: &[ProbeTarget],
    changes: usize,
) -> anyhow::Result<Propagation> {
    let stop = Arc::new(AtomicBool::new(false));
    let probes: Vec<_> = targets
        .iter()
        .map(|target| {
            let endpoint = target.endpoint.clone();
            let read = grant.read.clone();
            let stop = Arc::clone(&stop);
            tokio::spawn(async move { probe(&endpoint, &read, &stop).await })
        })
        .collect();
    let flipped = flip(admin, grant, changes).await;
    stop.store(true, Ordering::Relaxed);
    let mut logs = Vec::new();
    for task in probes {
        logs.push(task.await.context("a probe task failed")?);
    }
    let history = flipped?;
    let initial = Change {
        sent: grant.granted_at,
        acked: grant.granted_at,
        allowed: true,
    };
    Ok(analyse(&initial, &history, targets, &logs))
}

/// One quiet period, then a change at the start of each following period, then one more
/// period for the last change's check.
async fn flip(admin: &Admin, grant: &ProbeGrant, changes: usize) -> anyhow::Result<Vec<Change>> {
    let start = tokio::time::Instant::now();
    let path = format!("/api/v2/system/role/{}", grant.role_id);
    let mut history = Vec::with_capacity(changes);
    for index in 0..changes {
        tokio::time::sleep_until(start + PERIOD * (index as u32 + 1)).await;
        // The first change withdraws GET, the next grants it again, and so on.
        let allowed = index % 2 == 1;
        let verb_mask = if allowed { VERB_GET } else { VERB_POST_ONLY };
        let body = json!({"role_service_access_by_role_id":
                          [{"id": grant.access_id, "verb_mask": verb_mask}]});
        let sent = Instant::now();
        admin.patch(&path, body).await?;
        history.push(Change {
            sent,
            acked: Instant::now(),
            allowed,
        });
    }
    tokio::time::sleep_until(start + phase_length(changes)).await;
    Ok(history)
}

async fn probe(endpoint: &Endpoint, read: &Call, stop: &AtomicBool) -> ProbeLog {
    let mut log = ProbeLog::default();
    let mut sender = None;
    while !stop.load(Ordering::Relaxed) {
        let connection = match sender.as_mut() {
            Some(connection) => connection,
            None => match connect(endpoint.addr).await {
                Ok(connection) => sender.insert(connection),
                Err(error) => {
                    log.error(|| format!("connect: {error:#}"));
                    tokio::task::yield_now().await;
                    continue;
                }
            },
        };
        let sent = Instant::now();
        let answer = send(connection, endpoint, read.clone()).await;
        let received = Instant::now();
        match answer {
            Ok((StatusCode::OK, _)) => log.answers.push(Answer {
                sent,
                received,
                allowed: true,
            }),
            Ok((StatusCode::UNAUTHORIZED, _)) => log.answers.push(Answer {
                sent,
                received,
                allowed: false,
            }),
            Ok((status, body)) => log.error(|| describe_failure(status, &body)),
            Err(error) => {
                log.error(|| format!("transport: {error:#}"));
                sender = None;
            }
        }
    }
    log
}

impl ProbeLog {
    fn error(&mut self, message: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(message());
        }
    }
}

fn analyse(
    initial: &Change,
    history: &[Change],
    targets: &[ProbeTarget],
    logs: &[ProbeLog],
) -> Propagation {
    let mut patch_ms: Vec<f64> = history
        .iter()
        .map(|c| millis(c.acked.duration_since(c.sent)))
        .collect();
    patch_ms.sort_by(f64::total_cmp);
    let mut figures = Vec::new();
    let (mut checked, mut violations, mut first_violation) = (0, 0, None);
    for (target, log) in targets.iter().zip(logs) {
        let first_new = |change: &Change, from: Instant, until: Option<Instant>| {
            log.answers.iter().find(|a| {
                a.sent >= from
                    && until.is_none_or(|next| a.sent < next)
                    && a.allowed == change.allowed
            })
        };
        let (mut latencies, mut from_patch) = (Vec::new(), Vec::new());
        for (index, change) in history.iter().enumerate() {
            let next_sent = history.get(index + 1).map(|next| next.sent);
            if let Some(answer) = first_new(change, change.acked, next_sent) {
                latencies.push(millis(answer.received.duration_since(change.acked)));
            }
            if let Some(answer) = first_new(change, change.sent, next_sent) {
                from_patch.push(millis(answer.received.duration_since(change.sent)));
            }
        }
        let (mut old, mut stale) = (0, 0);
        for answer in &log.answers {
            // The change in force when the request left: the last one sent before it.
            let index = history.partition_point(|c| c.sent <= answer.sent);
            let (number, change) = match index {
                0 => (0, initial),
                _ => (index, &history[index - 1]),
            };
            if answer.sent < change.acked + GRACE {
                if index > 0 && answer.sent >= change.acked && answer.allowed != change.allowed {
                    old += 1;
                }
                continue;
            }
            checked += 1;
            if answer.allowed != change.allowed {
                stale += 1;
                violations += 1;
                first_violation.get_or_insert_with(|| {
                    format!(
                        "{}: a request sent {:.0} ms after change {number} was acknowledged \
                         was answered as before it (GET {})",
                        target.name,
                        millis(answer.sent.duration_since(change.acked)),
                        if answer.allowed { "allowed" } else { "denied" },
                    )
                });
            }
        }
        latencies.sort_by(f64::total_cmp);
        from_patch.sort_by(f64::total_cmp);
        figures.push(TargetFigures {
            target: target.name,
            answers: log.answers.len() as u64,
            changes_seen: latencies.len(),
            changes_not_seen: history.len() - latencies.len(),
            median_ms: round(median(&latencies), 2),
            max_ms: round(latencies.last().copied().unwrap_or(0.0), 2),
            from_patch_sent_median_ms: round(median(&from_patch), 2),
            from_patch_sent_max_ms: round(from_patch.last().copied().unwrap_or(0.0), 2),
            old_within_grace: old,
            stale_after_grace: stale,
        });
    }
    Propagation {
        changes: history.len(),
        period_ms: PERIOD.as_millis(),
        grace_ms: GRACE.as_millis(),
        patch_median_ms: round(median(&patch_ms), 2),
        patch_max_ms: round(patch_ms.last().copied().unwrap_or(0.0), 2),
        targets: figures,
        answers_checked: checked,
        violations,
        first_violation,
        probe_errors: logs.iter().map(|log| log.errors).sum(),
        first_probe_error: logs.iter().find_map(|log| log.first_error.clone()),
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The middle of sorted `values` (0 when there are none).
fn median(values: &[f64]) -> f64 {
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;

    fn at(base: Instant, millis: u64) -> Instant {
        base + Duration::from_millis(millis)
    }

    fn answer(base: Instant, sent: u64, allowed: bool) -> Answer {
        Answer {
            sent: at(base, sent),
            received: at(base, sent + 1),
            allowed,
        }
    }

    #[test]
    fn analyse_measures_from_the_acknowledgement_and_counts_stale_answers_after_the_grace() {
        let base = Instant::now();
        let initial = Change {
            sent: base,
            acked: base,
            allowed: true,
        };
        let history = [
            Change {
                sent: at(base, 1500),
                acked: at(base, 1510),
                allowed: false,
            },
            Change {
                sent: at(base, 3000),
                acked: at(base, 3010),
                allowed: true,
            },
        ];
        let log = ProbeLog {
            answers: vec![
                // Checked against the initial grant, a second after it: allowed, as it should.
                answer(base, 1200, true),
                // Within the grace of the first change: old, then new (first seen at 1606).
                answer(base, 1600, true),
                answer(base, 1605, false),
                // A second after the first change and still allowed: stale.
                answer(base, 2600, true),
                // Within the grace of the second change, new at once (3021).
                answer(base, 3020, true),
            ],
            ..ProbeLog::default()
        };
        let targets = [ProbeTarget {
            name: "node-b",
            endpoint: Endpoint {
                addr: SocketAddr::from(([127, 0, 0, 1], 1)),
                api_key: None,
            },
        }];

        let figures = analyse(&initial, &history, &targets, &[log]);

        assert_eq!(figures.changes, 2);
        assert_eq!(figures.answers_checked, 2);
        assert_eq!(figures.violations, 1);
        let first = figures.first_violation.as_deref().unwrap_or_default();
        assert!(
            first.starts_with("node-b: a request sent 1090 ms after change 1"),
            "{first}"
        );
        let node_b = &figures.targets[0];
        assert_eq!(node_b.changes_seen, 2);
        assert_eq!(node_b.changes_not_seen, 0);
        assert_eq!(node_b.median_ms, 53.5);
        assert_eq!(node_b.max_ms, 96.0);
        // From the PATCH: 1606 - 1500 and 3021 - 3000.
        assert_eq!(node_b.from_patch_sent_median_ms, 63.5);
        assert_eq!(node_b.from_patch_sent_max_ms, 106.0);
        assert_eq!(node_b.old_within_grace, 1);
        assert_eq!(node_b.stale_after_grace, 1);
        assert_eq!(figures.patch_median_ms, 10.0);
    }

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 9.0]), 3.0);
    }
}
