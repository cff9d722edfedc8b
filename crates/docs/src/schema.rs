//! The `_schema` paths of a database service: the table list and
//! create/drop on `/_schema`, and one generic set of `/_schema/{table_name}/...` paths whose
//! `table_name` enum lists the tables the caller may inspect or change.

use serde_json::{Map, Value, json};

use crate::Verbs;
use crate::common::param_refs;
use crate::table::operation;

/// Component schemas the `_schema` operations refer to, keyed by name.
pub fn schema_components() -> Map<String, Value> {
    let text = json!({"type": "string", "nullable": true});
    let integer = json!({"type": "integer", "nullable": true});
    let field = json!({
        "type": "object",
        "description": "A field descriptor (wire reference 6.2). On writes only `name` is \
                        required; `type` is one of DreamFactory's abstract types.",
        "required": ["name"],
        "properties": {
            "alias": text, "name": {"type": "string"}, "label": text, "description": text,
            "native": {"type": "array", "items": {}}, "type": {"type": "string"},
            "db_type": text, "length": integer, "precision": integer, "scale": integer,
            "default": {"nullable": true},
            "required": {"type": "boolean"}, "allow_null": {"type": "boolean"},
            "fixed_length": {"type": "boolean"}, "supports_multibyte": {"type": "boolean"},
            "auto_increment": {"type": "boolean"}, "is_primary_key": {"type": "boolean"},
            "is_unique": {"type": "boolean"}, "is_index": {"type": "boolean"},
            "is_foreign_key": {"type": "boolean"}, "ref_table": text, "ref_field": text,
            "ref_on_update": text, "ref_on_delete": text,
            "picklist": {"type": "array", "nullable": true, "items": {"type": "string"}},
            "validation": {"nullable": true}, "db_function": {"nullable": true},
            "is_virtual": {"type": "boolean"}, "is_aggregate": {"type": "boolean"}
        }
    });
    let relation = json!({
        "type": "object",
        "description": "A relationship descriptor (wire reference 6.2).",
        "properties": {
            "alias": text, "name": {"type": "string"}, "label": text, "description": text,
            "native": {"type": "array", "items": {}}, "type": {"type": "string"},
            "field": text, "is_virtual": {"type": "boolean"}, "ref_service_id": integer,
            "ref_table": text, "ref_field": text, "ref_on_update": text, "ref_on_delete": text,
            "junction_service_id": integer, "junction_table": text, "junction_field": text,
            "junction_ref_field": text, "always_fetch": {"type": "boolean"},
            "flatten": {"type": "boolean"}, "flatten_drop_prefix": {"type": "boolean"}
        }
    });
    let table = json!({
        "type": "object",
        "description": "A table descriptor (wire reference 6.2). On writes only `name` and \
                        `field` are read.",
        "required": ["name"],
        "properties": {
            "alias": text, "name": {"type": "string"}, "label": text, "description": text,
            "native": {"type": "array", "items": {}}, "plural": text,
            "is_view": {"type": "boolean"},
            "primary_key": {"type": "array", "nullable": true, "items": {"type": "string"}},
            "name_field": text,
            "field": {"type": "array", "items": {"$ref": "#/components/schemas/SchemaField"}},
            "related": {"type": "array",
                        "items": {"$ref": "#/components/schemas/SchemaRelation"}},
            "constraints": {"type": "object", "additionalProperties": true},
            "access": {"type": "integer", "description": "The caller's verb mask."}
        }
    });
    let mut schemas = Map::new();
    schemas.insert("SchemaField".into(), field);
    schemas.insert("SchemaRelation".into(), relation);
    schemas.insert("SchemaTable".into(), table);
    schemas
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn wrapped(items: Value) -> Value {
    json!({"type": "object", "properties": {"resource": {"type": "array", "items": items}}})
}

/// A body of one or more items: `{"resource": [...]}`, a bare array, or one object.
fn many_body(item: &Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": {"oneOf": [
        wrapped(item.clone()), {"type": "array", "items": item}, item]}}}})
}

fn one_body(item: &Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": item}}})
}

fn path_param(name: &str, description: &str, choices: Option<&[String]>) -> Value {
    let mut schema = json!({"type": "string"});
    if let Some(choices) = choices {
        schema["enum"] = json!(choices);
    }
    json!({"name": name, "in": "path", "required": true, "description": description,
           "schema": schema})
}

fn query_flag(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description,
           "schema": {"type": "boolean"}})
}

/// The `_schema` path items, keyed by path. `service_verbs` are the verbs on the `_schema`
/// component; `tables` the tables the caller may reach through `_schema/{table}`, with the
/// union of their verbs.
pub fn schema_paths(
    tag: &str,
    service_verbs: Verbs,
    tables: &[String],
    table_verbs: Verbs,
) -> Vec<(String, Value)> {
    let mut paths = Vec::new();
    let names = wrapped(json!({"type": "object", "properties": {"name": {"type": "string"}}}));
    let success = json!({"type": "object", "properties": {"success": {"type": "boolean"}}});
    let table = schema_ref("SchemaTable");
    let field = schema_ref("SchemaField");
    let op = |id: &str, summary: &str, params: Vec<Value>, ok: &Value| {
        operation(tag, id, summary, params, ok.clone())
    };

    let mut root = Map::new();
    if service_verbs.get {
        // Names as objects, summaries, descriptors, or bare names with `as_list`.
        let list = crate::common::or_count(wrapped(json!({})));
        root.insert(
            "get".into(),
            op(
                "get_schema",
                "List the tables (names; `fields=*` for summaries; `ids=` for descriptors).",
                param_refs(crate::common::TABLE_LIST),
                &list,
            ),
        );
    }
    if service_verbs.post {
        let mut create = op(
            "create_schema_tables",
            "Create tables, or add missing fields to existing ones.",
            vec![query_flag(
                "check_exist",
                "Refuse a table that already exists instead of adding its missing fields.",
            )],
            &names,
        );
        create["requestBody"] = many_body(&table);
        root.insert("post".into(), create);
    }
    for (verb, on, summary) in [
        (
            "put",
            service_verbs.put,
            "Change tables by their descriptors' fields, dropping \
                                    fields not listed; create missing tables (needs POST).",
        ),
        (
            "patch",
            service_verbs.patch,
            "Change tables by their descriptors' fields; create \
                                        missing tables (needs POST).",
        ),
    ] {
        if on {
            let mut update = op(
                &format!("{verb}_schema_tables"),
                summary,
                Vec::new(),
                &names,
            );
            update["requestBody"] = many_body(&table);
            root.insert(verb.into(), update);
        }
    }
    if service_verbs.delete {
        let drop = op(
            "delete_schema_tables",
            "Drop the tables named by `ids` (or in the body).",
            param_refs(&["ids"]),
            &names,
        );
        root.insert("delete".into(), drop);
    }
    if !root.is_empty() {
        paths.push(("/_schema".to_string(), Value::Object(root)));
    }
    if tables.is_empty() || table_verbs.is_empty() {
        return paths;
    }

    let table_param = || path_param("table_name", "The table.", Some(tables));
    let field_param = || path_param("field_name", "The field.", None);
    let mut describe = Map::new();
    let mut fields = Map::new();
    let mut one_field = Map::new();
    if table_verbs.get {
        describe.insert(
            "get".into(),
            op(
                "describe_schema_table",
                "Describe one table: fields, relationships, keys, access.",
                vec![
                    table_param(),
                    json!({"$ref": "#/components/parameters/refresh"}),
                ],
                &table,
            ),
        );
        fields.insert(
            "get".into(),
            op(
                "describe_schema_fields",
                "Describe the table's fields.",
                vec![table_param()],
                &wrapped(field.clone()),
            ),
        );
        one_field.insert(
            "get".into(),
            op(
                "describe_schema_field",
                "Describe one field.",
                vec![table_param(), field_param()],
                &field,
            ),
        );
        let related = op(
            "describe_schema_relations",
            "Describe the table's relationships.",
            vec![table_param()],
            &wrapped(schema_ref("SchemaRelation")),
        );
        paths.push((
            "/_schema/{table_name}/_related".to_string(),
            json!({ "get": related }),
        ));
    }
    let table_writes = [
        (
            "post",
            table_verbs.post,
            "Add the fields the table does not have.",
        ),
        (
            "put",
            table_verbs.put,
            "Change the listed fields (a new `name` renames), add new \
                                  ones, drop the others.",
        ),
        (
            "patch",
            table_verbs.patch,
            "Change the listed fields (a new `name` renames) and add \
                                      new ones.",
        ),
    ];
    for (verb, on, summary) in table_writes {
        if !on {
            continue;
        }
        let mut update = op(
            &format!("{verb}_schema_table"),
            summary,
            vec![table_param()],
            &success,
        );
        update["requestBody"] = one_body(&table);
        describe.insert(verb.into(), update);
        let (id, summary) = match verb {
            "post" => ("add_schema_fields".to_string(), "Add fields to the table."),
            _ => (
                format!("{verb}_schema_fields"),
                "Change the listed fields (a new `name` renames); add new ones.",
            ),
        };
        let mut many = op(&id, summary, vec![table_param()], &success);
        many["requestBody"] = many_body(&field);
        fields.insert(verb.into(), many);
        if verb != "post" {
            let mut one = op(
                &format!("{verb}_schema_field"),
                "Change one field: a new `name` renames it; type, length, nullability, \
                 default, uniqueness or reference rebuild the table.",
                vec![table_param(), field_param()],
                &success,
            );
            one["requestBody"] = one_body(&field);
            one_field.insert(verb.into(), one);
        }
    }
    if table_verbs.delete {
        describe.insert(
            "delete".into(),
            op(
                "delete_schema_table",
                "Drop the table.",
                vec![table_param()],
                &success,
            ),
        );
        one_field.insert(
            "delete".into(),
            op(
                "delete_schema_field",
                "Drop one field.",
                vec![table_param(), field_param()],
                &success,
            ),
        );
    }
    for (path, item) in [
        ("/_schema/{table_name}", describe),
        ("/_schema/{table_name}/_field", fields),
        ("/_schema/{table_name}/_field/{field_name}", one_field),
    ] {
        if !item.is_empty() {
            paths.push((path.to_string(), Value::Object(item)));
        }
    }
    paths
}
