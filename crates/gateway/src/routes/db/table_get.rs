//! `GET /api/v2/{service}/_table/{table}[/{id}]`: record reads with DreamFactory's full query
//! surface; also `POST` + `X-HTTP-Method: GET` with the options in a JSON body.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sluice_connector_core::ReadOutput;

use super::{connector, open_service};
use crate::auth::Caller;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::{ok, ok_json_bytes};
use crate::state::AppState;

fn read_params(request: &HttpRequest, body: &JsonBody) -> Result<Params, ApiError> {
    let mut params = Params::from_query(request.query_string())?;
    if let Value::Object(map) = &body.0 {
        params.merge_body(map);
    }
    Ok(params)
}

pub async fn read_records(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (service, table) = path.into_inner();
    let component = format!("_table/{}", table.to_ascii_lowercase());
    let access = open_service(&state, &caller, &service, request.method(), &component).await?;
    let (connector, bounds) = connector(&state, &access)?;
    let read = read_params(&request, &body)?.read_request();
    Ok(match connector.read_records(&table, read, bounds).await? {
        ReadOutput::Json(bytes) => ok_json_bytes(bytes),
        ReadOutput::Count(count) => ok(json!(count)),
    })
}

pub async fn read_record(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (service, table, id) = path.into_inner();
    let component = format!("_table/{}/{}", table.to_ascii_lowercase(), id);
    let access = open_service(&state, &caller, &service, request.method(), &component).await?;
    let (connector, bounds) = connector(&state, &access)?;
    let read = read_params(&request, &body)?.read_request();
    let bytes = connector.read_record(&table, &id, read, bounds).await?;
    Ok(ok_json_bytes(bytes))
}
