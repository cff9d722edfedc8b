//! The `nodejs` service type: a service whose `config.content` script answers every request
//! under `/api/v2/{service}` (DreamFactory's scripted services, run on Sluice's JavaScript
//! engine). Roles grant its components like any service's (`*`, or the path below the
//! service); the script sees `event.request` and `event.resource` (that path), and its
//! return value is the response content, or `event.response` when it sets one.

use std::sync::Arc;

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use bytes::Bytes;
use serde_json::{Value, json};

use super::NODEJS;
use super::events::{content_type, rest_of_path};
use super::exchange::{RequestView, ResponseView, body_view, parameters, visible_headers};
use super::platform::{Caller, run_source};
use crate::auth::Principal;
use crate::auth::access::authorize_service;
use crate::error::ApiError;
use crate::registry::ServiceEntry;
use crate::service_types::config_fields;
use crate::state::AppState;
use crate::system::fields::invalid_field;

/// A validated `nodejs` service config.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptServiceConfig {
    pub content: Arc<str>,
}

impl ScriptServiceConfig {
    pub fn to_json(&self) -> Value {
        json!({ "content": &*self.content })
    }
}

/// DreamFactory's fields for a script kept in a storage service or a repository, which
/// Sluice does not read scripts from: accepted only empty.
const LINK_FIELDS: &[&str] = &[
    "storage_service_id",
    "storage_path",
    "scm_repository",
    "scm_reference",
];

pub fn parse_script_config(config: &Value) -> Result<ScriptServiceConfig, ApiError> {
    let map = config_fields(config)?;
    for (key, value) in &map {
        let empty_link = LINK_FIELDS.contains(&key.as_str())
            && (value.is_null() || value.as_str().is_some_and(str::is_empty));
        if key != "content" && !empty_link {
            return Err(invalid_field(
                "config",
                &format!(
                    "Unknown config field '{key}' for service type '{NODEJS}'; the script goes in 'content'."
                ),
            ));
        }
    }
    match map.get("content") {
        Some(Value::String(content)) if !content.trim().is_empty() => Ok(ScriptServiceConfig {
            content: Arc::from(content.as_str()),
        }),
        _ => Err(invalid_field(
            "content",
            "The config field 'content' must hold the service's script.",
        )),
    }
}

/// `GET /system/service_type` record.
pub fn script_service_type() -> Value {
    json!({
        "name": NODEJS,
        "label": "Node.js",
        "description": "Service whose endpoints are a JavaScript script, run in Sluice's sandboxed engine.",
        "group": "Script",
        "singleton": false,
        "dependencies_required": null,
        "subscription_required": null,
        "service_definition_editable": true,
        "config_schema": [{
            "name": "content", "label": "Content", "type": "text", "allow_null": false,
            "default": null, "required": true,
            "description": "The script: the body of a function of event and platform; its return value is the response."
        }],
    })
}

/// Answers a request to a scripted service with its script.
pub async fn serve(
    mut request: ServiceRequest,
    state: &web::Data<AppState>,
    entry: Arc<ServiceEntry>,
    source: Arc<str>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let principal = match request.extract::<Principal>().await {
        Ok(principal) => principal,
        Err(error) => return Ok(request.error_response(error)),
    };
    let path = request.path().to_owned();
    let rest = rest_of_path(&request);
    let component = rest.to_ascii_lowercase();
    let method = request.method().clone();
    let access =
        match authorize_service(state, principal, Arc::clone(&entry), &method, &component).await {
            Ok(access) => access,
            Err(error) => return Ok(request.error_response(error)),
        };
    if !entry.row.is_active {
        let error = ApiError::forbidden(format!("Service {} is deactivated.", entry.name));
        return Ok(request.error_response(error));
    }
    if method == Method::GET && component.is_empty() && asks_access_list(&request) {
        // DreamFactory adds the paths of a scripted service's stored document; Sluice's have
        // none, so its role components are the service root and everything below it.
        let body = json!({ "resource": ["", "*"] });
        return Ok(request.into_response(HttpResponse::Ok().json(body)));
    }
    let caller = Caller::of(access.principal(), &request);
    let body = match request.extract::<Bytes>().await {
        Ok(body) => body,
        Err(error) => return Ok(request.error_response(error)),
    };
    let (payload, content) = body_view(&body);
    let view = RequestView {
        method,
        parameters: parameters(request.query_string()),
        headers: visible_headers(request.headers()),
        payload,
        content,
        content_type: content_type(request.headers()),
        uri: path,
        service: NODEJS.to_owned(),
        resource: rest.clone(),
    };
    let event = json!({
        "request": view.to_json(),
        "response": {"status_code": 200, "content_type": null, "content": null, "headers": {}},
        "resource": rest,
    });
    let outcome = match run_source(state, &caller, &entry.name, &source, event, &["response"]).await
    {
        Ok(outcome) => outcome,
        Err(error) => return Ok(request.error_response(error)),
    };
    let mut answer = ResponseView::from_script(&outcome.event["response"]);
    if !outcome.returned.is_null() {
        answer.content = outcome.returned;
    }
    Ok(request.into_response(answer.to_response()))
}

/// `?as_access_list=true` (DreamFactory's true values), which the script never sees.
fn asks_access_list(request: &ServiceRequest) -> bool {
    crate::params::Params::from_query(request.query_string())
        .is_ok_and(|params| params.flag("as_access_list"))
}
