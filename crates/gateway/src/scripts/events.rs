//! The middleware on `/api/v2/{service}` that runs event scripts around a service's
//! endpoints (wire reference 12): `pre_process` scripts before the handler (they may change
//! the request, or answer it), `post_process` scripts after it (they may change the
//! response), then `queued` scripts after the response has gone, without delaying it.
//!
//! A request reaches the handler as it always does, scripts or not: the handler makes its
//! own access check and applies the role's row filters and hidden fields to whatever request
//! the scripts left, so a script cannot widen what the caller may read or write. Scripts run
//! only for callers the role lets use the endpoint, checked first here.
//!
//! Cost when unused: a node without active scripts checks one flag; a service without
//! scripts one set lookup. The scripts come from the in-memory directory, never from the
//! system database.

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use bytes::Bytes;
use serde_json::{Value, json};

use super::directory::EventScript;
use super::event_names::{POST, PRE, QUEUED, RequestEvents, request_events};
use super::exchange::{RequestView, ResponseView, body_view, parameters, visible_headers};
use super::platform::{Caller, run_script};
use super::service;
use crate::auth::Principal;
use crate::auth::access::check_access;
use crate::error::ApiError;
use crate::registry::Backend;
use crate::state::AppState;

/// The scripts of one request's events, by phase, in the order they run.
struct Planned {
    pre: Vec<Arc<EventScript>>,
    post: Vec<Arc<EventScript>>,
    queued: Vec<Arc<EventScript>>,
}

fn plan(state: &AppState, events: &RequestEvents) -> Option<Planned> {
    let find = |phase| {
        events
            .of_phase(phase)
            .filter_map(|name| state.scripts.directory.get(&name))
            .collect::<Vec<_>>()
    };
    let planned = Planned {
        pre: find(PRE),
        post: find(POST),
        queued: find(QUEUED),
    };
    let none = planned.pre.is_empty() && planned.post.is_empty() && planned.queued.is_empty();
    (!none).then_some(planned)
}

pub async fn service_scripts(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let name = request.match_info().get("service").unwrap_or_default();
    if !may_script(&state, name) {
        return Ok(next.call(request).await?.map_into_boxed_body());
    }
    let name = name.to_owned();
    if let Some(entry) = state.services.get(&name)
        && let Backend::Script { config } = &entry.backend
    {
        let source = Arc::clone(&config.content);
        return Box::pin(service::serve(request, &state, entry, source)).await;
    }
    let service = name.to_ascii_lowercase();
    let rest = rest_of_path(&request);
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let verb = request.method().as_str().to_ascii_lowercase();
    let events = request_events(&service, &segments, &verb);
    let Some(planned) = plan(&state, &events) else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    // Boxed: the scripted path's state is large, and inline it would make every request's
    // future as large, copied whole each time actix boxes it (measured: about 10,000
    // instructions a request in `memcpy`, scripts or not).
    Box::pin(around(
        request, next, &state, &service, &rest, events, planned,
    ))
    .await
}

/// Whether a request to service `name` may meet a script: the service is a scripted service
/// or has event scripts on this node. The path of nearly every request: no scripted service
/// and no event script on this node, two atomic loads.
pub(crate) fn may_script(state: &AppState, name: &str) -> bool {
    if !state.services.has_script_services() && state.scripts.directory.is_empty() {
        return false;
    }
    let scripted_service = state
        .services
        .get(name)
        .is_some_and(|entry| matches!(entry.backend, Backend::Script { .. }));
    scripted_service || (state.scripts.directory).has_service(&name.to_ascii_lowercase())
}

/// The path after `/{service}`, as the handlers see it: what the scope's routing has not
/// matched yet (searching the path for the service's name would stop at `/api` for a
/// service named `api`).
pub(crate) fn rest_of_path(request: &ServiceRequest) -> String {
    request
        .match_info()
        .unprocessed()
        .trim_matches('/')
        .to_owned()
}

async fn around(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    state: &web::Data<AppState>,
    service: &str,
    rest: &str,
    events: RequestEvents,
    planned: Planned,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let principal = match request.extract::<Principal>().await {
        Ok(principal) => principal,
        Err(error) => return Ok(request.error_response(error)),
    };
    let component = rest.to_ascii_lowercase();
    let entry = state.services.get(service);
    if let Some(entry) = &entry
        && let Err(error) = check_access(&principal, entry, request.method(), &component)
    {
        return Ok(request.error_response(error));
    }
    if entry.is_none_or(|e| !e.row.is_active) {
        // The handler answers (404, or 403 for a deactivated service); no script runs.
        return Ok(next.call(request).await?.map_into_boxed_body());
    }
    // The handler's extractor reuses this principal: the identity scripts ran for.
    request.extensions_mut().insert(principal.clone());
    let caller = Caller::of(&principal, &request);
    let body = match read_body(&mut request).await {
        Ok(body) => body,
        Err(error) => return Ok(request.error_response(error)),
    };
    let (payload, content) = body_view(&body);
    let mut view = RequestView {
        method: request.method().clone(),
        parameters: parameters(request.query_string()),
        headers: visible_headers(request.headers()),
        payload,
        content,
        content_type: content_type(request.headers()),
        uri: request.path().to_owned(),
        service: service.to_owned(),
        resource: rest.to_owned(),
    };
    let resource = events.resource.clone();
    let event = |view: &RequestView, response: Option<&ResponseView>| {
        json!({
            "request": view.to_json(),
            "response": response.map(ResponseView::to_json),
            "resource": resource,
        })
    };
    let mut modified = false;
    for script in &planned.pre {
        let outcome = run_script(state, &caller, script, event(&view, None)).await;
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(error) => return Ok(request.error_response(error)),
        };
        // A script that sets `event.response` answers the request itself.
        if outcome.event["response"].is_object() {
            let answer = ResponseView::from_script(&outcome.event["response"]).to_response();
            return Ok(request.into_response(answer));
        }
        if script.allow_event_modification {
            view.take_changes(&outcome.event["request"]);
            modified = true;
        }
        if outcome.returned["stop_propagation"] == json!(true) {
            break;
        }
    }
    if modified {
        apply(&mut request, &view, body);
    } else {
        request.set_payload(payload_of(body));
    }
    let response = next.call(request).await?;
    let (http_request, response) = response.into_parts();
    let status = response.status();
    let response_type = content_type(response.headers());
    let response_headers = response.headers().clone();
    let response_body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap_or_default();
    let mut answer = ResponseView::new(status, response_type, &response_body);
    let mut rewritten = false;
    for script in &planned.post {
        match run_script(state, &caller, script, event(&view, Some(&answer))).await {
            Ok(outcome) if script.allow_event_modification => {
                answer.take_changes(&outcome.event["response"]);
                rewritten = true;
            }
            Ok(_) => {}
            Err(error) => return Ok(ServiceResponse::new(http_request, error.error_response())),
        }
    }
    let final_response = if rewritten {
        answer.to_response()
    } else {
        let mut original = HttpResponse::with_body(status, BoxBody::new(response_body));
        *original.headers_mut() = response_headers;
        original
    };
    if !planned.queued.is_empty() {
        queue(state, caller, planned.queued, event(&view, Some(&answer)));
    }
    Ok(ServiceResponse::new(http_request, final_response))
}

/// The request body, read whole (within `server.max_body_bytes`).
async fn read_body(request: &mut ServiceRequest) -> Result<Bytes, ApiError> {
    request.extract::<Bytes>().await.map_err(|_| {
        ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large.",
        )
    })
}

/// Gives the handler the request as the `pre_process` scripts left it: method, query string,
/// headers and body.
fn apply(request: &mut ServiceRequest, view: &RequestView, original_body: Bytes) {
    let original_headers = request.headers().clone();
    let body = match &view.payload {
        Value::Null => original_body,
        payload => Bytes::from(payload.to_string()),
    };
    let head = request.head_mut();
    head.method = view.method.clone();
    let query = view.query_string();
    let path = head.uri.path().to_owned();
    let uri = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    if let Ok(uri) = uri.parse() {
        head.uri = uri;
    }
    head.headers = view.header_map(&original_headers);
    if !matches!(view.payload, Value::Null) {
        head.headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        );
    }
    request.set_payload(payload_of(body));
}

/// A payload holding `body`, to hand the request on after it was read.
pub(crate) fn payload_of(body: Bytes) -> actix_web::dev::Payload {
    let (_, mut payload) = actix_http::h1::Payload::create(true);
    payload.unread_data(body);
    payload.into()
}

pub(crate) fn content_type(headers: &header::HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Runs the `queued` scripts after the response, on this worker, one after the other;
/// failures are logged.
fn queue(
    state: &web::Data<AppState>,
    caller: Caller,
    scripts: Vec<Arc<EventScript>>,
    event: Value,
) {
    let state = state.clone();
    actix_web::rt::spawn(async move {
        for script in scripts {
            if let Err(error) = run_script(&state, &caller, &script, event.clone()).await {
                tracing::warn!(script = %script.name, error = %error.message, "queued script failed");
            }
        }
    });
}
