//! DreamFactory field definitions to SQLite DDL. Identifiers come only
//! from validated names and are quoted; defaults are literals only (no `{"expression"}`:
//! client SQL never runs); `type` must be one of DreamFactory's abstract types.

use serde_json::Value;
use sluice_connector_core::ConnectorError;

use crate::authorizer::is_sqlite_internal;
use crate::picklist::{MAX_VALUE_LEN, MAX_VALUES, check_clause};

const MAX_NAME: usize = 64;

/// A table or column name: letters, digits and `_`, not starting with a digit, never
/// `sqlite_*`. Returned double-quoted for SQL.
pub(crate) fn quoted(name: &str) -> Result<String, ConnectorError> {
    let mut chars = name.chars();
    let valid = name.len() <= MAX_NAME
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_sqlite_internal(name);
    if !valid {
        return Err(ConnectorError::bad_request(format!(
            "Invalid name '{name}': use letters, digits and '_' (not starting with a digit \
             or 'sqlite_'), at most {MAX_NAME} characters."
        )));
    }
    Ok(format!("\"{name}\""))
}

fn bad(message: impl Into<String>) -> ConnectorError {
    ConnectorError::bad_request(message)
}

fn text<'v>(field: &'v Value, key: &str) -> Option<&'v str> {
    field.get(key).and_then(Value::as_str)
}

fn number(field: &Value, key: &str) -> Result<Option<u32>, ConnectorError> {
    match field.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (1..=65_535).contains(n))
            .map(Some)
            .ok_or_else(|| bad(format!("Invalid '{key}': expected a positive integer."))),
    }
}

/// The field's name, as given.
pub(crate) fn field_name(field: &Value) -> Result<&str, ConnectorError> {
    text(field, "name").ok_or_else(|| bad("Invalid schema detected - no name element."))
}

/// `"name" type [constraints]` for one DreamFactory field definition.
pub(crate) fn column_definition(field: &Value) -> Result<String, ConnectorError> {
    if !field.is_object() {
        return Err(bad("Invalid schema detected - a field must be an object."));
    }
    let name = quoted(field_name(field)?)?;
    let df_type = text(field, "type")
        .ok_or_else(|| {
            bad(format!(
                "Invalid schema detected - no type for field {name}."
            ))
        })?
        .to_ascii_lowercase();
    let length = number(field, "length")?.or(number(field, "size")?);
    let fixed = field.get("fixed_length").and_then(Value::as_bool) == Some(true);
    let sql_type = match df_type.as_str() {
        "id" | "pk" | "bigid" | "smallid" | "mediumid" => {
            return Ok(format!("{name} integer NOT NULL PRIMARY KEY AUTOINCREMENT"));
        }
        "reference" | "fk" | "integer" => "integer".to_owned(),
        // Declared by their own names: see `DfType::UserId`.
        "user_id" | "user_id_on_create" | "user_id_on_update" => df_type.clone(),
        "bigint" | "smallint" | "tinyint" | "mediumint" | "float" | "double" | "date" | "time"
        | "datetime" | "timestamp" | "text" | "longtext" | "mediumtext" => df_type.clone(),
        "boolean" => "tinyint(1)".to_owned(),
        "money" => "decimal(19,4)".to_owned(),
        "decimal" => {
            let precision = number(field, "precision")?.unwrap_or(10);
            let scale = number(field, "scale")?.map_or(0, |s| s.min(precision));
            format!("decimal({precision},{scale})")
        }
        "string" => format!(
            "{}({})",
            if fixed { "char" } else { "varchar" },
            length.unwrap_or(255)
        ),
        "binary" => "blob".to_owned(),
        "uuid" => "varchar(36)".to_owned(),
        "json" => "text".to_owned(),
        "timestamp_on_create" | "timestamp_on_update" => {
            return Ok(format!(
                "{name} {df_type} NOT NULL DEFAULT CURRENT_TIMESTAMP"
            ));
        }
        other => return Err(bad(format!("Invalid or unsupported field type '{other}'."))),
    };
    let mut sql = format!("{name} {sql_type}");
    if field.get("is_primary_key").and_then(Value::as_bool) == Some(true) {
        sql.push_str(" PRIMARY KEY");
    }
    if field.get("allow_null").and_then(Value::as_bool) != Some(true) {
        sql.push_str(" NOT NULL");
    }
    if let Some(default) = field.get("default").filter(|v| !v.is_null()) {
        sql.push_str(" DEFAULT ");
        sql.push_str(&default_literal(default, df_type == "boolean")?);
    }
    if field.get("is_unique").and_then(Value::as_bool) == Some(true) {
        sql.push_str(" UNIQUE");
    }
    if let Some(values) = picklist(field)? {
        sql.push_str(&check_clause(&name, &values));
    }
    if matches!(df_type.as_str(), "reference" | "fk") || field.get("ref_table").is_some() {
        sql.push_str(&references(field)?);
    }
    Ok(sql)
}

/// `picklist`: a list of strings (DreamFactory also takes them comma-separated).
fn picklist(field: &Value) -> Result<Option<Vec<String>>, ConnectorError> {
    let values: Vec<String> = match field.get("picklist") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text.split(',').map(|v| v.trim().to_owned()).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| bad("Invalid 'picklist': expected a list of strings."))?,
        Some(_) => return Err(bad("Invalid 'picklist': expected a list of strings.")),
    };
    if values.is_empty()
        || values.len() > MAX_VALUES
        || values.iter().any(|v| v.len() > MAX_VALUE_LEN)
    {
        return Err(bad(format!(
            "Invalid 'picklist': 1 to {MAX_VALUES} values of at most {MAX_VALUE_LEN} bytes."
        )));
    }
    Ok(Some(values))
}

fn default_literal(value: &Value, boolean: bool) -> Result<String, ConnectorError> {
    Ok(match value {
        Value::Bool(b) => u8::from(*b).to_string(),
        Value::Number(n) if boolean => u8::from(n.as_f64() != Some(0.0)).to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\'', "''")),
        _ => return Err(bad("Invalid 'default': only literal values are supported.")),
    })
}

fn references(field: &Value) -> Result<String, ConnectorError> {
    let table = text(field, "ref_table")
        .ok_or_else(|| bad("Invalid schema detected - a reference needs 'ref_table'."))?;
    let column = text(field, "ref_field").unwrap_or("id");
    let mut sql = format!(" REFERENCES {}({})", quoted(table)?, quoted(column)?);
    for (key, clause) in [
        ("ref_on_update", "ON UPDATE"),
        ("ref_on_delete", "ON DELETE"),
    ] {
        if let Some(rule) = text(field, key) {
            let rule = rule.to_ascii_uppercase();
            let known = [
                "CASCADE",
                "SET NULL",
                "SET DEFAULT",
                "RESTRICT",
                "NO ACTION",
            ];
            if !known.contains(&rule.as_str()) {
                return Err(bad(format!("Invalid '{key}': {rule}.")));
            }
            sql.push_str(&format!(" {clause} {rule}"));
        }
    }
    Ok(sql)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dreamfactory_types_map_to_sqlite_columns() {
        let cases = [
            (
                json!({"name":"id","type":"id"}),
                "\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT",
            ),
            (
                json!({"name":"t","type":"string","length":40,"allow_null":true}),
                "\"t\" varchar(40)",
            ),
            (
                json!({"name":"b","type":"boolean","default":true}),
                "\"b\" tinyint(1) NOT NULL DEFAULT 1",
            ),
            (
                json!({"name":"m","type":"money","default":"0"}),
                "\"m\" decimal(19,4) NOT NULL DEFAULT '0'",
            ),
            (
                json!({"name":"c","type":"reference","ref_table":"contact","ref_field":"id","ref_on_delete":"cascade"}),
                "\"c\" integer NOT NULL REFERENCES \"contact\"(\"id\") ON DELETE CASCADE",
            ),
            (
                json!({"name":"at","type":"timestamp_on_create"}),
                "\"at\" timestamp_on_create NOT NULL DEFAULT CURRENT_TIMESTAMP",
            ),
            (
                json!({"name":"by","type":"user_id_on_update","allow_null":true}),
                "\"by\" user_id_on_update",
            ),
        ];
        for (field, sql) in cases {
            assert_eq!(column_definition(&field).unwrap(), sql);
        }
    }

    #[test]
    fn names_types_and_defaults_are_validated() {
        for field in [
            json!({"name":"a\"b","type":"integer"}),
            json!({"name":"sqlite_x","type":"integer"}),
            json!({"name":"x","type":"integer primary key"}),
            json!({"name":"x","type":"integer","default":{"expression":"1"}}),
            json!({"name":"x","type":"reference"}),
            json!({"name":"x","type":"reference","ref_table":"t","ref_on_delete":"DROP"}),
        ] {
            assert!(column_definition(&field).is_err(), "{field}");
        }
    }
}
