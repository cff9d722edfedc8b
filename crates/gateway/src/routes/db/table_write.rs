//! `POST`, `PUT`, `PATCH` and `DELETE` on `/api/v2/{service}/_table/{table}[/{id}]`: record
//! writes with DreamFactory's body shapes, targets, batches, `fields` and `related` (wire
//! reference 4), and nested writes through relationships (5.3). The role's record rules, its
//! access to the related tables and the session travel with the request into the connector,
//! which applies them to every statement (rules R3, R4).

use std::sync::Arc;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;
use sluice_connector_core::{WriteBounds, WriteKind, WriteRequest, unwrap_records};

use super::{connector, open_service};
use crate::auth::Principal;
use crate::auth::access::ServiceAccess;
use crate::auth::lookups::SessionLookups;
use crate::body::UnreadBody;
use crate::error::ApiError;
use crate::params::Params;
use crate::registry::Backend;
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

async fn write(
    state: &AppState,
    access: ServiceAccess,
    table: &str,
    mut write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let (connector, read) = connector(state, &access)?;
    if let Backend::Sqlite { config, .. } = &access.service().backend {
        write.allow_upsert = config.allow_upsert;
    }
    write.access = access.row_access().cloned();
    write.related_access = Some(access.related_access());
    write.user_id = access.principal().user_id();
    let lookups = state.access.lookups(&state.db).await?;
    write.lookups = Some(Arc::new(SessionLookups::new(
        access.principal().clone(),
        lookups,
    )));
    let bounds = WriteBounds {
        max_batch_records: state.settings.limits.batch_records_max,
        read,
    };
    let output = connector.write(table, write, bounds).await?;
    Ok(ok_json_bytes(output.body))
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
    write(&state, access, &table, request_body).await
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
    let component = format!("_table/{}/{}", table.to_ascii_lowercase(), id);
    let access = open_service(&state, principal, &service, request.method(), &component).await?;
    let _turn = state.write_gate.enter().await?;
    let body = body.read(&request).await?;
    let params = Params::from_query(request.query_string())?;
    let mut write_request = params.write_request(kind_of(request.method()));
    write_request.id = Some(id);
    if let Value::Object(record) = body.0 {
        write_request.records = vec![record];
    }
    write(&state, access, &table, write_request).await
}
