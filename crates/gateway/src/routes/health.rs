//! `GET /health` (liveness) and `GET /health/ready` (readiness), for load balancers and
//! orchestrators. Neither needs credentials; both live outside `/api/v2`, so nothing that
//! limits API requests applies to them.
//!
//! Readiness runs the [`CHECKS`] at once, each within [`CHECK_TIMEOUT`]: 200 when every
//! configured one answers, else 503 in DreamFactory's envelope naming what is down. Neither
//! answer ever holds a URL, password or path: only the checks' names and "ok" / "down".

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use futures::future::{BoxFuture, join_all};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::state::AppState;

/// How long one check may take before it counts as down: well under a load balancer's
/// check interval, so a hanging dependency shows as down instead of stalling the check.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(live))
        .route("/health/ready", web::get().to(ready));
}

/// 200 whenever the process serves requests.
async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// What one check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Health {
    Ok,
    Down,
    /// The dependency is not configured on this node: left out of the answer.
    NotConfigured,
}

/// One named readiness check: its key in the answer, the words of the 503 message when it
/// is down, and how to probe it (the probe need not bound its own time).
struct ReadinessCheck {
    name: &'static str,
    down: &'static str,
    probe: for<'a> fn(&'a AppState) -> BoxFuture<'a, Health>,
}

/// Every readiness check, in the order the 503 message names them. A new dependency is one
/// more entry here with its probe below.
const CHECKS: &[ReadinessCheck] = &[
    ReadinessCheck {
        name: "system_db",
        down: "the system database is unreachable",
        probe: system_db,
    },
    ReadinessCheck {
        name: "redis",
        down: "redis is unreachable",
        probe: redis,
    },
    ReadinessCheck {
        name: "change_feed",
        down: "the change feed is behind",
        probe: change_feed,
    },
];

fn system_db(state: &AppState) -> BoxFuture<'_, Health> {
    Box::pin(async move {
        match state.db.ping(CHECK_TIMEOUT).await {
            Ok(()) => Health::Ok,
            Err(error) => {
                // Debug: a load balancer probes every second, and the change feed already
                // warns once when the system database stops answering.
                tracing::debug!(%error, "readiness: the system database did not answer");
                Health::Down
            }
        }
    })
}

fn redis(state: &AppState) -> BoxFuture<'_, Health> {
    Box::pin(async move {
        match &state.redis {
            None => Health::NotConfigured,
            Some(redis) if redis.ping(CHECK_TIMEOUT).await => Health::Ok,
            Some(_) => Health::Down,
        }
    })
}

/// Down past `change_feed.max_stale_seconds` without confirming that every change of the
/// system database is applied: API requests answer 503 then too.
fn change_feed(state: &AppState) -> BoxFuture<'_, Health> {
    let health = if state.is_stale() {
        Health::Down
    } else {
        Health::Ok
    };
    Box::pin(std::future::ready(health))
}

/// 200 `{"status":"ok","checks":{...}}` when every configured check answers; 503 otherwise.
async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let probes = CHECKS.iter().map(|check| {
        let state = &state;
        async move {
            let health = tokio::time::timeout(CHECK_TIMEOUT, (check.probe)(state))
                .await
                .unwrap_or(Health::Down);
            (check, health)
        }
    });
    let results = join_all(probes).await;
    let mut checks = Map::new();
    let mut down = Vec::new();
    for (check, health) in results {
        let word = match health {
            Health::Ok => "ok",
            Health::Down => {
                down.push(check.down);
                "down"
            }
            Health::NotConfigured => continue,
        };
        checks.insert(check.name.to_string(), Value::from(word));
    }
    if down.is_empty() {
        return HttpResponse::Ok().json(json!({"status": "ok", "checks": checks}));
    }
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("Not ready: {}.", down.join(", ")),
    )
    .with_context(Value::Object(checks))
    .error_response()
}
