//! Whether the servers of a scenario answer with the same rows in the same order: one
//! request each, with the parameters the check draws (the same seed gives every server the
//! same id or last name), compared by `id` against Sluice's answer. A faster server that
//! returns other rows is not serving the same read.

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;
use serde_json::Value;

use crate::load::{Endpoint, Plan, describe_failure, probe};
use crate::report::{SLUICE, SOUL};
use crate::scenarios::Scenario;
use crate::soul;

/// The seed of the compared request: the one [`crate::measure::check`] uses.
const SEED: u64 = 7;

/// One server's answer to the compared request of a scenario.
#[derive(Debug, Serialize)]
pub struct SameRows {
    pub scenario: String,
    pub server: &'static str,
    pub request: String,
    /// The `id` of every row, in the order they came.
    pub ids: Vec<i64>,
    /// Against Sluice's ids: `reference` (Sluice itself), `same rows, same order`, `same
    /// rows, another order`, `different rows ...`, or why there was no answer.
    pub verdict: String,
}

/// Fetches and compares one answer of `scenario` from every `(server, endpoint, plan)`;
/// Sluice's is the reference. Failed requests are reported, not raised: the scenario's own
/// check decides whether the run can go on.
pub async fn compare(
    scenario: Scenario,
    servers: &[(&'static str, &Endpoint, Plan)],
) -> Vec<SameRows> {
    let mut answers = Vec::new();
    for (server, endpoint, plan) in servers {
        let call = plan(&mut StdRng::seed_from_u64(SEED));
        let request = call.path_and_query.clone();
        let ids = match probe(endpoint, call).await {
            Ok((status, body)) if status.is_success() => ids_of(scenario, server, &body),
            Ok((status, body)) => Err(describe_failure(status, &body)),
            Err(error) => Err(format!("{error:#}")),
        };
        answers.push((*server, request, ids));
    }
    let reference = answers
        .iter()
        .find(|(server, ..)| *server == SLUICE)
        .and_then(|(_, _, ids)| ids.as_ref().ok())
        .cloned();
    answers
        .into_iter()
        .map(|(server, request, ids)| {
            let (ids, verdict) = match ids {
                Ok(ids) if server == SLUICE => (ids, "reference".to_string()),
                Ok(ids) => {
                    let verdict = reference.as_ref().map_or_else(
                        || "no answer from Sluice to compare with".to_string(),
                        |reference| verdict(reference, &ids),
                    );
                    (ids, verdict)
                }
                Err(error) => (Vec::new(), format!("no answer: {error}")),
            };
            SameRows {
                scenario: scenario.name().to_string(),
                server,
                request,
                ids,
                verdict,
            }
        })
        .collect()
}

/// The ids of an answer: every record's of a list, the record's own for a read by key.
fn ids_of(scenario: Scenario, server: &str, body: &[u8]) -> Result<Vec<i64>, String> {
    let body: Value = serde_json::from_slice(body).map_err(|_| "not JSON".to_string())?;
    let body = if server == SOUL {
        soul::as_dreamfactory(scenario, body)
    } else {
        body
    };
    let records = match body["resource"].as_array() {
        Some(records) => records.iter().collect(),
        None => vec![&body],
    };
    records
        .into_iter()
        .map(|record| {
            record["id"]
                .as_i64()
                .ok_or_else(|| "a row without an integer id".to_string())
        })
        .collect()
}

fn verdict(reference: &[i64], ids: &[i64]) -> String {
    if ids == reference {
        return "same rows, same order".to_string();
    }
    let mut sorted = ids.to_vec();
    let mut expected = reference.to_vec();
    sorted.sort_unstable();
    expected.sort_unstable();
    if sorted == expected {
        return "same rows, another order".to_string();
    }
    let shared = ids.iter().filter(|id| reference.contains(id)).count();
    format!(
        "different rows: {} rows, {shared} of them among Sluice's {}",
        ids.len(),
        reference.len()
    )
}

#[cfg(test)]
mod tests {
    use super::verdict;

    #[test]
    fn verdict_tells_order_from_membership() {
        assert_eq!(verdict(&[1, 2, 3], &[1, 2, 3]), "same rows, same order");
        assert_eq!(verdict(&[1, 2, 3], &[3, 1, 2]), "same rows, another order");
        assert_eq!(
            verdict(&[1, 2, 3], &[1, 4]),
            "different rows: 2 rows, 1 of them among Sluice's 3"
        );
    }
}
