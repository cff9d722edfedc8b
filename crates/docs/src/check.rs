//! A structural check of OpenAPI 3.0 documents, used by the tests: not a full validator
//! against the specification's JSON schema, but the rules a generator most easily breaks.

use std::collections::HashSet;

use serde_json::Value;

const VERBS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every problem found, empty when the document passes: the `openapi` version is 3.0.x,
/// `info.title`/`info.version` are strings, paths start with `/`, each operation has
/// responses and a unique `operationId`, path templates match required path parameters,
/// component names match `^[a-zA-Z0-9._-]+$`, and every local `$ref` resolves.
pub fn structural_errors(doc: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    if !doc["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.0."))
    {
        errors.push("`openapi` must be a 3.0.x version string".into());
    }
    for key in ["title", "version"] {
        if !doc["info"][key].is_string() {
            errors.push(format!("`info.{key}` must be a string"));
        }
    }
    let mut ids = HashSet::new();
    match doc["paths"].as_object() {
        None => errors.push("`paths` must be an object".into()),
        Some(paths) => {
            for (path, item) in paths {
                check_path(doc, path, item, &mut ids, &mut errors);
            }
        }
    }
    if let Some(components) = doc["components"].as_object() {
        for (kind, entries) in components {
            for name in entries.as_object().into_iter().flat_map(|m| m.keys()) {
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                {
                    errors.push(format!("bad component name `{kind}.{name}`"));
                }
            }
        }
    }
    check_refs(doc, doc, &mut errors);
    errors
}

fn check_path(
    doc: &Value,
    path: &str,
    item: &Value,
    ids: &mut HashSet<String>,
    errors: &mut Vec<String>,
) {
    if !path.starts_with('/') {
        errors.push(format!("path `{path}` must start with `/`"));
    }
    let templated: Vec<&str> = path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect();
    let Some(item) = item.as_object() else {
        errors.push(format!("path item `{path}` must be an object"));
        return;
    };
    for (verb, op) in item {
        if !VERBS.contains(&verb.as_str()) {
            errors.push(format!("`{path}`: unknown operation `{verb}`"));
            continue;
        }
        if op["responses"]
            .as_object()
            .is_none_or(serde_json::Map::is_empty)
        {
            errors.push(format!("`{verb} {path}` has no responses"));
        }
        match op["operationId"].as_str() {
            Some(id) if !ids.insert(id.to_string()) => {
                errors.push(format!("duplicate operationId `{id}`"));
            }
            _ => {}
        }
        let params: Vec<Value> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| resolve(doc, p).cloned().unwrap_or(Value::Null))
            .collect();
        for name in &templated {
            let declared = params.iter().any(|p| {
                p["in"] == "path" && p["name"] == *name && p["required"] == Value::Bool(true)
            });
            if !declared {
                errors.push(format!(
                    "`{verb} {path}`: path parameter `{name}` not declared"
                ));
            }
        }
        for p in &params {
            if p["in"] == "path" && !templated.iter().any(|n| p["name"] == *n) {
                errors.push(format!(
                    "`{verb} {path}`: path parameter {} not in the path",
                    p["name"]
                ));
            }
        }
    }
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> Option<&'a Value> {
    match value["$ref"].as_str() {
        None => Some(value),
        Some(reference) => doc.pointer(reference.strip_prefix('#')?),
    }
}

fn check_refs(doc: &Value, value: &Value, errors: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str)
                && resolve(doc, value).is_none()
            {
                errors.push(format!("unresolved $ref `{reference}`"));
            }
            map.values().for_each(|v| check_refs(doc, v, errors));
        }
        Value::Array(items) => items.iter().for_each(|v| check_refs(doc, v, errors)),
        _ => {}
    }
}
