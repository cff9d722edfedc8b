//! `_schema` writes (wire reference 6.4): `POST /_schema` creates (or, by default, adds
//! missing fields to) tables, `DELETE /_schema/{table}` drops one, and
//! `/_schema/{table}/_field[/{f}]` adds (`POST`), renames (`PUT`/`PATCH` with a new
//! `name`) and drops (`DELETE`) columns. Each change is one transaction; the cached schema
//! is refreshed at once. Permissions: the verb on `_schema/{table}[/...]` (9.3).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sluice_connector_core::SchemaChange;

use super::schema_get::table_component;
use super::{connector, open_service};
use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::ok;
use crate::state::AppState;

/// `resource` array, bare array, or one bare object.
fn records(body: Value) -> Vec<Value> {
    match body {
        Value::Object(mut map) if map.contains_key("resource") => match map.remove("resource") {
            Some(Value::Array(items)) => items,
            Some(other) => vec![other],
            None => Vec::new(),
        },
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn name_of(record: &Value) -> Result<String, ApiError> {
    record
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| ApiError::bad_request("Invalid schema detected - no name element."))
}

/// `POST /_schema`: each table is created, or merged into when it exists (unless
/// `check_exist=true`). Answers the wrapped names.
pub async fn create_tables(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let merge = !params.flag("check_exist");
    let tables = records(body.0);
    if tables.is_empty() {
        return Err(ApiError::bad_request("No data in schema create request."));
    }
    let mut names = Vec::new();
    for table in tables {
        let name = name_of(&table)?;
        let component = table_component(&name);
        let access = open_service(
            &state,
            principal.clone(),
            &path,
            request.method(),
            &component,
        )
        .await?;
        let (connector, _) = connector(&state, &access)?;
        let fields = match table.get("field") {
            Some(Value::Array(fields)) => fields.clone(),
            _ => Vec::new(),
        };
        connector
            .change_schema(SchemaChange::CreateTable {
                name: name.clone(),
                fields,
                merge,
            })
            .await?;
        names.push(json!({ "name": name }));
    }
    Ok(ok(json!({ "resource": names })))
}

/// `DELETE /_schema?ids=a,b` (or a body list of names / `{"name"}` objects): drops each
/// table in its own transaction, in order, stopping at the first failure. Answers the
/// wrapped names.
pub async fn drop_tables(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let names: Vec<String> = match params.get(&["ids"]) {
        Some(ids) => ids.split(',').map(|s| s.trim().to_owned()).collect(),
        None => records(body.0)
            .iter()
            .map(|record| match record {
                Value::String(name) => Ok(name.clone()),
                other => name_of(other),
            })
            .collect::<Result<_, _>>()?,
    };
    if names.is_empty() {
        return Err(ApiError::bad_request(
            "No table names in schema delete request.",
        ));
    }
    let mut dropped = Vec::new();
    for name in names {
        let component = table_component(&name);
        let access = open_service(
            &state,
            principal.clone(),
            &path,
            request.method(),
            &component,
        )
        .await?;
        let (connector, _) = connector(&state, &access)?;
        connector
            .change_schema(SchemaChange::DropTable(name.clone()))
            .await?;
        dropped.push(json!({ "name": name }));
    }
    Ok(ok(json!({ "resource": dropped })))
}

/// `DELETE /_schema/{table}`.
pub async fn drop_table(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (service, table) = path.into_inner();
    let component = table_component(&table);
    let access = open_service(&state, principal, &service, request.method(), &component).await?;
    let (connector, _) = connector(&state, &access)?;
    connector
        .change_schema(SchemaChange::DropTable(table))
        .await?;
    Ok(ok(json!({ "success": true })))
}

/// `POST|PUT|PATCH|DELETE /_schema/{table}/_field[/{f}]`.
pub async fn change_fields(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (service, table) = path.into_inner();
    let rest = request
        .match_info()
        .get("rest")
        .unwrap_or_default()
        .to_string();
    let component = format!("{}/{}", table_component(&table), rest.to_ascii_lowercase());
    let access = open_service(&state, principal, &service, request.method(), &component).await?;
    let (connector, _) = connector(&state, &access)?;
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    let method = request.method().as_str();
    let change = match (method, parts.as_slice()) {
        ("POST", ["_field"]) => SchemaChange::AddFields {
            table,
            fields: records(body.0),
        },
        ("DELETE", ["_field", field]) => SchemaChange::DropField {
            table,
            field: (*field).to_owned(),
        },
        ("PUT" | "PATCH", ["_field", field]) => {
            let new_name = name_of(&body.0)?;
            if body.0.as_object().is_some_and(|m| m.len() > 1) {
                return Err(ApiError::bad_request(
                    "Only renaming a field (a new 'name') is supported; changing its type or \
                     constraints is not supported yet.",
                ));
            }
            SchemaChange::RenameField {
                table,
                field: (*field).to_owned(),
                new_name,
            }
        }
        _ => {
            return Err(ApiError::bad_request(format!(
                "{method} requests for resource '_schema/{table}/{rest}' are not currently \
                 supported by the '{service}' service."
            )));
        }
    };
    connector.change_schema(change).await?;
    Ok(ok(json!({ "success": true })))
}
