//! CORS as DreamFactory configures it (`/api/v2/system/cors`): a middleware outside
//! authentication answers preflights and marks the responses of allowed cross-origin
//! requests. A request without `Origin` passes untouched and costs one header lookup.

mod rules;

use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use sluice_system_db::{DbError, SystemDb};

use crate::auth::snapshot::Snapshot;
use crate::metrics::CacheCounts;
use crate::state::AppState;

pub use rules::{CorsRules, list_entries, parse_origin};

/// The rules this node answers with, loaded on the first cross-origin request and dropped by
/// the change feed whenever the `cors` table changes.
#[derive(Default)]
pub struct CorsPolicy {
    rules: Snapshot<CorsRules>,
}

impl CorsPolicy {
    /// The current rules.
    ///
    /// # Errors
    ///
    /// The system database cannot be read.
    pub async fn rules(&self, db: &SystemDb) -> Result<Arc<CorsRules>, DbError> {
        self.rules
            .get_or_load(|| async { Ok(CorsRules::compile(&db.cors().list().await?)) })
            .await
    }

    /// How many cross-origin requests found the rules loaded, and how many loaded them.
    pub fn reads(&self) -> CacheCounts {
        self.rules.reads()
    }

    /// Drops the rules; the next cross-origin request reads them again.
    pub fn invalidate(&self) {
        self.rules.invalidate();
    }
}

/// The CORS middleware. A preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`) that the rule for its path allows is answered here with
/// 204; one it does not allow goes on as any other request, and gets no CORS headers.
pub async fn cors(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(origin) = request.headers().get(header::ORIGIN).cloned() else {
        return Ok(next.call(request).await?.map_into_left_body());
    };
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(request).await?.map_into_left_body());
    };
    let rules = match state.cors.rules(&state.db).await {
        Ok(rules) => rules,
        Err(error) => {
            tracing::warn!(%error, "cannot read the CORS rules; answering without CORS headers");
            return Ok(next.call(request).await?.map_into_left_body());
        }
    };
    let Some(rule) = rules.for_path(request.path()) else {
        return Ok(next.call(request).await?.map_into_left_body());
    };
    let allowed = rule.allows(&origin);
    let is_preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let allowed = match (is_preflight, allowed) {
        (true, Some(allowed)) => match rule.preflight(allowed, request.headers()) {
            Some(headers) => {
                let mut response = HttpResponse::NoContent();
                for (name, value) in headers {
                    response.insert_header((name, value));
                }
                response.insert_header((header::VARY, HeaderValue::from_static("Origin")));
                let response = request.into_response(response.finish());
                return Ok(response.map_into_right_body());
            }
            None => None,
        },
        (true, None) => None,
        (false, allowed) => allowed,
    };
    let mut response = next.call(request).await?;
    let headers = response.headers_mut();
    // The answer for this path depends on the origin, allowed or not: shared caches must
    // not hand one origin's answer to another.
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(allowed) = allowed {
        rule.decorate(allowed, headers);
    }
    Ok(response.map_into_left_body())
}
