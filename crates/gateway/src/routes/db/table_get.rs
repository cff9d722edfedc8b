//! `GET /api/v2/{service}/_table/{table}[/{id}]`: record reads with DreamFactory's full query
//! surface; also `POST` + `X-HTTP-Method: GET` with the options in a JSON body.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use std::sync::Arc;

use sluice_connector_core::{ReadOutput, ReadRequest};

use super::{connector, open_service};
use crate::auth::Principal;
use crate::auth::access::ServiceAccess;
use crate::auth::lookups::SessionLookups;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::{ok, ok_json_bytes};
use crate::state::AppState;

fn read_params(request: &HttpRequest, body: &JsonBody) -> Result<Params, ApiError> {
    let mut params = Params::from_query(request.query_string())?;
    if let Value::Object(map) = &body.0 {
        params.merge_body(map)?;
    }
    Ok(params)
}

/// The client's read options with the role's record rules and, when a filter may use them,
/// the session's lookups.
async fn read_request(
    state: &AppState,
    access: &ServiceAccess,
    params: Params,
) -> Result<ReadRequest, ApiError> {
    let mut read = params.read_request();
    read.access = access.row_access().cloned();
    read.related_access = Some(access.related_access());
    let role_filter = read.access.as_ref().is_some_and(|a| a.row_filter.is_some());
    let client_lookups = read.filter.as_ref().is_some_and(|f| f.contains('{'));
    // A related table's row filter may use lookups too.
    if role_filter || client_lookups || read.related.is_some() {
        let table = state.access.lookups(&state.db).await?;
        read.lookups = Some(Arc::new(SessionLookups::new(
            access.principal().clone(),
            table,
        )));
    }
    Ok(read)
}

pub async fn read_records(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (service, table) = path.into_inner();
    let component = format!("_table/{}", table.to_ascii_lowercase());
    let access = open_service(&state, principal, &service, request.method(), &component).await?;
    let (connector, bounds) = connector(&state, &access)?;
    let read = read_request(&state, &access, read_params(&request, &body)?).await?;
    Ok(match connector.read_records(&table, read, bounds).await? {
        ReadOutput::Json(bytes) => ok_json_bytes(bytes),
        ReadOutput::Count(count) => ok(json!(count)),
    })
}

pub async fn read_record(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (service, table, id) = path.into_inner();
    let component = format!("_table/{}/{}", table.to_ascii_lowercase(), id);
    let access = open_service(&state, principal, &service, request.method(), &component).await?;
    let (connector, bounds) = connector(&state, &access)?;
    let read = read_request(&state, &access, read_params(&request, &body)?).await?;
    let bytes = connector.read_record(&table, &id, read, bounds).await?;
    Ok(ok_json_bytes(bytes))
}
