//! `_schema` writes: `POST /_schema` creates (or, by default, adds
//! missing fields to) tables, `DELETE /_schema/{table}` drops one, and
//! `/_schema/{table}/_field[/{f}]` adds (`POST`), renames (`PUT`/`PATCH` with a new
//! `name`) and drops (`DELETE`) columns. Each change is one transaction; the cached schema
//! is refreshed at once. Permissions: the verb on `_schema/{table}[/...]` (9.3).

use std::sync::Arc;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sluice_connector_core::{Database, FieldChange, SchemaChange};
use sluice_system_db::Topic;

use super::schema_get::table_component;
use super::{database, open_service};
use crate::auth::{Principal, ServiceAccess};
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

/// One field of a change: `field` names an existing field (`_field/{f}`), else the body's
/// `name` does.
fn field_change(field: Option<&str>, body: Value) -> Result<FieldChange, ApiError> {
    let Value::Object(definition) = body else {
        return Err(ApiError::bad_request(
            "Invalid schema detected - a field must be an object.",
        ));
    };
    let field = match field {
        Some(field) => field.to_owned(),
        None => name_of(&Value::Object(definition.clone()))?,
    };
    Ok(FieldChange { field, definition })
}

/// The fields of a table descriptor as changes: each by its `name`.
fn table_fields(table: &Value) -> Result<Vec<FieldChange>, ApiError> {
    match table.get("field") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(fields)) => fields
            .iter()
            .map(|field| field_change(None, field.clone()))
            .collect(),
        Some(_) => Err(ApiError::bad_request(
            "Invalid schema detected - 'field' must be an array.",
        )),
    }
}

/// The fields of a change as the field definitions a new table is created from.
fn definitions(fields: Vec<FieldChange>) -> Vec<Value> {
    fields
        .into_iter()
        .map(|f| Value::Object(f.definition))
        .collect()
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
        let target =
            table_database(&state, principal.clone(), &path, request.method(), &name).await?;
        let fields = match table.get("field") {
            Some(Value::Array(fields)) => fields.clone(),
            _ => Vec::new(),
        };
        let change = SchemaChange::CreateTable {
            name: name.clone(),
            fields,
            merge,
        };
        target.change(&state, change).await?;
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
        let target =
            table_database(&state, principal.clone(), &path, request.method(), &name).await?;
        target
            .change(&state, SchemaChange::DropTable(name.clone()))
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
    let target = table_database(&state, principal, &service, request.method(), &table).await?;
    target
        .change(&state, SchemaChange::DropTable(table))
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
    let target = SchemaTarget::of(&state, &access)?;
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
        ("PUT" | "PATCH", ["_field"]) => SchemaChange::AlterFields {
            table,
            fields: records(body.0)
                .into_iter()
                .map(|field| field_change(None, field))
                .collect::<Result<_, _>>()?,
            drop_missing: false,
        },
        ("PUT" | "PATCH", ["_field", field]) => SchemaChange::AlterFields {
            table,
            fields: vec![field_change(Some(field), body.0)?],
            drop_missing: false,
        },
        _ => {
            return Err(ApiError::bad_request(format!(
                "{method} requests for resource '_schema/{table}/{rest}' are not currently \
                 supported by the '{service}' service."
            )));
        }
    };
    target.change(&state, change).await?;
    Ok(ok(json!({ "success": true })))
}

/// `PUT|PATCH /_schema`: each table is changed by its descriptor's fields (PUT drops the
/// fields it does not list), or created when it does not exist (which needs POST on it,
/// as DreamFactory). Answers the wrapped names.
pub async fn update_tables(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let tables = records(body.0);
    if tables.is_empty() {
        return Err(ApiError::bad_request("No data in schema update request."));
    }
    let drop_missing = request.method() == Method::PUT;
    let mut names = Vec::new();
    for table in tables {
        let name = name_of(&table)?;
        let fields = table_fields(&table)?;
        let mut target =
            table_database(&state, principal.clone(), &path, request.method(), &name).await?;
        let exists = target.database.schema(false).await?.table(&name).is_some();
        if !exists {
            target = table_database(&state, principal.clone(), &path, &Method::POST, &name).await?;
        }
        let change = if exists {
            SchemaChange::AlterFields {
                table: name.clone(),
                fields,
                drop_missing,
            }
        } else {
            SchemaChange::CreateTable {
                name: name.clone(),
                fields: definitions(fields),
                merge: false,
            }
        };
        target.change(&state, change).await?;
        names.push(json!({ "name": name }));
    }
    Ok(ok(json!({ "resource": names })))
}

/// `POST|PUT|PATCH /_schema/{table}`: the table must exist. POST adds the fields it does not
/// have; PUT and PATCH change the listed fields (PUT also drops the others).
pub async fn update_table(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (service, table) = path.into_inner();
    let target = table_database(&state, principal, &service, request.method(), &table).await?;
    let schema = target.database.schema(false).await?;
    let Some(existing) = schema.table(&table) else {
        return Err(sluice_connector_core::ConnectorError::TableNotFound(table).into());
    };
    let table = existing.name().to_owned();
    let fields = table_fields(&body.0)?;
    let change = match request.method().as_str() {
        "POST" => SchemaChange::CreateTable {
            name: table,
            fields: definitions(fields),
            merge: true,
        },
        method => SchemaChange::AlterFields {
            table,
            fields,
            drop_missing: method == "PUT",
        },
    };
    target.change(&state, change).await?;
    Ok(ok(json!({ "success": true })))
}

/// The service's database for a change of `table`, once the role allows `method` on
/// `_schema/{table}`.
async fn table_database(
    state: &AppState,
    principal: Principal,
    service: &str,
    method: &Method,
    table: &str,
) -> Result<SchemaTarget, ApiError> {
    let access = open_service(state, principal, service, method, &table_component(table)).await?;
    SchemaTarget::of(state, &access)
}

/// An authorised service's database, whose schema a request changes.
struct SchemaTarget {
    database: Arc<Database>,
    service_id: i64,
}

impl SchemaTarget {
    fn of(state: &AppState, access: &ServiceAccess) -> Result<Self, ApiError> {
        Ok(Self {
            database: database(state, access)?,
            service_id: access.service().row.id,
        })
    }

    /// Applies `change`; once it is made, every node (several may serve the same file) drops
    /// its cached schema of the service through the change feed.
    async fn change(&self, state: &AppState, change: SchemaChange) -> Result<(), ApiError> {
        self.database.change_schema(change).await?;
        state
            .db
            .announce(Topic::Schema, &self.service_id.to_string())
            .await?;
        Ok(())
    }
}
