//! The limit check of one authorised request, its 429, and the `X-RateLimit-*` headers.
//!
//! The middleware [`rate_limit_headers`] puts a [`LimitNote`] holding the active limits in the
//! request's extensions when there are any (when none is active it costs two atomic loads);
//! the `Principal` extractor carries it to [`enforce`], which `auth::access` runs once the
//! role allowed the request, and which writes the outcome into the note; the middleware turns
//! the note into headers on the response, success or 429.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use serde_json::{Value, json};

use super::counter::{Allowance, Verdict, verdict};
use super::limit_object;
use super::rules::{LimitSet, RequestFacts, canonical_path, verb_bit};
use super::settings::OnRedisError;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// DreamFactory's message, trailing space included.
pub const MSG_LIMIT_EXCEEDED: &str = "API limit(s) exceeded. ";
const MSG_STORE_DOWN: &str =
    "Rate limits cannot be checked right now. Retry the request after the time in Retry-After.";

/// The limits a request is checked against, and what the check found, for the response
/// headers.
#[derive(Debug, Default)]
pub struct LimitNote {
    /// The active limits as the request began (`None` when they could not be loaded then:
    /// the check tries again, and answers the error).
    limits: Option<Arc<LimitSet>>,
    found: Mutex<Option<Found>>,
}

#[derive(Debug, Clone, Copy)]
struct Found {
    limit: i64,
    remaining: i64,
    /// Unix seconds when a refused request may pass again.
    reset: Option<i64>,
}

impl LimitNote {
    fn set(&self, found: Found) {
        *self.found.lock().unwrap_or_else(PoisonError::into_inner) = Some(found);
    }

    fn take(&self) -> Option<Found> {
        self.found
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// Gives the request a [`LimitNote`] when limits may apply, and the response the headers
/// of what the check noted in it.
pub async fn rate_limit_headers(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let note = note_limits(&request).await;
    let mut response = next.call(request).await?;
    limit_headers(note, response.headers_mut());
    Ok(response)
}

/// Leaves a [`LimitNote`] in the request's extensions when limits may apply to it: when
/// none is active this is two atomic loads.
pub async fn note_limits(request: &ServiceRequest) -> Option<Arc<LimitNote>> {
    let state = request
        .app_data::<web::Data<AppState>>()
        .filter(|state| state.rate_limits.may_limit())?;
    let limits = state.rate_limits.limits(&state.db).await.ok();
    if limits.as_ref().is_some_and(|limits| limits.is_empty()) {
        return None;
    }
    let note = Arc::new(LimitNote {
        limits,
        found: Mutex::default(),
    });
    request.extensions_mut().insert(Arc::clone(&note));
    Some(note)
}

/// The `X-RateLimit-*` headers of what the check wrote into `note`.
pub fn limit_headers(note: Option<Arc<LimitNote>>, headers: &mut HeaderMap) {
    let Some(found) = note.and_then(|note| note.take()) else {
        return;
    };
    // Constants: `from_static` checks the name each time it runs.
    const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
    const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
    const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
    headers.insert(LIMIT, HeaderValue::from(found.limit));
    headers.insert(REMAINING, HeaderValue::from(found.remaining));
    if let Some(reset) = found.reset {
        headers.insert(RESET, HeaderValue::from(reset));
    }
}

/// The note the middleware left for this request, if limits may apply to it.
pub fn note_of(request: &actix_web::HttpRequest) -> Option<Arc<LimitNote>> {
    request.extensions().get::<Arc<LimitNote>>().cloned()
}

/// Checks and counts the limits that apply to a request the role allowed on
/// `component` of service `service_id`. Administrators are never limited.
///
/// # Errors
///
/// 429 `API limit(s) exceeded. ` with `Retry-After`, naming the limits that refuse it; 503
/// when Redis cannot be reached and `rate_limits.on_redis_error` is `refuse`; 503 when the
/// limits cannot be loaded from the system database.
pub async fn enforce(
    state: &AppState,
    principal: &Principal,
    service_id: i64,
    component: &str,
    method: &Method,
) -> Result<(), ApiError> {
    let Some(note) = principal.rate_note.as_deref() else {
        return Ok(());
    };
    let is_admin = principal
        .session
        .as_ref()
        .is_some_and(|s| s.user.is_sys_admin);
    if principal.is_unrestricted() || is_admin {
        return Ok(());
    }
    let limiter = &state.rate_limits;
    let loaded;
    let set: &LimitSet = match &note.limits {
        Some(limits) => limits,
        None => {
            loaded = limiter.limits(&state.db).await?;
            &loaded
        }
    };
    if set.is_empty() {
        return Ok(());
    }
    let path = canonical_path(component);
    let facts = RequestFacts {
        user_id: principal.user_id(),
        role_id: principal.role().map(|role| role.row.id),
        service_id,
        path: &path,
        verb: verb_bit(method.as_str()),
    };
    let applicable = set.applicable(&facts);
    if applicable.is_empty() {
        return Ok(());
    }
    let keys: Vec<Cow<'_, str>> = applicable
        .iter()
        .map(|limit| limit.counter_key(facts.user_id))
        .collect();
    let keys: Vec<&str> = keys.iter().map(AsRef::as_ref).collect();
    let allowances: Vec<Allowance> = applicable
        .iter()
        .map(|limit| Allowance {
            rate: limit.rate,
            period_ms: limit.period_ms,
        })
        .collect();
    let now = state.clock.now_millis();
    let states = match limiter.store.hit(&keys, &allowances, now).await {
        Ok(states) => states,
        Err(error) => {
            state.metrics.count_rate_limit_store_error();
            limiter.warn_store_error(&error, now);
            return match limiter.on_redis_error {
                OnRedisError::Allow => Ok(()),
                OnRedisError::Refuse => Err(ApiError::unavailable(MSG_STORE_DOWN)),
            };
        }
    };
    match verdict(&allowances, &states, now) {
        None => Ok(()),
        Some(Verdict::Passed { index, remaining }) => {
            note.set(Found {
                limit: allowances[index].rate,
                remaining,
                reset: None,
            });
            Ok(())
        }
        Some(Verdict::Refused { index, until }) => {
            let retry_after = ceil_seconds(until - now);
            note.set(Found {
                limit: allowances[index].rate,
                remaining: 0,
                reset: Some(ceil_seconds(until)),
            });
            let refusing: Vec<Value> = applicable
                .iter()
                .zip(&states)
                .filter(|(_, state)| state.is_locked(now))
                .map(|(limit, _)| {
                    json!({"id": limit.row.id, "name": limit.row.limit.name,
                           "object": limit_object(&limit.row)})
                })
                .collect();
            Err(ApiError::too_many_requests(
                MSG_LIMIT_EXCEEDED,
                u32::try_from(retry_after).unwrap_or(u32::MAX),
            )
            .with_context(Value::Array(refusing)))
        }
    }
}

/// Whole seconds, rounded up, so a client that waits that long is never early.
fn ceil_seconds(millis: i64) -> i64 {
    millis.div_euclid(1000) + i64::from(millis.rem_euclid(1000) != 0)
}

#[cfg(test)]
mod tests {
    use super::ceil_seconds;

    #[test]
    fn seconds_round_up() {
        assert_eq!(ceil_seconds(60_000), 60);
        assert_eq!(ceil_seconds(59_001), 60);
        assert_eq!(ceil_seconds(1), 1);
        assert_eq!(ceil_seconds(0), 0);
    }
}
