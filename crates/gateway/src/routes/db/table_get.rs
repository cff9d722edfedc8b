//! `GET /api/v2/{service}/_table/{table}[/{id}]`: record reads with DreamFactory's full query
//! surface; also `POST` + `X-HTTP-Method: GET` with the options in a JSON body. Reads of
//! services with `cache_enabled` are answered from the data cache when it holds a fresh
//! answer for this request and caller (docs/CACHING.md).

use std::future::Future;

use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use serde_json::Value;
use sluice_connector_core::{AuthorizedTable, ReadOutput, ReadRequest};

use super::{open_service, open_table, record_component, with_lookups};
use crate::auth::Principal;
use crate::auth::access::ServiceAccess;
use crate::body::JsonBody;
use crate::data_cache::{CacheTicket, CacheableRead};
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::ok_json_bytes;
use crate::state::AppState;

fn read_params(request: &HttpRequest, body: &JsonBody) -> Result<Params, ApiError> {
    let mut params = Params::from_query(request.query_string())?;
    if let Value::Object(map) = &body.0 {
        params.merge_body(map)?;
    }
    Ok(params)
}

/// Whether a filter of `read` may name a lookup: the client's filter naming one, the role's
/// row filter, or a related table's row filter. A plain read by key needs none.
fn lookups_in_play(access: &ServiceAccess, read: &ReadRequest) -> bool {
    let role_filter = access.row_access().row_filter().is_some();
    let client_lookups = read.filter.as_ref().is_some_and(|f| f.contains('{'));
    role_filter || client_lookups || read.related.is_some()
}

/// The table with the session's lookups attached when a filter may use them.
async fn prepare(
    state: &AppState,
    access: &ServiceAccess,
    table: String,
    lookups: bool,
) -> Result<AuthorizedTable, ApiError> {
    let table = open_table(state, access, table)?;
    if lookups {
        return with_lookups(state, access, table).await;
    }
    Ok(table)
}

/// The answer of a read, from the data cache when the service's reads are cached and a
/// fresh answer is stored; `load` asks the database otherwise (and its answer is stored).
async fn answer<F>(
    state: &AppState,
    cached: Option<CacheableRead>,
    load: F,
) -> Result<HttpResponse, ApiError>
where
    F: Future<Output = Result<Bytes, ApiError>>,
{
    let Some(cached) = cached else {
        return Ok(ok_json_bytes(load.await?));
    };
    if let Some(body) = state.data_cache.answer(&cached) {
        return Ok(ok_json_bytes(body));
    }
    let body = load.await?;
    state.data_cache.store(cached, body.clone());
    Ok(ok_json_bytes(body))
}

pub async fn read_records(
    ticket: CacheTicket,
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (service, table) = path.into_inner();
    let component = format!("_table/{}", table.to_ascii_lowercase());
    let access = open_service(&state, principal, &service, request.method(), &component).await?;
    let read = read_params(&request, &body)?.read_request();
    let lookups = lookups_in_play(&access, &read);
    let cached = (state.data_cache).read_for(ticket, &access, (&table, None), &read, lookups);
    let (state_ref, access_ref, read_ref) = (&state, &access, &read);
    let load = async move {
        let table = prepare(state_ref, access_ref, table, lookups).await?;
        Ok(match table.read_records(read_ref).await? {
            ReadOutput::Json(bytes) => Bytes::from(bytes),
            ReadOutput::Count(count) => Bytes::from(count.to_string()),
        })
    };
    answer(&state, cached, load).await
}

pub async fn read_record(
    ticket: CacheTicket,
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (service, table, id) = path.into_inner();
    let record = Record { service, table, id };
    read_one(ticket, principal, &state, record, &request, &body).await
}

/// The record a single-record route names, as its path gave it.
pub struct Record {
    pub service: String,
    pub table: String,
    pub id: String,
}

/// One record read, routed by actix ([`read_record`]) or directly (`super::direct`).
pub async fn read_one(
    ticket: CacheTicket,
    principal: Principal,
    state: &AppState,
    record: Record,
    request: &HttpRequest,
    body: &JsonBody,
) -> Result<HttpResponse, ApiError> {
    let Record { service, table, id } = record;
    let component = record_component(&table, &id);
    let access = open_service(state, principal, &service, request.method(), &component).await?;
    let read = read_params(request, body)?.read_request();
    let lookups = lookups_in_play(&access, &read);
    let target = (table.as_str(), Some(id.as_str()));
    let cached = (state.data_cache).read_for(ticket, &access, target, &read, lookups);
    let (access_ref, read_ref, id_ref) = (&access, &read, &id);
    let load = async move {
        let table = prepare(state, access_ref, table, lookups).await?;
        Ok(Bytes::from(table.read_record(id_ref, read_ref).await?))
    };
    answer(state, cached, load).await
}
