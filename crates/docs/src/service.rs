//! The OpenAPI document of one database service, built from its schema snapshot and the
//! caller's permissions.

use serde_json::{Map, Value, json};
use sluice_connector_core::SchemaSnapshot;

use crate::common::{
    security, security_schemes, shared_responses, shared_schemas, table_parameters,
};
use crate::schema::{schema_components, schema_paths};
use crate::table::{operation, record_schema, record_schema_name, table_paths};
use crate::{OPENAPI_VERSION, Verbs};

/// What a document says about its service.
#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub name: String,
    pub label: String,
    pub description: Option<String>,
    /// The group of the service's type (`Database`, `Script`, ...), which DreamFactory's
    /// admin app reads from `info.group`.
    pub group: Option<String>,
}

/// What the caller may see of a service, as its role decides.
pub trait DocumentAccess {
    /// The verbs allowed on a role component: `_table`, `_table/{lower-case name}`,
    /// `_schema` or `_schema/{lower-case name}`.
    fn verbs(&self, component: &str) -> Verbs;

    /// The columns of `table` the caller may not see (compared case-insensitively). A
    /// document never names them: not in a record schema, nor anywhere else.
    fn hidden_fields(&self, table: &str) -> Vec<String>;
}

/// An administrator: every verb on every component, every column.
#[derive(Debug, Clone, Copy)]
pub struct Unrestricted;

impl DocumentAccess for Unrestricted {
    fn verbs(&self, _component: &str) -> Verbs {
        Verbs::ALL
    }

    fn hidden_fields(&self, _table: &str) -> Vec<String> {
        Vec::new()
    }
}

/// The document of one service: `/_table` and, for every table the caller may use,
/// `/_table/{table}` and `/_table/{table}/{id}` with only the verbs `access` allows and the
/// columns it does not hide; then the `_schema` paths the caller may use.
/// Paths are relative to `servers[0].url`, `/api/v2/{service}`.
pub fn service_document(
    service: &ServiceInfo,
    schema: &SchemaSnapshot,
    access: &dyn DocumentAccess,
) -> Value {
    let verbs_of = |component: &str| access.verbs(component);
    let tag = service.name.as_str();
    let mut paths = Map::new();
    let mut schemas = shared_schemas();
    let mut visible = Vec::new();
    for table in schema.tables() {
        let verbs = verbs_of(&format!("_table/{}", table.name().to_ascii_lowercase()));
        let table_paths = table_paths(table, tag, verbs);
        if table_paths.is_empty() {
            continue;
        }
        visible.push(table.name().to_string());
        let hidden = access.hidden_fields(table.name());
        schemas.insert(
            record_schema_name(table.name()),
            record_schema(table, &hidden),
        );
        paths.extend(table_paths);
    }
    if verbs_of("_table").get || !visible.is_empty() {
        let names = json!({"type": "object", "properties": {"resource": {"type": "array",
        "items": {"anyOf": [
            {"type": "object", "properties": {"name": {"type": "string", "enum": visible}}},
            {"type": "string", "enum": visible, "description": "With `as_list=true`."}
        ]}}}});
        let list = crate::common::or_count(names);
        let op = operation(
            tag,
            "get_tables",
            "List the tables the caller may use.",
            crate::common::param_refs(crate::common::TABLE_LIST),
            list,
        );
        // `/_table` sorts before `/_table/...` in the document.
        let mut sorted = Map::new();
        sorted.insert("/_table".into(), json!({"get": op}));
        sorted.extend(paths);
        paths = sorted;
    }
    let mut schema_tables = Vec::new();
    let mut schema_verbs = Verbs::NONE;
    for table in schema.tables() {
        let verbs = verbs_of(&format!("_schema/{}", table.name().to_ascii_lowercase()));
        if !verbs.is_empty() {
            schema_tables.push(table.name().to_string());
            schema_verbs = schema_verbs.union(verbs);
        }
    }
    let schema_part = schema_paths(tag, verbs_of("_schema"), &schema_tables, schema_verbs);
    if !schema_part.is_empty() {
        schemas.extend(schema_components());
        paths.extend(schema_part);
    }
    let components = json!({
        "securitySchemes": security_schemes(),
        "schemas": schemas,
        "responses": shared_responses(),
        "parameters": table_parameters(),
    });
    document(service, paths, components)
}

/// A service's document around its `paths` and `components`: its info, server, security
/// and tag.
pub(crate) fn document(
    service: &ServiceInfo,
    paths: Map<String, Value>,
    components: Value,
) -> Value {
    let mut info = json!({"title": service.label, "version": "2.0"});
    if let Some(description) = &service.description {
        info["description"] = json!(description);
    }
    if let Some(group) = &service.group {
        info["group"] = json!(group);
    }
    json!({
        "openapi": OPENAPI_VERSION,
        "info": info,
        "servers": [{"url": format!("/api/v2/{}", service.name)}],
        "security": security(),
        "tags": [{"name": service.name, "description": service.label}],
        "paths": paths,
        "components": components,
    })
}
