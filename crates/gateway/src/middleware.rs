//! Small middlewares: the request span with its id (echoed as `x-request-id`) and the
//! headers every response carries, verb tunnelling, and the DreamFactory error envelope for
//! errors produced outside our handlers (unknown routes, oversized bodies).

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{ConnectionType, Method, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{HttpResponse, ResponseError, web};
use tracing::Instrument;
use uuid::Uuid;

use crate::access_log::{self, Answered};
use crate::error::ApiError;
use crate::state::AppState;

/// `POST` with `X-HTTP-Method` (or `X-Method-Override`, `X-HTTP-Method-Override`) runs as that
/// verb, before routing. `MERGE` is `PATCH`.
pub async fn verb_tunnelling(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if request.method() == Method::POST {
        let headers = request.headers();
        let wanted = [
            "x-http-method",
            "x-method-override",
            "x-http-method-override",
        ]
        .iter()
        .find_map(|name| headers.get(*name))
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_uppercase());
        let method = match wanted.as_deref() {
            Some("GET") => Some(Method::GET),
            Some("PUT") => Some(Method::PUT),
            Some("PATCH" | "MERGE") => Some(Method::PATCH),
            Some("DELETE") => Some(Method::DELETE),
            _ => None,
        };
        if let Some(method) = method {
            request.head_mut().method = method;
        }
    }
    next.call(request).await
}

/// The id of one request: a random UUID, logged with everything the request does and
/// returned as `x-request-id` so a client can quote it. From the thread's generator rather
/// than the OS: a `getrandom` call per request showed in the benchmark profile
/// (docs/PERFORMANCE.md).
fn new_request_id() -> Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

/// Limits on the request head that Sluice checks itself (`server.max_uri_bytes`,
/// `server.max_header_bytes`), well below actix's own limit on a request head (128 KiB), so a
/// client learns which limit it crossed, in DreamFactory's envelope (docs/HTTP-ERRORS.md).
#[derive(Debug, Clone, Copy)]
pub struct HeadLimits {
    pub max_uri_bytes: usize,
    pub max_header_bytes: usize,
}

/// Runs the request inside a `request` span (id, method, path) and echoes the id. The span is deliberately small: tracing-actix-web's default span
/// formatted a dozen fields per request, about a third of the gateway's work for a
/// single-record read, and carried the query string, which may hold `api_key` or
/// `session_token`. The path never carries credentials.
///
/// As the outermost layer it also refuses what no handler should see (see
/// `refused_before_routing`), sets the headers every response carries (see
/// [`security_headers`]), errors of the layers inside included, and records every answer
/// once: its access line and its metrics ([`access_log::record`]).
pub async fn request_span(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    limits: HeadLimits,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    // Only the `Data` handle is kept: a clone of the request itself would stop routing from
    // updating it.
    let state = (request.app_data::<web::Data<AppState>>()).map(|data| data.clone().into_inner());
    let request_id = new_request_id();
    let mut text = Uuid::encode_buffer();
    let request_id_text: &str = request_id.hyphenated().encode_lower(&mut text);
    let span = tracing::info_span!(
        "request",
        request_id = request_id_text,
        method = request.method().as_str(),
        path = request.path(),
    );
    let credentials = carries_credentials(request.path());
    crate::files::trailing::note_trailing_slash(&request);
    let mut response = if let Some(refusal) = refused_before_routing(&request, limits) {
        let mut response = refusal.error.error_response();
        if refusal.close {
            response
                .head_mut()
                .set_connection_type(ConnectionType::Close);
        }
        request.into_response(response).map_into_right_body()
    } else {
        let method = request.method().clone();
        // The span itself, not a clone: cloning and dropping the clone cost two calls into
        // the subscriber's registry a request.
        match next.call(request).instrument(span).await {
            Ok(response) => response.map_into_left_body(),
            Err(error) => {
                // A layer failed instead of answering (none of ours does): the response actix
                // would build from the error still gets the envelope and the headers.
                let status = error.as_response_error().status_code();
                let answered = Answered {
                    request: None,
                    method: &method,
                    status,
                    started,
                    request_id: request_id_text,
                };
                access_log::record(state.as_deref(), &answered);
                let mut response = envelope_for(status).error_response();
                stamp(response.headers_mut(), request_id_text, credentials);
                return Err(InternalError::from_response(error.to_string(), response).into());
            }
        }
    };
    let answered = Answered {
        request: Some(response.request()),
        method: response.request().method(),
        status: response.status(),
        started,
        request_id: request_id_text,
    };
    access_log::record(state.as_deref(), &answered);
    stamp(response.headers_mut(), request_id_text, credentials);
    Ok(response)
}

/// The request id and the headers of [`security_headers`].
fn stamp(headers: &mut HeaderMap, request_id: &str, credentials: bool) {
    // A constant: `from_static` checks the name each time it runs.
    const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert(REQUEST_ID, value);
    }
    security_headers(credentials, headers);
}

/// A request refused before routing, and whether its connection is closed after the answer
/// (when what follows the head cannot be trusted).
struct Refusal {
    error: ApiError,
    close: bool,
}

impl Refusal {
    fn closing(error: ApiError) -> Option<Self> {
        Some(Self { error, close: true })
    }
}

/// The error for a request no handler should see: a request target past
/// `server.max_uri_bytes` (414), headers past `server.max_header_bytes` (431, whatever they
/// hold: an over-long `Authorization` is not a credential problem), or an API request that
/// prefers a response format Sluice does not produce yet (400, docs/COMPATIBILITY.md).
fn refused_before_routing(request: &ServiceRequest, limits: HeadLimits) -> Option<Refusal> {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if target > limits.max_uri_bytes {
        return Refusal::closing(ApiError::new(
            StatusCode::URI_TOO_LONG,
            format!(
                "The request URI is too long: the limit is {} bytes.",
                limits.max_uri_bytes
            ),
        ));
    }
    // Each header line is `name: value` and CRLF.
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > limits.max_header_bytes {
        return Refusal::closing(ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "The request headers are too large: the limit is {} bytes.",
                limits.max_header_bytes
            ),
        ));
    }
    let accept = request.headers().get(header::ACCEPT)?.to_str().ok()?;
    let format = unbuilt_format(accept)?;
    api_path(request.path()).is_some().then(|| Refusal {
        error: ApiError::bad_request(format!(
            "The response format {format} is not supported: Sluice answers in JSON \
             (Accept: application/json)."
        )),
        close: false,
    })
}

/// The formats DreamFactory produces when asked with `Accept` that Sluice does not yet.
const UNBUILT_FORMATS: &[&str] = &["text/csv", "application/xml", "text/xml"];

/// The media type `accept` prefers (highest `q`, the first of equals) when it is one of
/// [`UNBUILT_FORMATS`]. Most requests send `*/*` or JSON and leave after the first test.
fn unbuilt_format(accept: &str) -> Option<&'static str> {
    let mentions = |word: &[u8]| {
        accept
            .as_bytes()
            .windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word))
    };
    if !mentions(b"csv") && !mentions(b"xml") {
        return None;
    }
    let mut best: Option<(&str, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media_type = parts.next().unwrap_or_default().trim();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if best.is_none_or(|(_, q)| quality > q) {
            best = Some((media_type, quality));
        }
    }
    let (preferred, quality) = best?;
    if quality <= 0.0 {
        return None;
    }
    UNBUILT_FORMATS
        .iter()
        .copied()
        .find(|f| f.eq_ignore_ascii_case(preferred))
}

/// The segments of `path` after `/api` or `/api/v2`, when it is an API path. Empty segments
/// are skipped and case is ignored, as the path is the one received, before normalisation.
/// Split byte by byte: `str::split` and its searcher cost every request about 500
/// instructions more (docs/PERFORMANCE.md).
fn api_path(path: &str) -> Option<impl Iterator<Item = &[u8]>> {
    let mut segments = path
        .as_bytes()
        .split(|&byte| byte == b'/')
        .filter(|s| !s.is_empty())
        .peekable();
    if !segments.next()?.eq_ignore_ascii_case(b"api") {
        return None;
    }
    if segments
        .peek()
        .is_some_and(|s| s.eq_ignore_ascii_case(b"v2"))
    {
        segments.next();
    }
    Some(segments)
}

/// Whether `path` is under `/api[/v2]/system` or `/api[/v2]/user`: a path that only looks
/// unusual errs towards `no-store`.
fn carries_credentials(path: &str) -> bool {
    api_path(path)
        .and_then(|mut rest| rest.next())
        .is_some_and(|s| s.eq_ignore_ascii_case(b"system") || s.eq_ignore_ascii_case(b"user"))
}

/// `X-Content-Type-Options: nosniff` on every response, and `Cache-Control: no-store` on
/// every response of the system API and the user service (`credentials`): those are the ones
/// that carry session tokens (sessions, registration, password changes) and API keys (apps,
/// and apps related to other system resources), and none of them is worth caching.
pub fn security_headers(credentials: bool, headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if credentials {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// The envelope standing in for an error actix produced without one.
fn envelope_for(status: StatusCode) -> ApiError {
    match status {
        StatusCode::NOT_FOUND => ApiError::not_found("Resource not found."),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "The request method is not supported by this resource.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is larger than the server accepts.",
        ),
        s if s.is_server_error() => ApiError::internal(format!("unhandled {s} response")),
        s => ApiError::new(s, "The request could not be processed."),
    }
}

/// Rewrites error responses that are not already JSON (actix's own 404, 405, 413, payload
/// errors) into DreamFactory's envelope.
pub fn envelope_errors<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(
            response.map_into_left_body(),
        ));
    }
    let error = envelope_for(response.status());
    // actix's 405 names the resource's methods in `Allow`; the envelope keeps it.
    let allow = response.headers().get(header::ALLOW).cloned();
    let (request, _) = response.into_parts();
    let mut rebuilt: HttpResponse<BoxBody> = error.error_response();
    if let Some(allow) = allow {
        rebuilt.headers_mut().insert(header::ALLOW, allow);
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(request, rebuilt).map_into_right_body::<B>(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_and_user_paths_carry_credentials() {
        for path in [
            "/api/v2/system/admin/session",
            "/api/system/app/1",
            "//api//v2/USER/session/",
            "/api/v2/user",
        ] {
            assert!(carries_credentials(path), "{path}");
        }
        for path in [
            "/api/v2/db/_table/user",
            "/api/v2",
            "/docs",
            "/",
            "/api/v2/api_docs",
        ] {
            assert!(!carries_credentials(path), "{path}");
        }
    }

    #[test]
    fn only_a_preferred_unbuilt_format_is_refused() {
        for (accept, refused) in [
            ("text/csv", Some("text/csv")),
            ("TEXT/XML; charset=utf-8", Some("text/xml")),
            (
                "application/json;q=0.5, application/xml",
                Some("application/xml"),
            ),
            ("text/csv, application/json", Some("text/csv")),
            ("application/json, text/csv", None),
            ("application/json, text/csv;q=0.9", None),
            (
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                None,
            ),
            ("*/*", None),
            ("text/csv;q=0", None),
        ] {
            assert_eq!(unbuilt_format(accept), refused, "{accept}");
        }
    }
}
