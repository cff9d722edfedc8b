//! utoipa writes OpenAPI 3.1 schemas; every Sluice document is 3.0.3 (as DreamFactory's are
//! 3.0), so clients and tools see one dialect. The only 3.1 constructs utoipa produces for
//! our types are the `null` type for `Option` fields, rewritten here to 3.0's `nullable`.

use serde_json::{Map, Value, json};

/// Rewrites, everywhere in `value`, `"type": [T, "null"]` to `"type": T, "nullable": true`
/// and `oneOf`/`anyOf` alternatives of `{"type": "null"}` to `nullable` on the rest.
pub fn nullable_to_3_0(value: &mut Value) {
    match value {
        Value::Object(map) => {
            rewrite_type_array(map);
            for key in ["oneOf", "anyOf"] {
                rewrite_null_alternative(map, key);
            }
            map.values_mut().for_each(nullable_to_3_0);
        }
        Value::Array(items) => items.iter_mut().for_each(nullable_to_3_0),
        _ => {}
    }
}

fn is_null_type(value: &Value) -> bool {
    value.as_str() == Some("null")
}

fn rewrite_type_array(map: &mut Map<String, Value>) {
    let Some(Value::Array(types)) = map.get("type") else {
        return;
    };
    let nullable = types.iter().any(is_null_type);
    let rest: Vec<Value> = types.iter().filter(|t| !is_null_type(t)).cloned().collect();
    match rest.as_slice() {
        [single] => {
            map.insert("type".into(), single.clone());
        }
        // No single 3.0 type: leave the type open rather than invent one.
        _ => {
            map.remove("type");
        }
    }
    if nullable {
        map.insert("nullable".into(), json!(true));
    }
}

fn rewrite_null_alternative(map: &mut Map<String, Value>, key: &str) {
    let Some(Value::Array(alternatives)) = map.get(key) else {
        return;
    };
    if !alternatives.iter().any(|a| is_null_type(&a["type"])) {
        return;
    }
    let mut rest: Vec<Value> = alternatives
        .iter()
        .filter(|a| !is_null_type(&a["type"]))
        .cloned()
        .collect();
    map.remove(key);
    // 3.0 ignores `nullable` next to a bare `$ref`, so a single alternative goes in `allOf`.
    if rest.len() == 1 {
        map.insert("allOf".into(), Value::Array(vec![rest.remove(0)]));
    } else {
        map.insert(key.into(), Value::Array(rest));
    }
    map.insert("nullable".into(), json!(true));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_arrays_with_null_become_nullable() {
        let mut schema = json!({"properties": {"a": {"type": ["string", "null"]},
                                               "b": {"type": ["integer"]}}});
        nullable_to_3_0(&mut schema);
        assert_eq!(
            schema,
            json!({"properties": {"a": {"type": "string", "nullable": true},
                                  "b": {"type": "integer"}}})
        );
    }

    #[test]
    fn a_null_alternative_becomes_a_nullable_all_of() {
        let mut schema =
            json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Role"}]});
        nullable_to_3_0(&mut schema);
        assert_eq!(
            schema,
            json!({"allOf": [{"$ref": "#/components/schemas/Role"}], "nullable": true})
        );
    }
}
