//! DreamFactory field definitions of `_schema` writes (`{"name","type","length",...}`),
//! checked once for every connector; each connector renders a [`FieldDefinition`] in its
//! own DDL. Defaults are literals only (no `{"expression"}`: client SQL never runs) and
//! `type` must be one of DreamFactory's abstract types.

use serde_json::Value;

use crate::error::ConnectorError;

/// The most values one picklist may hold, and the longest value.
pub const MAX_PICKLIST_VALUES: usize = 256;
pub const MAX_PICKLIST_VALUE_LEN: usize = 255;

/// DreamFactory's types a field may be created with; `id`-like and `timestamp_on_*`
/// types carry their own constraints and ignore the other keys.
const TYPES: &[&str] = &[
    "id",
    "pk",
    "bigid",
    "smallid",
    "mediumid",
    "reference",
    "fk",
    "integer",
    "user_id",
    "user_id_on_create",
    "user_id_on_update",
    "bigint",
    "smallint",
    "tinyint",
    "mediumint",
    "float",
    "double",
    "date",
    "time",
    "datetime",
    "timestamp",
    "text",
    "longtext",
    "mediumtext",
    "boolean",
    "money",
    "decimal",
    "string",
    "binary",
    "uuid",
    "json",
    "timestamp_on_create",
    "timestamp_on_update",
];

/// A checked field definition.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDefinition {
    /// The name as the connector's validator returned it (quoted for its SQL).
    pub name: String,
    /// DreamFactory's type, lower case, one of the known ones.
    pub df_type: String,
    /// `length` (or `size`), 1 to 65,535.
    pub length: Option<u32>,
    pub fixed_length: bool,
    /// `decimal`: `precision` (default 10) and `scale` (default 0, at most the precision).
    pub precision: u32,
    pub scale: u32,
    pub primary_key: bool,
    /// `allow_null: true`; fields are NOT NULL otherwise, as in DreamFactory.
    pub allow_null: bool,
    /// A literal: a boolean, a number or a string.
    pub default: Option<Value>,
    pub unique: bool,
    pub picklist: Option<Vec<String>>,
    pub reference: Option<Reference>,
}

/// `ref_table`, `ref_field` (default `id`), `ref_on_update` / `ref_on_delete`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The names as the connector's validator returned them.
    pub table: String,
    pub field: String,
    /// Upper case, one of `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT`, `NO ACTION`.
    pub on_update: Option<String>,
    pub on_delete: Option<String>,
}

impl FieldDefinition {
    /// Whether the type is an auto-increment primary key (`id`, `pk`, `bigid`, ...).
    pub fn is_id(&self) -> bool {
        matches!(
            self.df_type.as_str(),
            "id" | "pk" | "bigid" | "smallid" | "mediumid"
        )
    }

    /// Whether the type is a `timestamp_on_create` / `timestamp_on_update`.
    pub fn is_timestamp_on(&self) -> bool {
        self.df_type.starts_with("timestamp_on_")
    }

    /// The column constraints after the type, in standard SQL: ` PRIMARY KEY`, ` NOT
    /// NULL`, ` DEFAULT <default>` (the connector's spelling of [`FieldDefinition::default`]),
    /// ` UNIQUE`, the picklist's ` CHECK`, ` REFERENCES <schema><table>(<field>) ON ...`
    /// (`schema` is empty or a quoted name and a dot).
    pub fn constraints(&self, default: Option<String>, schema: &str) -> String {
        let mut sql = String::new();
        if self.primary_key {
            sql.push_str(" PRIMARY KEY");
        }
        if !self.allow_null {
            sql.push_str(" NOT NULL");
        }
        if let Some(default) = default {
            sql.push_str(" DEFAULT ");
            sql.push_str(&default);
        }
        if self.unique {
            sql.push_str(" UNIQUE");
        }
        if let Some(values) = &self.picklist {
            sql.push_str(&picklist_check(&self.name, values));
        }
        if let Some(reference) = &self.reference {
            sql.push_str(&format!(
                " REFERENCES {schema}{}({})",
                reference.table, reference.field
            ));
            if let Some(rule) = &reference.on_update {
                sql.push_str(&format!(" ON UPDATE {rule}"));
            }
            if let Some(rule) = &reference.on_delete {
                sql.push_str(&format!(" ON DELETE {rule}"));
            }
        }
        sql
    }

    /// Checks `field`, with `name` checking (and quoting) every table or column name.
    ///
    /// # Errors
    ///
    /// `BadRequest` with DreamFactory-style messages.
    pub fn parse(
        field: &Value,
        name: impl Fn(&str) -> Result<String, ConnectorError>,
    ) -> Result<Self, ConnectorError> {
        if !field.is_object() {
            return Err(bad("Invalid schema detected - a field must be an object."));
        }
        let quoted = name(field_name(field)?)?;
        let df_type = text(field, "type")
            .ok_or_else(|| {
                bad(format!(
                    "Invalid schema detected - no type for field {quoted}."
                ))
            })?
            .to_ascii_lowercase();
        let length = number(field, "length")?.or(number(field, "size")?);
        let fixed_length = field.get("fixed_length").and_then(Value::as_bool) == Some(true);
        if !TYPES.contains(&df_type.as_str()) {
            return Err(bad(format!(
                "Invalid or unsupported field type '{df_type}'."
            )));
        }
        let (precision, scale) = if df_type == "decimal" {
            let precision = number(field, "precision")?.unwrap_or(10);
            (
                precision,
                number(field, "scale")?.map_or(0, |s| s.min(precision)),
            )
        } else {
            (10, 0)
        };
        let mut definition = Self {
            name: quoted,
            df_type,
            length,
            fixed_length,
            precision,
            scale,
            primary_key: false,
            allow_null: false,
            default: None,
            unique: false,
            picklist: None,
            reference: None,
        };
        if definition.is_id() || definition.is_timestamp_on() {
            return Ok(definition);
        }
        let flag = |key: &str| field.get(key).and_then(Value::as_bool) == Some(true);
        definition.primary_key = flag("is_primary_key");
        definition.allow_null = flag("allow_null");
        definition.default = match field.get("default") {
            None | Some(Value::Null) => None,
            Some(value @ (Value::Bool(_) | Value::Number(_) | Value::String(_))) => {
                Some(value.clone())
            }
            Some(_) => return Err(bad("Invalid 'default': only literal values are supported.")),
        };
        definition.unique = flag("is_unique");
        definition.picklist = picklist(field)?;
        if matches!(definition.df_type.as_str(), "reference" | "fk")
            || field.get("ref_table").is_some()
        {
            definition.reference = Some(reference(field, &name)?);
        }
        Ok(definition)
    }
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
///
/// # Errors
///
/// `BadRequest` when it has none.
pub fn field_name(field: &Value) -> Result<&str, ConnectorError> {
    text(field, "name").ok_or_else(|| bad("Invalid schema detected - no name element."))
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
        || values.len() > MAX_PICKLIST_VALUES
        || values.iter().any(|v| v.len() > MAX_PICKLIST_VALUE_LEN)
    {
        return Err(bad(format!(
            "Invalid 'picklist': 1 to {MAX_PICKLIST_VALUES} values of at most \
             {MAX_PICKLIST_VALUE_LEN} bytes."
        )));
    }
    Ok(Some(values))
}

fn reference(
    field: &Value,
    name: &impl Fn(&str) -> Result<String, ConnectorError>,
) -> Result<Reference, ConnectorError> {
    let table = text(field, "ref_table")
        .ok_or_else(|| bad("Invalid schema detected - a reference needs 'ref_table'."))?;
    let column = text(field, "ref_field").unwrap_or("id");
    let (table, field_quoted) = (name(table)?, name(column)?);
    let rule = |key: &str| -> Result<Option<String>, ConnectorError> {
        let Some(rule) = text(field, key) else {
            return Ok(None);
        };
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
        Ok(Some(rule))
    };
    Ok(Reference {
        table,
        field: field_quoted,
        on_update: rule("ref_on_update")?,
        on_delete: rule("ref_on_delete")?,
    })
}

/// `'text'` with every `'` doubled: a string literal in standard SQL.
pub fn string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// ` CHECK (column IN ('a', 'b'))`: a picklist as SQL can hold it (`column` already quoted).
pub fn picklist_check(column: &str, values: &[String]) -> String {
    let literals: Vec<String> = values.iter().map(|v| string_literal(v)).collect();
    format!(" CHECK ({column} IN ({}))", literals.join(", "))
}
