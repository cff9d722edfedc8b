//! `GET /api/v2/{service}/_schema[/{table}[/_field|_related[/{name}]]]`: table descriptors,
//! filtered by the role: tables it grants nothing on are not
//! listed, fields it hides are absent, `access` is its verb mask on `_schema/{table}`.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use sluice_connector_core::json::{
    SchemaView, TableSummary, visible_relations, write_fields, write_relation_descriptor,
    write_schema_table,
};
use sluice_connector_core::{ConnectorError, SchemaSnapshot, TableSchema};

use super::table_list::{TableListing, list_tables_as};
use super::{database, open_service};
use crate::auth::Principal;
use crate::auth::access::ServiceAccess;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::ok_json_bytes;
use crate::state::AppState;

/// `_schema/{table}`, the component that guards one table's schema.
pub fn table_component(table: &str) -> String {
    format!("_schema/{}", table.to_ascii_lowercase())
}

/// The snapshot and the table `name` in it, or DreamFactory's 404.
async fn table_of(
    state: &AppState,
    access: &ServiceAccess,
    name: &str,
    refresh: bool,
) -> Result<Arc<TableSchema>, ApiError> {
    let schema = database(state, access)?.schema(refresh).await?;
    Ok(found(&schema, name)?)
}

fn found(schema: &SchemaSnapshot, name: &str) -> Result<Arc<TableSchema>, ConnectorError> {
    schema
        .table(name)
        .cloned()
        .ok_or_else(|| ConnectorError::TableNotFound(name.to_owned()))
}

/// Writes one table's full descriptor as the caller may see it.
fn describe(buf: &mut Vec<u8>, access: &ServiceAccess, table: &TableSchema) {
    let hidden = access.hidden_fields(table.name());
    let view = SchemaView {
        hidden_fields: &hidden,
        access: access.permitted(&table_component(table.name())).bits(),
        service_id: access.service().row.id,
    };
    write_schema_table(buf, table, &view);
}

/// `GET /_schema`: names by default, `fields=*` for summaries, `as_list`, `ids=` for full
/// descriptors of the named tables.
pub async fn list_schema(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let access = open_service(&state, principal, &path, request.method(), "_schema").await?;
    let database = database(&state, &access)?;
    let params = Params::from_query(request.query_string())?;
    let schema = database.schema(params.flag("refresh")).await?;
    if let Some(ids) = params.get(&["ids"]) {
        let mut buf = br#"{"resource":["#.to_vec();
        for (index, name) in ids.split(',').map(str::trim).enumerate() {
            let table = found(&schema, name)?;
            if !access.may_see(&table_component(table.name())) {
                return Err(ConnectorError::TableNotFound(name.to_owned()).into());
            }
            if index > 0 {
                buf.push(b',');
            }
            describe(&mut buf, &access, &table);
        }
        buf.extend_from_slice(b"]}");
        return Ok(ok_json_bytes(buf));
    }
    let tables = schema
        .tables()
        .iter()
        .map(|table| TableSummary::new(table.name(), table.is_view()));
    list_tables_as(&access, tables, TableListing::Schema, &params, &state)
}

/// `GET /_schema/{table}`: the bare table descriptor.
pub async fn describe_table(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (service, name) = path.into_inner();
    let component = table_component(&name);
    let access = open_service(&state, principal, &service, request.method(), &component).await?;
    let refresh = Params::from_query(request.query_string())?.flag("refresh");
    let table = table_of(&state, &access, &name, refresh).await?;
    let mut buf = Vec::new();
    describe(&mut buf, &access, &table);
    Ok(ok_json_bytes(buf))
}

/// `GET /_schema/{table}/{_field|_related}[/{name}]`, and the legacy
/// `/_schema/{table}/{field}` (one field).
pub async fn describe_member(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (service, name) = path.into_inner();
    let rest = request
        .match_info()
        .get("rest")
        .unwrap_or_default()
        .to_string();
    let component = format!("{}/{}", table_component(&name), rest.to_ascii_lowercase());
    let access = open_service(&state, principal, &service, request.method(), &component).await?;
    let refresh = Params::from_query(request.query_string())?.flag("refresh");
    let table = table_of(&state, &access, &name, refresh).await?;
    let hidden = access.hidden_fields(table.name());
    let view = SchemaView {
        hidden_fields: &hidden,
        access: 0,
        service_id: access.service().row.id,
    };
    let mut buf = Vec::new();
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        ["_field"] => {
            buf.extend_from_slice(br#"{"resource":"#);
            write_fields(&mut buf, &table, &view);
            buf.push(b'}');
        }
        ["_related"] => {
            buf.extend_from_slice(br#"{"resource":["#);
            for (index, relation) in visible_relations(&table, &view).enumerate() {
                if index > 0 {
                    buf.push(b',');
                }
                write_relation_descriptor(&mut buf, relation, view.service_id);
            }
            buf.extend_from_slice(b"]}");
        }
        ["_field", field] | [field] => {
            let column = table
                .column_ref(field)
                .filter(|&c| !view.hides(&table.column(c).name))
                .ok_or_else(|| field_missing(field, table.name()))?;
            sluice_connector_core::json::write_field_descriptor(&mut buf, &table, column, true);
        }
        ["_related", relation] => {
            let found = visible_relations(&table, &view)
                .find(|r| r.name.eq_ignore_ascii_case(relation))
                .ok_or_else(|| {
                    ApiError::not_found(format!(
                        "Relationship '{relation}' not found in table '{}'.",
                        table.name()
                    ))
                })?;
            write_relation_descriptor(&mut buf, found, view.service_id);
        }
        _ => {
            return Err(ApiError::not_found(format!(
                "Resource '{rest}' not found in table '{}'.",
                table.name()
            )));
        }
    }
    Ok(ok_json_bytes(buf))
}

fn field_missing(field: &str, table: &str) -> ApiError {
    ApiError::not_found(format!("Field '{field}' not found in table '{table}'."))
}
