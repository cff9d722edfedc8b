//! DreamFactory field definitions (checked by core's `FieldDefinition`) to MySQL/MariaDB
//! DDL. Identifiers come only from validated names and are quoted; defaults and picklist
//! values are literals only, written with MySQL's escaping (`\` is an escape character in
//! its string literals unless `NO_BACKSLASH_ESCAPES` is set, which the connector does not
//! set, so the standard `''` doubling alone would not be enough).
//!
//! | DreamFactory | MySQL / MariaDB |
//! | --- | --- |
//! | `id`, `pk` / `bigid` / `smallid` / `mediumid` | `int` / `bigint` / `smallint` / `mediumint NOT NULL AUTO_INCREMENT PRIMARY KEY` |
//! | `integer`, `reference`, `fk`, `user_id*` | `int` |
//! | `tinyint`, `smallint`, `mediumint`, `bigint` | the same |
//! | `float` / `double` | `float` / `double` |
//! | `decimal` / `money` | `decimal(p,s)` / `decimal(19,4)` |
//! | `string` | `varchar(n)` (`char(n)` with `fixed_length`), 255 by default |
//! | `text`, `mediumtext`, `longtext` | the same |
//! | `boolean` | `tinyint(1)` |
//! | `date`, `time`, `datetime`, `timestamp` | the same |
//! | `timestamp_on_create` / `_on_update` | `timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP` (`ON UPDATE CURRENT_TIMESTAMP`) |
//! | `binary` | `blob`; with `length`, `varbinary(n)` (`binary(n)` with `fixed_length`) |
//! | `uuid` | `char(36)` |
//! | `json` | `json` (MariaDB: `longtext` checked by `JSON_VALID`) |

use serde_json::Value;
use sluice_connector_core::sql::{NameRules, checked_identifier};
use sluice_connector_core::{ConnectorError, FieldDefinition};

/// MySQL's longest identifier.
const NAME_RULES: NameRules = NameRules {
    max_len: 64,
    reserved_prefix: None,
};

/// A table or column name from a request: letters, digits and `_`, not starting with a
/// digit. Returned in backticks for SQL.
pub(crate) fn quoted(name: &str) -> Result<String, ConnectorError> {
    checked_identifier::<crate::dialect::Mysql>(name, NAME_RULES)
}

/// A name from the catalog (a table or column that exists, whatever its spelling), in
/// backticks with every backtick doubled. Names from a request go through [`quoted`].
pub(crate) fn quote_existing(name: &str) -> String {
    let mut sql = String::with_capacity(name.len() + 2);
    sluice_connector_core::sql::push_identifier::<crate::dialect::Mysql>(&mut sql, name);
    sql
}

/// `'text'` as MySQL reads it whatever `NO_BACKSLASH_ESCAPES` says: `'` doubled, `\`
/// doubled and NUL written as `\0`.
pub(crate) fn literal(text: &str) -> String {
    let mut sql = String::with_capacity(text.len() + 2);
    sql.push('\'');
    for c in text.chars() {
        match c {
            '\'' => sql.push_str("''"),
            '\\' => sql.push_str("\\\\"),
            '\0' => sql.push_str("\\0"),
            c => sql.push(c),
        }
    }
    sql.push('\'');
    sql
}

/// The column type of a checked definition (`id` types without their key clauses).
pub(crate) fn sql_type(field: &FieldDefinition) -> String {
    let sized = |fixed: &str, varying: &str, length: u32| {
        let kind = if field.fixed_length { fixed } else { varying };
        format!("{kind}({length})")
    };
    match field.df_type.as_str() {
        "bigid" | "bigint" => "bigint".to_owned(),
        "smallid" | "smallint" => "smallint".to_owned(),
        "mediumid" | "mediumint" => "mediumint".to_owned(),
        "tinyint" => "tinyint".to_owned(),
        "float" => "float".to_owned(),
        "double" => "double".to_owned(),
        "money" => "decimal(19,4)".to_owned(),
        "decimal" => format!("decimal({},{})", field.precision, field.scale),
        "string" => sized("char", "varchar", field.length.unwrap_or(255)),
        "text" | "mediumtext" | "longtext" | "date" | "time" | "datetime" | "timestamp"
        | "json" => field.df_type.clone(),
        "boolean" => "tinyint(1)".to_owned(),
        "timestamp_on_create" | "timestamp_on_update" => "timestamp".to_owned(),
        "binary" => match field.length {
            Some(length) => sized("binary", "varbinary", length),
            None => "blob".to_owned(),
        },
        "uuid" => "char(36)".to_owned(),
        // id, pk, integer, reference, fk, user_id*.
        _ => "int".to_owned(),
    }
}

/// Types MySQL cannot index without a prefix length: a key or UNIQUE on them fails.
fn unindexable(field: &FieldDefinition) -> bool {
    matches!(
        field.df_type.as_str(),
        "text" | "mediumtext" | "longtext" | "json"
    ) || (field.df_type == "binary" && field.length.is_none())
}

/// One column of a `CREATE TABLE` or `ADD COLUMN`, and its foreign key clause (MySQL
/// ignores `REFERENCES` written beside a column: the key must be a clause of its own).
pub(crate) struct ColumnDdl {
    pub(crate) definition: String,
    pub(crate) foreign_key: Option<String>,
    /// NOT NULL without a default: adding it to a table with records fails elsewhere.
    pub(crate) needs_default: bool,
}

/// Checks `field` and renders it; every refusal happens here, before any statement runs.
pub(crate) fn column(field: &Value) -> Result<ColumnDdl, ConnectorError> {
    let field = FieldDefinition::parse(field, quoted)?;
    let name = &field.name;
    let sql_type = sql_type(&field);
    if field.is_id() {
        return Ok(ColumnDdl {
            definition: format!("{name} {sql_type} NOT NULL AUTO_INCREMENT PRIMARY KEY"),
            foreign_key: None,
            needs_default: false,
        });
    }
    if field.is_timestamp_on() {
        let on_update = match field.df_type.as_str() {
            "timestamp_on_update" => " ON UPDATE CURRENT_TIMESTAMP",
            _ => "",
        };
        return Ok(ColumnDdl {
            definition: format!("{name} {sql_type} NOT NULL DEFAULT CURRENT_TIMESTAMP{on_update}"),
            foreign_key: None,
            needs_default: false,
        });
    }
    if (field.primary_key || field.unique) && unindexable(&field) {
        return Err(ConnectorError::bad_request(format!(
            "Field {name} of type '{}' can not be a key or unique in MySQL; use a string \
             (or a binary with a length) instead.",
            field.df_type
        )));
    }
    let mut definition = format!("{name} {sql_type}");
    definition.push_str(&column_constraints(&field)?);
    let foreign_key = field
        .reference
        .as_ref()
        .map(|reference| -> Result<String, ConnectorError> {
            let mut clause = format!(
                "FOREIGN KEY ({name}) REFERENCES {}({})",
                reference.table, reference.field
            );
            for (event, rule) in [
                ("UPDATE", &reference.on_update),
                ("DELETE", &reference.on_delete),
            ] {
                match rule.as_deref() {
                    None => {}
                    // InnoDB parses SET DEFAULT and then refuses the table.
                    Some("SET DEFAULT") => {
                        return Err(ConnectorError::bad_request(
                            "Invalid reference rule: MySQL does not support SET DEFAULT.",
                        ));
                    }
                    Some(rule) => clause.push_str(&format!(" ON {event} {rule}")),
                }
            }
            Ok(clause)
        })
        .transpose()?;
    Ok(ColumnDdl {
        definition,
        foreign_key,
        needs_default: !field.allow_null && field.default.is_none() && !field.primary_key,
    })
}

/// ` [PRIMARY KEY] NULL|NOT NULL [DEFAULT x] [UNIQUE] [CHECK (c IN (...))]`. `NULL` is
/// written out: without it a `timestamp` column may be NOT NULL by the server's default.
fn column_constraints(field: &FieldDefinition) -> Result<String, ConnectorError> {
    let mut sql = String::new();
    if field.primary_key {
        sql.push_str(" PRIMARY KEY");
    }
    sql.push_str(if field.allow_null {
        " NULL"
    } else {
        " NOT NULL"
    });
    if let Some(default) = &field.default {
        sql.push_str(" DEFAULT ");
        sql.push_str(&default_literal(default, field.df_type == "boolean")?);
    }
    if field.unique {
        sql.push_str(" UNIQUE");
    }
    if let Some(values) = &field.picklist {
        let literals: Vec<String> = values.iter().map(|v| literal(v)).collect();
        sql.push_str(&format!(
            " CHECK ({} IN ({}))",
            field.name,
            literals.join(", ")
        ));
    }
    Ok(sql)
}

/// A checked literal (boolean, number or string) in MySQL's spelling; the server converts
/// it to the column's type.
pub(crate) fn default_literal(value: &Value, boolean: bool) -> Result<String, ConnectorError> {
    Ok(match value {
        Value::Bool(b) => u8::from(*b).to_string(),
        Value::Number(n) if boolean => u8::from(n.as_f64() != Some(0.0)).to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => literal(s),
        _ => {
            return Err(ConnectorError::bad_request(
                "Invalid 'default': only literal values are supported.",
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rendered(field: Value) -> (String, Option<String>) {
        let ddl = column(&field).expect("valid");
        (ddl.definition, ddl.foreign_key)
    }

    #[test]
    fn dreamfactory_types_map_to_mysql_columns() {
        let cases = [
            (
                json!({"name":"id","type":"id"}),
                "`id` int NOT NULL AUTO_INCREMENT PRIMARY KEY",
            ),
            (
                json!({"name":"t","type":"string","length":40,"allow_null":true}),
                "`t` varchar(40) NULL",
            ),
            (
                json!({"name":"b","type":"boolean","default":true}),
                "`b` tinyint(1) NOT NULL DEFAULT 1",
            ),
            (
                json!({"name":"m","type":"money","default":"0"}),
                "`m` decimal(19,4) NOT NULL DEFAULT '0'",
            ),
            (
                json!({"name":"s","type":"string","picklist":["a","b'c\\"],"is_unique":true}),
                "`s` varchar(255) NOT NULL UNIQUE CHECK (`s` IN ('a', 'b''c\\\\'))",
            ),
            (
                json!({"name":"at","type":"timestamp_on_update"}),
                "`at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP",
            ),
            (
                json!({"name":"j","type":"json","allow_null":true}),
                "`j` json NULL",
            ),
            (json!({"name":"u","type":"uuid"}), "`u` char(36) NOT NULL"),
            (
                json!({"name":"f","type":"binary","allow_null":true}),
                "`f` blob NULL",
            ),
        ];
        for (field, sql) in cases {
            assert_eq!(rendered(field), (sql.to_owned(), None));
        }
        assert_eq!(
            rendered(json!({"name":"c","type":"reference","ref_table":"contact",
                            "ref_on_delete":"cascade","allow_null":true})),
            (
                "`c` int NULL".to_owned(),
                Some("FOREIGN KEY (`c`) REFERENCES `contact`(`id`) ON DELETE CASCADE".to_owned())
            )
        );
    }

    #[test]
    fn a_backslash_cannot_end_a_literal_early() {
        assert_eq!(
            literal("x\\'); DROP TABLE t; --"),
            "'x\\\\''); DROP TABLE t; --'"
        );
        assert_eq!(literal("a\0b"), "'a\\0b'");
    }

    #[test]
    fn names_types_keys_rules_and_defaults_are_validated_before_any_statement() {
        for field in [
            json!({"name":"a`b","type":"integer"}),
            json!({"name":"x","type":"integer primary key"}),
            json!({"name":"x","type":"integer","default":{"expression":"now()"}}),
            json!({"name":"x","type":"reference"}),
            json!({"name":"x","type":"text","is_unique":true}),
            json!({"name":"x","type":"reference","ref_table":"t","ref_on_delete":"set default"}),
        ] {
            assert!(column(&field).is_err(), "{field}");
        }
    }
}
