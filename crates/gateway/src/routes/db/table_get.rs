//! `GET /api/v2/{service}/_table/{table}[/{id}]`: record reads with DreamFactory's full query
//! surface; also `POST` + `X-HTTP-Method: GET` with the options in a JSON body.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sluice_connector_core::{AuthorizedTable, ReadOutput, ReadRequest};

use super::{open_service, open_table, with_lookups};
use crate::auth::Principal;
use crate::auth::access::ServiceAccess;
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

/// The client's read options, and the table with the session's lookups when a filter may
/// use them: the client's filter naming one, the role's row filter, or a related table's
/// row filter. A plain read by key skips them.
async fn prepare(
    state: &AppState,
    access: &ServiceAccess,
    table: AuthorizedTable,
    params: Params,
) -> Result<(AuthorizedTable, ReadRequest), ApiError> {
    let read = params.read_request();
    let role_filter = access.row_access().row_filter().is_some();
    let client_lookups = read.filter.as_ref().is_some_and(|f| f.contains('{'));
    if role_filter || client_lookups || read.related.is_some() {
        return Ok((with_lookups(state, access, table).await?, read));
    }
    Ok((table, read))
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
    let table = open_table(&state, &access, table)?;
    let (table, read) = prepare(&state, &access, table, read_params(&request, &body)?).await?;
    Ok(match table.read_records(&read).await? {
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
    let table = open_table(&state, &access, table)?;
    let (table, read) = prepare(&state, &access, table, read_params(&request, &body)?).await?;
    let bytes = table.read_record(&id, &read).await?;
    Ok(ok_json_bytes(bytes))
}
