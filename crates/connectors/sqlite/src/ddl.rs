//! DreamFactory field definitions (checked by core's `FieldDefinition`) to SQLite DDL.
//! Identifiers come only from validated names and are quoted; defaults are literals only.

use serde_json::Value;
use sluice_connector_core::sql::{NameRules, checked_identifier};
use sluice_connector_core::{ConnectorError, FieldDefinition, string_literal};

const NAME_RULES: NameRules = NameRules {
    max_len: 64,
    reserved_prefix: Some("sqlite_"),
};

/// A table or column name: letters, digits and `_`, not starting with a digit, never
/// `sqlite_*`. Returned double-quoted for SQL.
pub(crate) fn quoted(name: &str) -> Result<String, ConnectorError> {
    checked_identifier::<crate::dialect::Sqlite>(name, NAME_RULES)
}

/// `"name" type [constraints]` for one DreamFactory field definition.
pub(crate) fn column_definition(field: &Value) -> Result<String, ConnectorError> {
    let field = FieldDefinition::parse(field, quoted)?;
    let name = &field.name;
    let df_type = field.df_type.as_str();
    if field.is_id() {
        return Ok(format!("{name} integer NOT NULL PRIMARY KEY AUTOINCREMENT"));
    }
    if field.is_timestamp_on() {
        return Ok(format!(
            "{name} {df_type} NOT NULL DEFAULT CURRENT_TIMESTAMP"
        ));
    }
    let sql_type = match df_type {
        "reference" | "fk" | "integer" => "integer".to_owned(),
        "boolean" => "tinyint(1)".to_owned(),
        "money" => "decimal(19,4)".to_owned(),
        "decimal" => format!("decimal({},{})", field.precision, field.scale),
        "string" => format!(
            "{}({})",
            if field.fixed_length {
                "char"
            } else {
                "varchar"
            },
            field.length.unwrap_or(255)
        ),
        "binary" => "blob".to_owned(),
        "uuid" => "varchar(36)".to_owned(),
        "json" => "text".to_owned(),
        // Declared by their own names (see `DfType::UserId` for the `user_id` types).
        other => other.to_owned(),
    };
    let default = field
        .default
        .as_ref()
        .map(|default| default_literal(default, df_type == "boolean"));
    Ok(format!(
        "{name} {sql_type}{}",
        field.constraints(default, "")
    ))
}

/// A checked literal (boolean, number or string) in SQLite's spelling: booleans as 0 / 1.
fn default_literal(value: &Value, boolean: bool) -> String {
    match value {
        Value::Bool(b) => u8::from(*b).to_string(),
        Value::Number(n) if boolean => u8::from(n.as_f64() != Some(0.0)).to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_literal(s),
        other => other.to_string(),
    }
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
