//! The system API document (`/api/v2/system/...`), assembled by hand from the routes the
//! gateway serves. Records are described loosely (`object`): their fields are those of wire
//! reference 10.

use serde_json::{Map, Value, json};

use crate::OPENAPI_VERSION;
use crate::common::{
    param_refs, security, security_schemes, shared_responses, shared_schemas, table_parameters,
};
use crate::table::operation;

/// The record resources of the system service, each with `/{name}` and `/{name}/{id}`.
const RECORD_RESOURCES: &[&str] = &["admin", "app", "lookup", "role", "service", "user"];

/// The system API document; paths relative to `/api/v2/system`.
pub fn system_document() -> Value {
    let tag = "system";
    let object = json!({"type": "object", "additionalProperties": true});
    let list = json!({"type": "object", "properties": {
        "resource": {"type": "array", "items": {"anyOf": [
            object, {"$ref": "#/components/schemas/Identifier"}]}},
        "meta": {"$ref": "#/components/schemas/Meta"}}});
    let body = json!({"required": true, "content": {"application/json": {"schema": {"oneOf": [
        {"type": "object", "properties": {"resource": {"type": "array", "items": object}}},
        object]}}}});
    let id_param = |name: &str| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}});
    let mut paths = Map::new();
    let op = |id: &str, summary: &str, params: Vec<Value>, ok: &Value| {
        operation(tag, id, summary, params, ok.clone())
    };
    paths.insert(
        "/".into(),
        json!({"get": op("get_system_resources", "List the system resources.",
                         param_refs(&["as_list"]), &list)}),
    );
    for name in RECORD_RESOURCES {
        let mut item = Map::new();
        let read = param_refs(&[
            "fields",
            "filter",
            "limit",
            "offset",
            "order",
            "ids",
            "include_count",
            "as_list",
            "related",
        ]);
        item.insert(
            "get".into(),
            op(
                &format!("get_{name}_records"),
                &format!("List {name} records."),
                read,
                &list,
            ),
        );
        for (verb, what) in [("post", "Create"), ("put", "Replace"), ("patch", "Update")] {
            let mut o = op(
                &format!("{verb}_{name}_records"),
                &format!("{what} {name} records."),
                param_refs(&["fields", "related", "continue", "rollback"]),
                &list,
            );
            o["requestBody"] = body.clone();
            if verb == "post" {
                let ok = o["responses"]["200"].take();
                o["responses"]["201"] = ok;
                o["responses"].as_object_mut().map(|r| r.remove("200"));
            }
            item.insert(verb.into(), o);
        }
        item.insert(
            "delete".into(),
            op(
                &format!("delete_{name}_records"),
                &format!("Delete {name} records."),
                param_refs(&["ids", "filter", "fields"]),
                &list,
            ),
        );
        paths.insert(format!("/{name}"), Value::Object(item));
        let mut item = Map::new();
        for (verb, what) in [
            ("get", "Retrieve"),
            ("put", "Replace"),
            ("patch", "Update"),
            ("delete", "Delete"),
        ] {
            let mut params = vec![id_param("id")];
            params.extend(param_refs(&["fields", "related"]));
            let mut o = op(
                &format!("{verb}_{name}_record"),
                &format!("{what} one {name} record."),
                params,
                &object,
            );
            if matches!(verb, "put" | "patch") {
                o["requestBody"] =
                    json!({"required": true, "content": {"application/json": {"schema": object}}});
            }
            item.insert(verb.into(), o);
        }
        paths.insert(format!("/{name}/{{id}}"), Value::Object(item));
    }
    let session = json!({"type": "object", "properties": {
        "session_token": {"type": "string"}, "id": {"type": "integer"},
        "email": {"type": "string"}, "is_sys_admin": {"type": "boolean"}}});
    let login = json!({"required": true, "content": {"application/json": {"schema": {
        "type": "object", "required": ["email", "password"], "properties": {
            "email": {"type": "string"}, "password": {"type": "string"},
            "remember_me": {"type": "boolean"}}}}}});
    let mut post = op(
        "post_admin_session",
        "Log an administrator in.",
        vec![],
        &session,
    );
    post["requestBody"] = login;
    paths.insert(
        "/admin/session".into(),
        json!({
            "get": op("get_admin_session", "The current session.", vec![], &session),
            "post": post,
            "put": op("put_admin_session", "Refresh the session token.", vec![], &session),
            "patch": op("patch_admin_session", "Refresh the session token.", vec![], &session),
            "delete": op("delete_admin_session", "Log out.", vec![], &json!({"type": "object",
                "properties": {"success": {"type": "boolean"}}})),
        }),
    );
    let success = json!({"type": "object", "properties": {"success": {"type": "boolean"}}});
    paths.insert(
        "/cache".into(),
        json!({
            "get": op("get_cache", "Services with a cache.", vec![], &list),
            "delete": op("delete_cache", "Flush every cache.", vec![], &success),
        }),
    );
    paths.insert("/cache/{service}".into(), json!({
        "delete": op("delete_service_cache", "Flush one service's cache.", vec![id_param("service")], &success),
    }));
    paths.insert(
        "/environment".into(),
        json!({
            "get": op("get_environment", "Platform and authentication details.", vec![], &object),
        }),
    );
    paths.insert("/service_type".into(), json!({
        "get": op("get_service_types", "The service types.", param_refs(&["fields", "as_list"]), &list),
    }));
    paths.insert(
        "/service_type/{name}".into(),
        json!({
            "get": op("get_service_type", "One service type.", vec![id_param("name")], &object),
        }),
    );
    json!({
        "openapi": OPENAPI_VERSION,
        "info": {"title": "System Management", "version": "2.0",
                 "description": "Services, roles, apps, users, administrators, lookups, cache."},
        "servers": [{"url": "/api/v2/system"}],
        "security": security(),
        "tags": [{"name": tag, "description": "System Management"}],
        "paths": paths,
        "components": {
            "securitySchemes": security_schemes(),
            "schemas": shared_schemas(),
            "responses": shared_responses(),
            "parameters": table_parameters(),
        }
    })
}
