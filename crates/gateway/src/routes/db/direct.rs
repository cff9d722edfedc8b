//! The commonest request, a plain `GET /api/v2/{service}/_table/{table}/{id}` of a database
//! service, answered by the same handler code as the routed request, without the layers and
//! route tables on its way there.
//!
//! Those layers (CORS, the error envelope, trailing slashes, verb tunnelling, the two scopes
//! and their regexes, the stale-state check, the event-script and file-service middlewares,
//! the extractors) cost a one-row read about a sixth of its instructions, and for such a
//! request none of them changes anything. So this layer, right inside the request span,
//! takes a request only when every one of them would let it through unchanged, and leaves
//! everything else to the routes:
//!
//! - `GET`, with neither `Origin` (CORS) nor a body (a `Content-Length` other than 0, or
//!   `Transfer-Encoding`);
//! - a path of exactly `/api/v2/{service}/_table/{table}/{id}`, each segment non-empty and
//!   made of unreserved characters only (letters, digits, `-`, `.`, `_`, `~`): nothing to
//!   percent-decode, no trailing or doubled slash to normalise, and the same segments the
//!   route's patterns would capture;
//! - a service that is a database service (not the system API, the user service, a file or
//!   scripted service) with no event scripts, on a node whose state is current.
//!
//! What it does is what the routes do, through the same functions: the rate-limit note and
//! its headers (`rate_limits`), the cache ticket before the caller is resolved, the
//! `Principal` extractor, and `table_get::read_one`. Its answers are JSON (records or
//! DreamFactory's error envelope), which the error-envelope layer would leave as they are.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use serde_json::Value;

use super::table_get::{Record, read_one};
use crate::access_log::KnownRoute;
use crate::auth::Principal;
use crate::body::JsonBody;
use crate::data_cache::CacheTicket;
use crate::rate_limits::{limit_headers, note_limits};
use crate::scripts::events::may_script;
use crate::state::AppState;

/// The route template of the requests this layer answers, as `routes::db` registers it.
pub const ROUTE: &str = "/api/v2/{service}/_table/{table}/{id}";

pub async fn record_reads(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(request).await?.map_into_left_body());
    };
    let Some(record) = direct_record(&request, &state) else {
        return Ok(next.call(request).await?.map_into_left_body());
    };
    let note = note_limits(&request).await;
    // The access line and the metrics name the route and service as for a routed request.
    (request.match_info_mut()).add_static("service", record.service.clone());
    request.extensions_mut().insert(KnownRoute(ROUTE));
    let ticket = CacheTicket::now(&state);
    let answer = match request.extract::<Principal>().await {
        Ok(principal) => {
            let body = JsonBody(Value::Null);
            read_one(ticket, principal, &state, record, request.request(), &body).await
        }
        Err(error) => Err(error),
    };
    let response = answer.unwrap_or_else(|error| error.error_response());
    let mut response = request.into_response(response);
    limit_headers(note, response.headers_mut());
    Ok(response.map_into_right_body())
}

/// The record `request` reads, when this layer may answer it (see the module's text).
fn direct_record(request: &ServiceRequest, state: &AppState) -> Option<Record> {
    if request.method() != Method::GET {
        return None;
    }
    let headers = request.headers();
    let body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|length| length != "0");
    if body || headers.contains_key(header::ORIGIN) {
        return None;
    }
    let (service, table, id) = record_path(request.path())?;
    let served =
        (state.services.get(service)).is_some_and(|entry| entry.backend.database().is_some());
    if !served || may_script(state, service) || state.is_stale() {
        return None;
    }
    Some(Record {
        service: service.to_owned(),
        table: table.to_owned(),
        id: id.to_owned(),
    })
}

/// Service, table and id of a path of exactly `/api/v2/{service}/_table/{table}/{id}` whose
/// segments are non-empty and unreserved, the service not one of the API's own scopes.
fn record_path(path: &str) -> Option<(&str, &str, &str)> {
    let rest = path.strip_prefix("/api/v2/")?;
    let mut segments = rest.split('/');
    let service = segments.next()?;
    if segments.next()? != "_table" {
        return None;
    }
    let (table, id) = (segments.next()?, segments.next()?);
    if segments.next().is_some() {
        return None;
    }
    let own_scope = ["system", "user", "api_docs"]
        .iter()
        .any(|scope| service.eq_ignore_ascii_case(scope));
    let plain = [service, table, id]
        .iter()
        .all(|segment| unreserved(segment));
    (plain && !own_scope).then_some((service, table, id))
}

fn unreserved(segment: &str) -> bool {
    !segment.is_empty()
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use super::record_path;

    #[test]
    fn only_plain_record_paths_are_taken() {
        assert_eq!(
            record_path("/api/v2/db/_table/employees/42"),
            Some(("db", "employees", "42"))
        );
        assert_eq!(
            record_path("/api/v2/My-DB/_table/a.b_c~d/x-1"),
            Some(("My-DB", "a.b_c~d", "x-1"))
        );
        for path in [
            "/api/v2/db/_table/employees/42/",
            "/api/v2/db/_table/employees",
            "/api/v2/db/_table//42",
            "/api/v2//_table/employees/42",
            "/api//v2/db/_table/employees/42",
            "/api/db/_table/employees/42",
            "/api/v2/db/_TABLE/employees/42",
            "/api/v2/db/_schema/employees/42",
            "/api/v2/db/_table/employees/4%202",
            "/api/v2/db/_table/employees/a,b",
            "/api/v2/db/_table/employees/42/extra",
            "/api/v2/system/_table/employees/42",
            "/api/v2/USER/_table/employees/42",
            "/api/v2/api_docs/_table/employees/42",
            "/API/v2/db/_table/employees/42",
        ] {
            assert_eq!(record_path(path), None, "{path}");
        }
    }
}
