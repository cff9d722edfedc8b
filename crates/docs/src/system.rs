//! The document of the system API and the user service, assembled from what utoipa collects
//! from the gateway's handler annotations (paths relative to `/api/v2`, 3.1 schemas): this
//! crate adds what every Sluice document shares (3.0.3, security schemes, DreamFactory's
//! error envelope on every non-2xx response, the table-API parameters the paths refer to).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::OPENAPI_VERSION;
use crate::common::{
    error_responses, security, security_schemes, shared_responses, shared_schemas, table_parameters,
};
use crate::downgrade::nullable_to_3_0;

const ERROR_CONTENT: &str = "#/components/schemas/Error";

/// The system and user API document from utoipa's `OpenApi` serialised as JSON.
pub fn system_document(collected: &Value) -> Value {
    let mut paths = collected["paths"].clone();
    nullable_to_3_0(&mut paths);
    let mut schemas = shared_schemas();
    if let Some(own) = collected["components"]["schemas"].as_object() {
        for (name, schema) in own {
            let mut schema = schema.clone();
            nullable_to_3_0(&mut schema);
            schemas.insert(name.clone(), schema);
        }
    }
    if let Some(paths) = paths.as_object_mut() {
        unique_operation_ids(paths);
        for operation in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in operation.values_mut() {
                complete_responses(op);
            }
        }
    }
    json!({
        "openapi": OPENAPI_VERSION,
        "info": {"title": "System Management and User Service", "version": "2.0",
                 "description": "The system API (services, roles, apps, users, administrators, \
                     lookups, cache, environment) and the built-in `user` service (session, \
                     register, profile, password, custom)."},
        "servers": [{"url": "/api/v2"}],
        "security": security(),
        "tags": [{"name": "system", "description": "System Management"},
                 {"name": "user", "description": "The built-in user service"}],
        "paths": paths,
        "components": {
            "securitySchemes": security_schemes(),
            "schemas": schemas,
            "responses": shared_responses(),
            "parameters": table_parameters(),
        }
    })
}

/// utoipa gives a handler serving several verbs one `operationId` on each; OpenAPI wants
/// them unique, so a repeated id gets its verb appended.
fn unique_operation_ids(paths: &mut Map<String, Value>) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let ids = paths
        .values()
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter_map(|op| op["operationId"].as_str());
    for id in ids {
        *seen.entry(id.to_string()).or_default() += 1;
    }
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for (verb, op) in item.iter_mut() {
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            if seen.get(id).is_some_and(|n| *n > 1) {
                op["operationId"] = json!(format!("{id}_{verb}"));
            }
        }
    }
}

/// Every declared non-2xx response gets the error envelope, and the common ones are added.
fn complete_responses(op: &mut Value) {
    let Some(responses) = op["responses"].as_object_mut() else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        if !status.starts_with('2') && response.get("content").is_none() {
            response["content"] = json!({"application/json": {"schema": {"$ref": ERROR_CONTENT}}});
        }
    }
    let mut common = Map::new();
    error_responses(&mut common);
    for (status, response) in common {
        responses.entry(status).or_insert(response);
    }
}
