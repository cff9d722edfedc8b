//! `GET /api/v2/api_docs[/{service}]`: OpenAPI documents generated from the cached schema,
//! showing only the services, tables and verbs the caller's role allows.
//! Built on every request from the cached schema; `?refresh=true` re-reads the schema.

use std::sync::Arc;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sluice_docs::{DocumentAccess, ServiceInfo, Verbs, combined_document, service_document};
use sluice_rbac::{Action, Decision, Verb, decide, has_service_access, permitted_verbs};

use crate::auth::Principal;
use crate::auth::access::deny;
use crate::auth::principal::Authority;
use crate::error::ApiError;
use crate::params::Params;
use crate::registry::{Backend, ServiceEntry};
use crate::routes::ok;
use crate::service_types::service_group;
use crate::state::AppState;

/// The system API's name in URLs; no registry entry has it.
const SYSTEM: &str = "system";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(all_services))
        .route("/{service}", web::get().to(one_service));
}

/// Whether the caller may reach the service at all (any verb on any component).
fn reachable(principal: &Principal, service: &ServiceEntry) -> bool {
    service.row.is_active
        && match &principal.authority {
            Authority::Unrestricted => true,
            Authority::Role(role) => {
                has_service_access(&role.grants, service.row.id, principal.requestor)
            }
            Authority::NoRole => false,
        }
}

/// What one caller may see of one service, as its role decides.
struct CallerAccess<'a> {
    principal: &'a Principal,
    service: &'a ServiceEntry,
}

impl DocumentAccess for CallerAccess<'_> {
    fn verbs(&self, component: &str) -> Verbs {
        let mask = match &self.principal.authority {
            Authority::Unrestricted => return Verbs::ALL,
            Authority::NoRole => return Verbs::NONE,
            Authority::Role(role) => permitted_verbs(
                &role.grants,
                self.service.row.id,
                component,
                self.principal.requestor,
            ),
        };
        Verbs {
            get: mask.contains(Verb::Get),
            post: mask.contains(Verb::Post),
            put: mask.contains(Verb::Put),
            patch: mask.contains(Verb::Patch),
            delete: mask.contains(Verb::Delete),
        }
    }

    /// Every column hidden by any access row the caller's verbs on the table's records or
    /// schema use: one record schema serves every verb, so a column hidden from one verb is
    /// left out for all (failing closed rather than naming it).
    fn hidden_fields(&self, table: &str) -> Vec<String> {
        let Authority::Role(role) = &self.principal.authority else {
            return Vec::new();
        };
        let lower = table.to_ascii_lowercase();
        let components = [format!("_table/{lower}"), format!("_schema/{lower}")];
        let mut hidden = Vec::new();
        for component in &components {
            for verb in Verb::CRUD {
                let action = Action {
                    service_id: self.service.row.id,
                    service_name: &self.service.name,
                    component,
                    verb,
                    requestor: self.principal.requestor,
                };
                if let Decision::Allow { hidden_fields, .. } = decide(&role.grants, &action) {
                    hidden.extend(hidden_fields);
                }
            }
        }
        hidden
    }
}

/// What a service's document says of it in `info` and its tag: DreamFactory's title (the
/// label), description, and the group of its type.
fn service_info(service: &ServiceEntry) -> ServiceInfo {
    ServiceInfo {
        name: service.name.clone(),
        label: service.row.label.clone(),
        description: service.row.description.clone(),
        group: service_group(&service.row.service_type),
    }
}

/// The document of one database service for this caller; `None` when it has none (the
/// built-in user service).
async fn document(
    principal: &Principal,
    service: &Arc<ServiceEntry>,
    refresh: bool,
) -> Result<Option<Value>, ApiError> {
    let database = match &service.backend {
        Backend::Sqlite { database, .. } | Backend::Remote { database, .. } => database,
        Backend::User { .. } => return Ok(None),
        Backend::Script { .. } | Backend::Files { .. } => {
            let info = service_info(service);
            let access = CallerAccess { principal, service };
            let verbs = sluice_docs::DocumentAccess::verbs(&access, "");
            let document = if matches!(service.backend, Backend::Files { .. }) {
                sluice_docs::file_service_document(&info, verbs)
            } else {
                sluice_docs::script_service_document(&info, verbs)
            };
            return Ok(Some(document));
        }
        Backend::Unavailable { .. } => {
            return Err(ApiError::unavailable(format!(
                "Service {} is unavailable: its database cannot be opened.",
                service.name
            )));
        }
    };
    let schema = database.schema(refresh).await?;
    let info = service_info(service);
    let access = CallerAccess { principal, service };
    Ok(Some(service_document(&info, &schema, &access)))
}

/// `GET /api/v2/api_docs`: one document for every database service the caller may reach;
/// `?as_list=true` lists their names instead.
async fn all_services(
    principal: Principal,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let services: Vec<_> = state
        .services
        .all()
        .into_iter()
        .filter(|s| reachable(&principal, s) && s.backend.database().is_some())
        .collect();
    if params.flag("as_list") {
        let names: Vec<_> = services.iter().map(|s| json!(s.name)).collect();
        return Ok(ok(json!({ "resource": names })));
    }
    let mut documents = Vec::new();
    for service in &services {
        if let Some(doc) = document(&principal, service, params.flag("refresh")).await? {
            documents.push((service.name.clone(), doc));
        }
    }
    Ok(ok(combined_document(&documents)))
}

/// `GET /api/v2/api_docs/{service}`: that service's document, 403 when the caller may not
/// reach it, 503 when it has no document. `system` is the system API's (and user service's) document, for
/// administrators only (roles cannot be granted the system API).
async fn one_service(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let name = path.into_inner().to_ascii_lowercase();
    if name == SYSTEM && principal.is_unrestricted() {
        let document = crate::openapi::system_document().map_err(ApiError::internal)?;
        return Ok(ok(document));
    }
    let Some(service) = state.services.get(&name) else {
        if principal.is_unrestricted() {
            return Err(ApiError::not_found(format!(
                "Could not find a service for {name}"
            )));
        }
        return Err(deny(&principal, &Method::GET, &name, "api_docs"));
    };
    if !reachable(&principal, &service) {
        return Err(deny(&principal, &Method::GET, &name, "api_docs"));
    }
    match document(&principal, &service, params.flag("refresh")).await? {
        Some(doc) => Ok(ok(doc)),
        None => Err(ApiError::unavailable(format!(
            "Service {name} has no API documentation."
        ))),
    }
}
