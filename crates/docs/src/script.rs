//! The document of a scripted service (`nodejs`): its script decides every path, verb and
//! body, so the document says only that: free-form requests and responses under the
//! service, with DreamFactory's error envelope.

use serde_json::{Map, Value, json};

use crate::common::{error_responses, security_schemes, shared_responses, shared_schemas};
use crate::service::document;
use crate::{ServiceInfo, Verbs};

/// The document of scripted service `service`, with the verbs the caller may use.
pub fn script_service_document(service: &ServiceInfo, verbs: Verbs) -> Value {
    let tag = service.name.as_str();
    let mut item = Map::new();
    for verb in verbs.operations() {
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({"description": "What the script returns.",
                   "content": {"application/json": {"schema": {}}}}),
        );
        error_responses(&mut responses);
        let mut operation = json!({
            "tags": [tag],
            "operationId": format!("{verb}_{tag}_script"),
            "summary": "Handled by the service's script: any path below the service, any body.",
            "parameters": [{"name": "resource", "in": "path", "required": true,
                            "description": "The path below the service, as the script reads it (event.resource).",
                            "schema": {"type": "string"}}],
            "responses": responses,
        });
        if verb != "get" && verb != "delete" {
            operation["requestBody"] = json!({"required": false,
                "content": {"application/json": {"schema": {}}}});
        }
        item.insert(verb.to_owned(), operation);
    }
    let mut paths = Map::new();
    if !item.is_empty() {
        let mut root = item.clone();
        for operation in root.values_mut() {
            operation["parameters"] = json!([]);
            if let Some(id) = operation["operationId"].as_str() {
                operation["operationId"] = json!(format!("{id}_root"));
            }
        }
        paths.insert("/".into(), Value::Object(root));
        paths.insert("/{resource}".into(), Value::Object(item));
    }
    let components = json!({
        "securitySchemes": security_schemes(),
        "schemas": shared_schemas(),
        "responses": shared_responses(),
    });
    document(service, paths, components)
}
