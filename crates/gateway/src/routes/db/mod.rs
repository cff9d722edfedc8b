//! `/api/v2/{service}/...` for database services: the service root and `_table` reads.

mod access_list;
pub(crate) mod direct;
mod schema_get;
mod schema_write;
mod sql;
mod table_get;
mod table_list;
mod table_write;

use std::sync::Arc;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use sluice_connector_core::{AuthorizedTable, Database, ReadBounds, WriteBounds};

use crate::auth::Principal;
use crate::auth::access::{ServiceAccess, authorize_service, find_service};
use crate::auth::lookups::SessionLookups;
use crate::error::ApiError;
use crate::params::Params;
use crate::registry::Backend;
use crate::routes::ok;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Record routes first, the single record first: actix tries patterns in order, each a
    // regex, and these carry nearly all the traffic; a one-row read is where the gateway's
    // own work shows most. The patterns do not overlap, so the order changes no match.
    cfg.service(
        web::resource("/_table/{table}/{id}")
            .route(web::get().to(table_get::read_record))
            .route(web::post().to(table_write::write_record))
            .route(web::put().to(table_write::write_record))
            .route(web::patch().to(table_write::write_record))
            .route(web::delete().to(table_write::write_record)),
    )
    .service(
        web::resource("/_table/{table}")
            .route(web::get().to(table_get::read_records))
            .route(web::post().to(table_write::write_records))
            .route(web::put().to(table_write::write_records))
            .route(web::patch().to(table_write::write_records))
            .route(web::delete().to(table_write::write_records)),
    )
    .route("", web::get().to(service_root))
    .route("/_sql", web::post().to(sql::run_sql))
    .route("/_table", web::get().to(table_list::list_tables))
    .service(
        web::resource("/_schema")
            .route(web::get().to(schema_get::list_schema))
            .route(web::post().to(schema_write::create_tables))
            .route(web::put().to(schema_write::update_tables))
            .route(web::patch().to(schema_write::update_tables))
            .route(web::delete().to(schema_write::drop_tables)),
    )
    .service(
        web::resource("/_schema/{table}")
            .route(web::get().to(schema_get::describe_table))
            .route(web::post().to(schema_write::update_table))
            .route(web::put().to(schema_write::update_table))
            .route(web::patch().to(schema_write::update_table))
            .route(web::delete().to(schema_write::drop_table)),
    )
    .service(
        web::resource("/_schema/{table}/{rest:.+}")
            .route(web::get().to(schema_get::describe_member))
            .route(web::post().to(schema_write::change_fields))
            .route(web::put().to(schema_write::change_fields))
            .route(web::patch().to(schema_write::change_fields))
            .route(web::delete().to(schema_write::change_fields)),
    )
    .default_service(web::to(unsupported));
}

/// The component a single record is checked under: `_table/{table}/{id}`, the table's name
/// lowercased. Built by hand: `format!` cost a one-row read about 1,000 instructions
/// (docs/PERFORMANCE.md).
pub fn record_component(table: &str, id: &str) -> String {
    const PREFIX: &str = "_table/";
    let mut component = String::with_capacity(PREFIX.len() + table.len() + 1 + id.len());
    component.push_str(PREFIX);
    component.push_str(table);
    component[PREFIX.len()..].make_ascii_lowercase();
    component.push('/');
    component.push_str(id);
    component
}

/// Looks the service up and checks the caller may use `component` with this request's verb.
/// Unknown services are 404 only for callers who could see them; others get the denial.
pub async fn open_service(
    state: &AppState,
    principal: Principal,
    name: &str,
    method: &Method,
    component: &str,
) -> Result<ServiceAccess, ApiError> {
    let service = find_service(state, &principal, name, method, component)?;
    let access = authorize_service(state, principal, service, method, component).await?;
    if !access.service().row.is_active {
        return Err(ApiError::forbidden(format!(
            "Service {} is deactivated.",
            access.service().name
        )));
    }
    // `/api/v2/user/...` has its own routes; only a differently-cased URL lands here.
    if matches!(access.service().backend, Backend::User { .. }) {
        let resource = component.split('/').next().unwrap_or_default();
        return Err(ApiError::not_found(format!(
            "Resource '{resource}' not found for service '{}'.",
            access.service().name
        )));
    }
    Ok(access)
}

/// The database behind an authorised service, and the bounds of its config.
fn backend(
    state: &AppState,
    access: &ServiceAccess,
) -> Result<(Arc<Database>, WriteBounds), ApiError> {
    let service = access.service();
    let (database, config) = match &service.backend {
        Backend::Sqlite {
            database, config, ..
        } => (database, config.data),
        Backend::Remote { database, config } => (database, config.data),
        Backend::User { .. } | Backend::Script { .. } | Backend::Files { .. } => {
            return Err(ApiError::not_found(format!(
                "Resource '_table' not found for service '{}'.",
                service.name
            )));
        }
        Backend::Unavailable { .. } => {
            return Err(ApiError::unavailable(format!(
                "Service {} is unavailable: its database cannot be opened.",
                service.name
            )));
        }
    };
    let limits = &state.settings.limits;
    let read = ReadBounds {
        max_records: config.max_records.min(limits.max_records_returned),
        filter_max_length: limits.filter_max_length,
        filter_max_nodes: limits.filter_max_nodes,
        filter_max_depth: limits.filter_max_depth,
        filter_max_in_list: limits.filter_in_list_max,
        max_ids: limits.ids_max,
        max_order_terms: limits.order_terms_max,
        max_related_depth: limits.related_depth_max,
        max_relations: limits.related_max,
    };
    let bounds = WriteBounds {
        max_batch_records: limits.batch_records_max,
        read,
        allow_upsert: config.allow_upsert,
    };
    Ok((Arc::clone(database), bounds))
}

/// The database behind an authorised service, for its schema and table list.
pub fn database(state: &AppState, access: &ServiceAccess) -> Result<Arc<Database>, ApiError> {
    Ok(backend(state, access)?.0)
}

/// `table` of an authorised service as the caller may use it: the only way a handler
/// reaches records. The caller's [`TableAccess`](sluice_connector_core::TableAccess) comes
/// from the access check, so no handler can forget the role's rules.
pub fn open_table(
    state: &AppState,
    access: &ServiceAccess,
    table: String,
) -> Result<AuthorizedTable, ApiError> {
    let (database, bounds) = backend(state, access)?;
    Ok(AuthorizedTable::new(
        database,
        table,
        access.table_access(),
        bounds,
    ))
}

/// `table` with the session's lookups attached: lookups are read from the access caches
/// (a system-database query when they are cold), so this is done only when a filter may
/// name one.
pub async fn with_lookups(
    state: &AppState,
    access: &ServiceAccess,
    table: AuthorizedTable,
) -> Result<AuthorizedTable, ApiError> {
    let lookups = state.access.lookups(&state.db).await?;
    Ok(table.with_lookups(Arc::new(SessionLookups::new(
        access.principal().clone(),
        lookups,
    ))))
}

/// `GET /api/v2/{service}`: the service's resources.
async fn service_root(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let access = open_service(&state, principal, &path, request.method(), "").await?;
    let params = Params::from_query(request.query_string())?;
    if params.flag("as_access_list") {
        let components = access_list::components(&state, &access, params.flag("refresh")).await?;
        return Ok(ok(json!({ "resource": components })));
    }
    let as_list = params.flag("as_list");
    let names = ["_schema", "_table"];
    let resource: Vec<_> = if as_list {
        names.iter().map(|n| json!(n)).collect()
    } else {
        names.iter().map(|n| json!({ "name": n })).collect()
    };
    Ok(ok(json!({ "resource": resource })))
}

/// Anything else under a service: an unknown resource (404) or an unsupported verb (400),
/// with DreamFactory's messages.
async fn unsupported(
    principal: Principal,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let path = request
        .match_info()
        .get("service")
        .unwrap_or_default()
        .to_string();
    // What the scope's routing has not matched: searching the path for the service's name
    // would stop at `/api` for a service named `api`.
    let rest = request
        .match_info()
        .unprocessed()
        .trim_matches('/')
        .to_string();
    let component = rest.to_ascii_lowercase();
    let access = open_service(&state, principal, &path, request.method(), &component).await?;
    let service = &access.service().name;
    let resource = rest.split('/').next().unwrap_or_default();
    match resource {
        "_table" | "_schema" | "_sql" => Err(ApiError::bad_request(format!(
            "{} requests for resource '{rest}' are not currently supported by the '{service}' service.",
            request.method()
        ))),
        _ => Err(ApiError::not_found(format!(
            "Resource '{resource}' not found for service '{service}'."
        ))),
    }
}
