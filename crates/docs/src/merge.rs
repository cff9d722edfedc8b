//! `GET /api/v2/api_docs`: the documents of several services in one, paths prefixed with
//! `/{service}` and component names with `{service}.` so that services do not collide.

use serde_json::{Map, Value, json};

use crate::OPENAPI_VERSION;
use crate::common::{
    security, security_schemes, shared_responses, shared_schemas, table_parameters,
};

/// Merges single-service documents (from [`crate::service_document`]) given as
/// `(service name, document)`.
pub fn combined_document(documents: &[(String, Value)]) -> Value {
    let mut paths = Map::new();
    let mut schemas = shared_schemas();
    let mut tags = Vec::new();
    for (service, document) in documents {
        let prefix = format!("{service}.");
        // Component schemas refer to each other too (`SchemaTable` to `SchemaField`); the
        // shared schemas stay unprefixed, once for all services.
        let prefixed = |part: &Value| {
            let mut text = part.to_string().replace(
                "#/components/schemas/",
                &format!("#/components/schemas/{prefix}"),
            );
            for shared in shared_schemas().keys() {
                text = text.replace(
                    &format!("#/components/schemas/{prefix}{shared}\""),
                    &format!("#/components/schemas/{shared}\""),
                );
            }
            text
        };
        let text = prefixed(&document["paths"]).replace(
            "\"operationId\":\"",
            &format!("\"operationId\":\"{service}_"),
        );
        let Ok(Value::Object(service_paths)) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        for (path, item) in service_paths {
            paths.insert(format!("/{service}{path}"), item);
        }
        let own = serde_json::from_str::<Value>(&prefixed(&document["components"]["schemas"]));
        if let Ok(Value::Object(own)) = own {
            for (name, schema) in own {
                if !shared_schemas().contains_key(&name) {
                    schemas.insert(format!("{prefix}{name}"), schema);
                }
            }
        }
        if let Some(own) = document["tags"].as_array() {
            tags.extend(own.iter().cloned());
        }
    }
    json!({
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Sluice Live API Documentation", "version": "2.0"},
        "servers": [{"url": "/api/v2"}],
        "security": security(),
        "tags": tags,
        "paths": paths,
        "components": {
            "securitySchemes": security_schemes(),
            "schemas": schemas,
            "responses": shared_responses(),
            "parameters": table_parameters(),
        }
    })
}
