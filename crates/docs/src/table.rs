//! One table's record schema and its two path items, `/_table/{table}` and
//! `/_table/{table}/{id}`, with only the operations the caller may use.

use serde_json::{Map, Value, json};
use sluice_connector_core::{ColumnSchema, DfType, TableSchema};

use crate::Verbs;
use crate::common::{
    LIST_READ, LIST_WRITE, RECORD_READ, RECORD_WRITE, error_responses, param_refs,
};

/// A name usable as a component key and in an `operationId` (`^[a-zA-Z0-9._-]+$`).
pub fn key_of(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The component name of a table's record schema.
pub fn record_schema_name(table: &str) -> String {
    format!("{}.Record", key_of(table))
}

/// The JSON schema of one column, from its DreamFactory type: its JSON wire type
/// (decimals are numbers, binaries base64), nullability, maximum length.
pub fn column_schema(column: &ColumnSchema) -> Value {
    let mut schema = Map::new();
    let (ty, format) = match column.df_type {
        DfType::Id
        | DfType::Reference
        | DfType::Integer
        | DfType::UserId
        | DfType::UserIdOnCreate
        | DfType::UserIdOnUpdate => (Some("integer"), None),
        DfType::BigInt => (Some("integer"), Some("int64")),
        DfType::Boolean => (Some("boolean"), None),
        DfType::Decimal | DfType::Money => (Some("number"), None),
        DfType::Float => (Some("number"), Some("float")),
        DfType::Double => (Some("number"), Some("double")),
        DfType::String
        | DfType::Text
        | DfType::Time
        | DfType::TimestampOnCreate
        | DfType::TimestampOnUpdate => (Some("string"), None),
        DfType::Date => (Some("string"), Some("date")),
        DfType::DateTime | DfType::Timestamp => (Some("string"), Some("date-time")),
        DfType::Binary => (Some("string"), Some("byte")),
        DfType::Untyped => (None, None),
    };
    if let Some(ty) = ty {
        schema.insert("type".into(), json!(ty));
    }
    if let Some(format) = format {
        schema.insert("format".into(), json!(format));
    }
    if let (Some(length), Some("string"), None) = (column.length, ty, format) {
        schema.insert("maxLength".into(), json!(length));
    }
    if column.allow_null {
        schema.insert("nullable".into(), json!(true));
    }
    if let Some(values) = &column.picklist {
        // OpenAPI 3.0 checks `enum` before `nullable`: a nullable field lists null too.
        let mut choices: Vec<Value> = values.iter().map(|v| json!(v)).collect();
        if column.allow_null {
            choices.push(Value::Null);
        }
        schema.insert("enum".into(), Value::Array(choices));
    }
    if column.auto_increment || column.df_type.is_server_filled() {
        schema.insert("readOnly".into(), json!(true));
    }
    let mut description = format!("DreamFactory type `{}`", column.df_type.as_str());
    if !column.db_type.is_empty() {
        description.push_str(&format!(", declared `{}`", column.db_type));
    }
    if column.is_primary_key {
        description.push_str(", primary key");
    }
    if let Some(default) = &column.default {
        description.push_str(&format!(", default `{default}`"));
    }
    schema.insert("description".into(), json!(description));
    Value::Object(schema)
}

/// The record schema of a table: one property per column the caller may see. No property
/// is required, since `fields` may leave any of them out of a response.
pub fn record_schema(table: &TableSchema, hidden_fields: &[String]) -> Value {
    let properties: Map<String, Value> = table
        .columns()
        .iter()
        .filter(|c| {
            !hidden_fields
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&c.name))
        })
        .map(|c| (c.name.clone(), column_schema(c)))
        .collect();
    json!({"type": "object", "properties": properties})
}

/// The path items of one table, keyed by path; empty when `verbs` allows nothing.
pub fn table_paths(table: &TableSchema, tag: &str, verbs: Verbs) -> Vec<(String, Value)> {
    if verbs.is_empty() {
        return Vec::new();
    }
    let name = table.name();
    let key = key_of(name);
    let record = json!({"$ref": format!("#/components/schemas/{}", record_schema_name(name))});
    let list = json!({"type": "object", "properties": {
        "resource": {"type": "array", "items": {"anyOf": [
            record, {"$ref": "#/components/schemas/Identifier"}
        ]}},
        "meta": {"$ref": "#/components/schemas/Meta"}
    }});
    let body = |summary: &str| {
        json!({"required": true, "description": summary, "content": {"application/json": {
            "schema": {"oneOf": [
                {"type": "object", "properties": {"resource": {"type": "array", "items": record}}},
                {"type": "array", "items": record},
                record
            ]}
        }}})
    };
    let mut list_ops = Map::new();
    let mut record_ops = Map::new();
    for verb in verbs.operations() {
        let (summary, params, body_summary, list_ok) = match verb {
            "get" => (
                "Retrieve records",
                LIST_READ,
                None,
                crate::common::or_count(list.clone()),
            ),
            "post" => (
                "Create records",
                LIST_WRITE,
                Some("Records to create."),
                list.clone(),
            ),
            "put" => (
                "Replace records",
                LIST_WRITE,
                Some("Records to replace, by identifier."),
                list.clone(),
            ),
            "patch" => (
                "Update records",
                LIST_WRITE,
                Some("Records to update, by identifier."),
                list.clone(),
            ),
            _ => ("Delete records", LIST_WRITE, None, list.clone()),
        };
        let mut op = operation(
            tag,
            &format!("{verb}_{key}_records"),
            &format!("{summary} of `{name}`."),
            param_refs(params),
            list_ok,
        );
        if let Some(body_summary) = body_summary {
            op["requestBody"] = body(body_summary);
        }
        list_ops.insert(verb.into(), op);
        if verb == "post" {
            continue;
        }
        let (summary, params) = match verb {
            "get" => ("Retrieve one record", RECORD_READ),
            "put" => ("Replace one record", RECORD_WRITE),
            "patch" => ("Update one record", RECORD_WRITE),
            _ => ("Delete one record", RECORD_WRITE),
        };
        let mut parameters = vec![json!({"name": "id", "in": "path", "required": true,
            "description": "The record's identifier (its primary key, or `id_field`).",
            "schema": {"type": "string"}})];
        parameters.extend(param_refs(params));
        let mut op = operation(
            tag,
            &format!("{verb}_{key}_record"),
            &format!("{summary} of `{name}`."),
            parameters,
            record.clone(),
        );
        if matches!(verb, "put" | "patch") {
            op["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": record}}});
        }
        record_ops.insert(verb.into(), op);
    }
    let mut paths = vec![(format!("/_table/{name}"), Value::Object(list_ops))];
    if !record_ops.is_empty() {
        paths.push((format!("/_table/{name}/{{id}}"), Value::Object(record_ops)));
    }
    paths
}

/// One operation with its 200 response and the error responses.
pub fn operation(tag: &str, id: &str, summary: &str, parameters: Vec<Value>, ok: Value) -> Value {
    let mut responses = Map::new();
    responses.insert(
        "200".into(),
        json!({"description": "Success", "content": {"application/json": {"schema": ok}}}),
    );
    error_responses(&mut responses);
    let mut op = json!({"tags": [tag], "operationId": id, "summary": summary,
                        "responses": responses});
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    op
}
