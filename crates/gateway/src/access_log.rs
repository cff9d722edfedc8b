//! What is recorded when a request is answered: one access-log line (target
//! `sluice::access`, at info) and the request metrics, both by the request-span middleware,
//! for every request, refused ones included.
//!
//! The line names the route template (`/api/v2/{service}/_table/{table}`), never the path
//! with its ids, and never the query string, headers or body, which may carry API keys,
//! session tokens, passwords or filter values.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpMessage, HttpRequest};
use tracing::Level;

use crate::metrics::ServiceLabel;
use crate::registry::ServiceRegistry;
use crate::state::AppState;

/// The log target of access lines, for filters such as `sluice::access=off,info`.
pub const TARGET: &str = "sluice::access";

/// Who made a request, as far as authentication found out: the extractors note it in the
/// request's extensions, and the access line reports it once the response is ready.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Identity {
    pub app_id: Option<i64>,
    pub user_id: Option<i64>,
}

/// Notes who the caller is (see [`Identity`]); a later note replaces an earlier one, so the
/// extractor that knows most (the app as well as the user) has the last word.
pub fn note_identity(request: &HttpRequest, identity: Identity) {
    request.extensions_mut().insert(identity);
}

/// The route template of a request answered without actix's routing, set by the layer that
/// answered it (`routes::db::direct`): `HttpRequest::match_pattern` would match the path
/// against every route again to find it.
#[derive(Debug, Clone, Copy)]
pub struct KnownRoute(pub &'static str);

/// What the middleware knows of an answered request.
pub struct Answered<'a> {
    /// `None` when the request never reached routing (refused first, or a layer failed).
    pub request: Option<&'a HttpRequest>,
    pub method: &'a Method,
    pub status: StatusCode,
    pub started: Instant,
    /// The request's id as text, as `x-request-id` returns it.
    pub request_id: &'a str,
}

/// Counts the request (unless metrics are off) and writes its access line (unless the log
/// filter leaves `sluice::access` out); with both off, it costs nothing more.
pub fn record(state: Option<&AppState>, answered: &Answered<'_>) {
    let counted = state.filter(|state| state.settings.metrics.enabled);
    if counted.is_none() && !tracing::enabled!(target: TARGET, Level::INFO) {
        return;
    }
    let elapsed = answered.started.elapsed();
    let route = answered.request.and_then(route_template);
    let service = match (state, answered.request, route.as_deref()) {
        (Some(state), Some(request), Some(route)) => service_label(route, request, &state.services),
        _ => ServiceLabel::Other,
    };
    if let Some(state) = counted {
        state
            .metrics
            .observe_request(&service, answered.method, answered.status, elapsed);
    }
    let identity = answered
        .request
        .and_then(|request| request.extensions().get::<Identity>().copied())
        .unwrap_or_default();
    tracing::info!(
        target: TARGET,
        method = answered.method.as_str(),
        route = route.as_deref().unwrap_or("-"),
        status = answered.status.as_u16(),
        // Whole microseconds, so the number prints short (0.412, not 0.41199999999999998).
        duration_ms = elapsed.as_micros() as f64 / 1000.0,
        service = service.as_str(),
        app_id = identity.app_id,
        user_id = identity.user_id,
        request_id = answered.request_id,
        "request answered"
    );
}

fn route_template(request: &HttpRequest) -> Option<Cow<'static, str>> {
    let known = request.extensions().get::<KnownRoute>().copied();
    match known {
        Some(KnownRoute(route)) => Some(Cow::Borrowed(route)),
        None => request.match_pattern().map(Cow::Owned),
    }
}

/// The service a routed request is counted under (see [`ServiceLabel`]), from its route
/// template: a database service's name only when it is registered.
fn service_label(route: &str, request: &HttpRequest, services: &ServiceRegistry) -> ServiceLabel {
    let api = route
        .strip_prefix("/api/v2")
        .or_else(|| route.strip_prefix("/api"));
    let Some(api) = api else {
        return match route.split('/').nth(1) {
            Some("docs") => ServiceLabel::Docs,
            Some("health" | "metrics") => ServiceLabel::Health,
            _ => ServiceLabel::Other,
        };
    };
    match api.split('/').nth(1) {
        Some("system") => ServiceLabel::System,
        Some("user") => ServiceLabel::User,
        Some("api_docs") => ServiceLabel::Docs,
        Some("{service}") => request
            .match_info()
            .get("service")
            .and_then(|name| services.get(name))
            .map_or(ServiceLabel::Other, |entry| {
                ServiceLabel::Named(Arc::clone(&entry.label))
            }),
        _ => ServiceLabel::Other,
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn fixed_routes_are_counted_under_fixed_words() {
        let request = TestRequest::default().to_http_request();
        let services = ServiceRegistry::default();
        for (route, label) in [
            ("/api/v2/system/service/{id}", ServiceLabel::System),
            ("/api/system/admin/session", ServiceLabel::System),
            ("/api/v2/user/session", ServiceLabel::User),
            ("/api/v2/api_docs/{service}", ServiceLabel::Docs),
            ("/docs", ServiceLabel::Docs),
            ("/health/ready", ServiceLabel::Health),
            ("/metrics", ServiceLabel::Health),
            ("/api/v2", ServiceLabel::Other),
            ("/", ServiceLabel::Other),
        ] {
            assert_eq!(service_label(route, &request, &services), label, "{route}");
        }
    }

    #[test]
    fn an_unregistered_service_is_other() {
        let request = TestRequest::default()
            .param("service", "nosuch")
            .to_http_request();
        let services = ServiceRegistry::default();
        assert_eq!(
            service_label("/api/v2/{service}/_table/{table}", &request, &services),
            ServiceLabel::Other
        );
    }
}
