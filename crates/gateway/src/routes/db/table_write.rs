//! `POST`, `PUT`, `PATCH` and `DELETE` on `/api/v2/{service}/_table/{table}[/{id}]`: record
//! writes with DreamFactory's body shapes, targets, batches, `fields` and `related`,
//! and nested writes through relationships. The handler reaches the
//! table only through `open_table`, whose handle carries the role's record rules, its access
//! to the related tables and the session; core's plan applies them to every statement
//! (the row filter is checked on each row before and after the write).

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;
use sluice_connector_core::{WriteKind, WriteRequest, unwrap_records};

use super::{open_service, open_table, record_component, with_lookups};
use crate::auth::Principal;
use crate::auth::access::ServiceAccess;
use crate::body::UnreadBody;
use crate::data_cache::announce_write;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::ok_json_bytes;
use crate::state::AppState;

fn kind_of(method: &Method) -> WriteKind {
    match *method {
        Method::POST => WriteKind::Create,
        Method::DELETE => WriteKind::Delete,
        _ => WriteKind::Update,
    }
}

/// The write options from the query string, then the same names in a JSON object body.
fn write_params(request: &HttpRequest, body: &Value) -> Result<Params, ApiError> {
    let mut params = Params::from_query(request.query_string())?;
    if let Value::Object(map) = body {
        params.merge_body(map)?;
    }
    Ok(params)
}

/// Runs `write` on `table` as the caller may; record values may name lookups, so the
/// session's are always attached. Once it ran, cached reads of the service are dropped on
/// every node (when it has them).
async fn write(
    state: &AppState,
    access: ServiceAccess,
    table: String,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let table = open_table(state, &access, table)?;
    let table = with_lookups(state, &access, table).await?;
    let output = table.write(&write).await;
    announce_write(state, &access).await;
    Ok(ok_json_bytes(output?.body))
}

/// `/_table/{table}`: records in the body (`{"resource":[...]}` or a bare array), or `ids`,
/// `filter`, `force`.
pub async fn write_records(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
    body: UnreadBody,
) -> Result<HttpResponse, ApiError> {
    let (service, table) = path.into_inner();
    let component = format!("_table/{}", table.to_ascii_lowercase());
    let access = open_service(&state, principal, &service, request.method(), &component).await?;
    let _turn = state.write_gate.enter().await?;
    let body = body.read(&request).await?;
    let params = write_params(&request, &body.0)?;
    let mut request_body = params.write_request(kind_of(request.method()));
    request_body.records = unwrap_records(body.0)?;
    write(&state, access, table, request_body).await
}

/// `/_table/{table}/{id}`: the body object is the one record, as it is.
pub async fn write_record(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    request: HttpRequest,
    body: UnreadBody,
) -> Result<HttpResponse, ApiError> {
    let (service, table, id) = path.into_inner();
    let component = record_component(&table, &id);
    let access = open_service(&state, principal, &service, request.method(), &component).await?;
    let _turn = state.write_gate.enter().await?;
    let body = body.read(&request).await?;
    let params = Params::from_query(request.query_string())?;
    let mut write_request = params.write_request(kind_of(request.method()));
    write_request.id = Some(id);
    if let Value::Object(record) = body.0 {
        write_request.records = vec![record];
    }
    write(&state, access, table, write_request).await
}
