//! The OpenAPI paths of a `SystemResource`: its handlers are generic over the resource, so
//! `#[utoipa::path]`, which needs a literal path, cannot describe them; the same operations
//! are built here from the resource's name, columns and relations instead, as JSON path
//! items added to what utoipa collects (utoipa's untagged schema model does not read JSON
//! schemas back faithfully). Parameters and shared schemas are `$ref`s into the components
//! `sluice_docs` adds; request bodies are `$ref`s to the resource's input struct, which
//! `routes::system` registers as a component.

use serde_json::{Map, Value, json};
use utoipa::{PartialSchema, ToSchema};

use super::resource::SystemResource;
use crate::routes::doc_schemas::StoredColumns;

fn params(names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .map(|name| json!({"$ref": format!("#/components/parameters/{name}")}))
        .collect()
}

/// The properties of a struct's schema, as JSON.
fn properties_of<T: PartialSchema>() -> Map<String, Value> {
    let schema = serde_json::to_value(T::schema()).unwrap_or_default();
    match schema.get("properties") {
        Some(Value::Object(properties)) => properties.clone(),
        _ => Map::new(),
    }
}

/// A record: one property per column and per relation `related=` may add, typed by the
/// resource's input struct (what bodies write), its read-only struct, or the columns every
/// record has. Write-only input fields (secrets) are not columns, so records never show them.
/// Nothing is required, since `fields` chooses what a response holds.
fn record_schema<R: SystemResource>() -> Value {
    let mut known = properties_of::<StoredColumns>();
    known.extend(properties_of::<R::ReadOnly>());
    known.extend(properties_of::<R::Input>());
    let properties: Map<String, Value> = R::COLUMNS
        .iter()
        .chain(R::RELATIONS)
        .map(|name| {
            let schema = known.get(*name).cloned().unwrap_or_else(|| json!({}));
            ((*name).to_string(), schema)
        })
        .collect();
    json!({"type": "object", "properties": properties})
}

fn operation(
    id: String,
    summary: String,
    parameters: Vec<Value>,
    status: &str,
    ok: &Value,
) -> Value {
    json!({
        "tags": ["system"],
        "operationId": id,
        "summary": summary,
        "parameters": parameters,
        "responses": {status: {"description": "Success",
                               "content": {"application/json": {"schema": ok}}}},
    })
}

/// `/system/{name}` and `/system/{name}/{id}` with DreamFactory's verbs on both.
pub(crate) fn openapi_paths<R: SystemResource>() -> [(String, Value); 2] {
    let name = R::NAME;
    let record = record_schema::<R>();
    let input = json!({"$ref": format!("#/components/schemas/{}", R::Input::name())});
    let list = json!({"type": "object", "properties": {
        "resource": {"type": "array", "items": {"anyOf": [
            record, {"$ref": "#/components/schemas/Identifier"}]}},
        "meta": {"$ref": "#/components/schemas/Meta"}}});
    let listing =
        json!({"oneOf": [list, {"type": "integer", "description": "With `count_only=true`."}]});
    let body = json!({"required": true, "content": {"application/json": {"schema": {"anyOf": [
        {"type": "object", "properties": {"resource": {"type": "array", "items": input}}},
        {"type": "array", "items": input},
        input]}}}});
    let write = params(&["fields", "related", "ids"]);
    let mut many = Map::new();
    many.insert(
        "get".into(),
        operation(
            format!("get_{name}_records"),
            format!("List {name} records."),
            params(&[
                "fields",
                "filter",
                "limit",
                "offset",
                "order",
                "ids",
                "include_count",
                "count_only",
                "as_list",
                "related",
            ]),
            "200",
            &listing,
        ),
    );
    for (verb, what, status) in [
        ("post", "Create", "201"),
        ("put", "Update", "200"),
        ("patch", "Update", "200"),
    ] {
        let mut op = operation(
            format!("{verb}_{name}_records"),
            format!("{what} {name} records (PUT is PATCH: only the fields sent change)."),
            write.clone(),
            status,
            &list,
        );
        op["requestBody"] = body.clone();
        many.insert(verb.into(), op);
    }
    many.insert(
        "delete".into(),
        operation(
            format!("delete_{name}_records"),
            format!("Delete {name} records by `ids` or by records carrying `id`."),
            write.clone(),
            "200",
            &list,
        ),
    );
    let id = json!({"name": "id", "in": "path", "required": true,
                    "description": "The record's id.", "schema": {"type": "string"}});
    let mut one = Map::new();
    for (verb, what) in [
        ("get", "Retrieve"),
        ("put", "Update"),
        ("patch", "Update"),
        ("delete", "Delete"),
    ] {
        let mut parameters = vec![id.clone()];
        parameters.extend(params(&["fields", "related"]));
        let mut op = operation(
            format!("{verb}_{name}_record"),
            format!("{what} one {name} record."),
            parameters,
            "200",
            &record,
        );
        if matches!(verb, "put" | "patch") {
            op["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": input}}});
        }
        one.insert(verb.into(), op);
    }
    [
        (format!("/system/{name}"), Value::Object(many)),
        (format!("/system/{name}/{{id}}"), Value::Object(one)),
    ]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn every_column_and_relation_of_a_record_has_a_type() {
        let api = crate::routes::openapi().expect("collected");
        for name in [
            "admin", "user", "service", "role", "app", "lookup", "cors", "limit",
        ] {
            let record = &api["paths"][format!("/system/{name}/{{id}}")]["get"]["responses"]["200"]
                ["content"]["application/json"]["schema"];
            let properties = record["properties"].as_object().expect("properties");
            assert!(properties.contains_key("id"), "{name}");
            for (field, schema) in properties {
                assert_ne!(schema, &json!({}), "{name}.{field} has no type");
            }
        }
    }

    #[test]
    fn every_record_resource_has_both_path_items_with_all_verbs() {
        let api = crate::routes::openapi().expect("collected");
        for name in [
            "admin", "user", "service", "role", "app", "lookup", "cors", "limit",
        ] {
            for (path, verbs) in [
                (format!("/system/{name}"), 5),
                (format!("/system/{name}/{{id}}"), 4),
            ] {
                let item = &api["paths"][&path];
                let operations = ["get", "post", "put", "patch", "delete"]
                    .iter()
                    .filter(|verb| item[**verb].is_object())
                    .count();
                assert_eq!(operations, verbs, "{path}");
            }
        }
    }
}
