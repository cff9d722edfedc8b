//! Small middlewares: the request span with its id (echoed as `x-request-id`), verb
//! tunnelling, and the DreamFactory error envelope for errors produced outside our handlers
//! (unknown routes, oversized bodies).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use tracing::Instrument;
use uuid::Uuid;

use crate::error::ApiError;

/// `POST` with `X-HTTP-Method` (or `X-Method-Override`, `X-HTTP-Method-Override`) runs as that
/// verb, before routing (wire reference 15). `MERGE` is `PATCH`.
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
/// returned as `x-request-id` so a client can quote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId(Uuid);

impl RequestId {
    fn generate() -> Self {
        // The thread's generator rather than the OS: a `getrandom` call per request showed in
        // the benchmark profile (docs/PERFORMANCE.md).
        Self(uuid::Builder::from_random_bytes(rand::random()).into_uuid())
    }
}

/// Runs the request inside a `request` span (id, method, path, and the status once known)
/// and echoes the id. The span is deliberately small: tracing-actix-web's default span
/// formatted a dozen fields per request, about a third of the gateway's work for a
/// single-record read, and carried the query string, which may hold `api_key` or
/// `session_token`. The path never carries credentials.
pub async fn request_span(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = RequestId::generate();
    request.extensions_mut().insert(request_id);
    let span = tracing::info_span!(
        "request",
        request_id = %request_id.0,
        method = %request.method(),
        path = %request.path(),
        status = tracing::field::Empty,
    );
    let mut response = next.call(request).instrument(span.clone()).await?;
    span.record("status", response.status().as_u16());
    let mut text = Uuid::encode_buffer();
    let text = request_id.0.hyphenated().encode_lower(&mut text);
    if let Ok(value) = HeaderValue::from_str(text) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
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
    let status = response.status();
    let error = match status {
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
    };
    let (request, _) = response.into_parts();
    let rebuilt: HttpResponse<BoxBody> = error.error_response();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(request, rebuilt).map_into_right_body::<B>(),
    ))
}
