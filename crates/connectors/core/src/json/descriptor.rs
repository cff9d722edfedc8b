//! The table descriptor in its alias form (the form `include_schema`
//! puts in `meta.schema`): the same keys in the same order as DreamFactory, without `alias`.

use super::object::Object;
use super::summary::TableSummary;
use super::{label, write_bool, write_f64, write_i64, write_str};
use crate::df_type::ValueClass;
use crate::resolve::{parse_bool, parse_number};
use crate::schema::{ColumnRef, TableSchema};
use crate::value::BoundValue;

/// Writes `table` as `{"name",...,"field":[...],"related":[],"constraints":{...}}`.
///
/// Relationships are not discovered yet, so `related` is empty; `constraints` lists the
/// foreign keys under DreamFactory's names (`fk_{table}_{column}`).
pub fn write_table_descriptor(buf: &mut Vec<u8>, table: &TableSchema) {
    let mut object = Object::open(buf);
    TableSummary::new(table.name(), table.is_view()).write_keys(&mut object);
    let buf = object.key("primary_key");
    buf.push(b'[');
    for (index, &key) in table.primary_key().iter().enumerate() {
        if index > 0 {
            buf.push(b',');
        }
        write_str(buf, &table.column(key).name);
    }
    buf.push(b']');
    object.null("name_field");
    let buf = object.key("field");
    buf.push(b'[');
    for (index, column) in table.column_refs().enumerate() {
        if index > 0 {
            buf.push(b',');
        }
        write_field_descriptor(buf, table, column, false);
    }
    buf.push(b']');
    object.raw("related", b"[]");
    write_constraints(object.key("constraints"), table);
    object.close();
}

/// One field descriptor (ColumnSchema::toArray); `with_alias` writes the non-alias form of
/// `_schema`, which starts with `"alias":null`.
pub fn write_field_descriptor(
    buf: &mut Vec<u8>,
    table: &TableSchema,
    column_ref: ColumnRef,
    with_alias: bool,
) {
    let column = table.column(column_ref);
    let foreign_key = table.foreign_key_of(column_ref);
    let default = default_value(&column.default, column.df_type.value_class());
    let mut object = Object::open(buf);
    if with_alias {
        object.null("alias");
    }
    object.string("name", &column.name);
    object.string("label", &label(&column.name));
    object.null("description");
    object.raw("native", b"[]");
    object.string("type", column.df_type.as_str());
    object.string("db_type", &column.db_type.to_ascii_lowercase());
    object.number("length", column.length);
    object.number("precision", column.precision);
    object.number("scale", column.scale);
    write_default(object.key("default"), default.as_ref());
    object.boolean(
        "required",
        !column.allow_null && column.default.is_none() && !column.auto_increment,
    );
    object.boolean("allow_null", column.allow_null);
    object.boolean("fixed_length", column.fixed_length);
    object.boolean("supports_multibyte", column.supports_multibyte);
    object.boolean("auto_increment", column.auto_increment);
    object.boolean("is_primary_key", column.is_primary_key);
    object.boolean("is_unique", column.is_unique);
    object.boolean("is_index", false);
    object.boolean("is_foreign_key", foreign_key.is_some());
    object.optional_string(
        "ref_table",
        foreign_key.map(|(key, _)| key.ref_table.as_str()),
    );
    object.optional_string(
        "ref_field",
        foreign_key.and_then(|(key, position)| key.ref_columns.get(position).map(String::as_str)),
    );
    object.optional_string(
        "ref_on_update",
        foreign_key.map(|(key, _)| key.on_update.as_str()),
    );
    object.optional_string(
        "ref_on_delete",
        foreign_key.map(|(key, _)| key.on_delete.as_str()),
    );
    match &column.picklist {
        Some(values) => {
            let json = serde_json::to_vec(values).unwrap_or_else(|_| b"null".to_vec());
            object.raw("picklist", &json);
        }
        None => object.null("picklist"),
    }
    object.null("validation");
    object.null("db_function");
    object.boolean("is_virtual", false);
    object.boolean("is_aggregate", false);
    object.close();
}

pub(super) fn write_constraints(buf: &mut Vec<u8>, table: &TableSchema) {
    let mut object = Object::open(buf);
    for key in table.foreign_keys() {
        for (position, column) in key.columns.iter().enumerate() {
            let name = format!("fk_{}_{}", table.name(), column);
            let mut constraint = Object::open(object.key(&name));
            constraint.string("table_schema", "");
            constraint.string("table_name", table.name());
            constraint.string("column_name", column);
            constraint.string("constraint_name", &name);
            constraint.string("constraint_type", "f");
            constraint.string("referenced_table_schema", "");
            constraint.string("referenced_table_name", &key.ref_table);
            constraint.optional_string(
                "referenced_column_name",
                key.ref_columns.get(position).map(String::as_str),
            );
            constraint.string("update_rule", &key.on_update);
            constraint.string("delete_rule", &key.on_delete);
            constraint.close();
        }
    }
    object.close();
}

/// A default as DreamFactory shows it: quotes trimmed, `NULL` and the `CURRENT_*` keywords
/// as null, the rest typed by the column (`'0'` in an integer column is `0`). Expressions
/// such as `(datetime('now'))` are shown as written.
#[derive(Debug, PartialEq)]
enum DefaultValue {
    Value(BoundValue),
    Bool(bool),
}

fn default_value(raw: &Option<String>, class: ValueClass) -> Option<DefaultValue> {
    let raw = raw.as_deref()?.trim();
    let upper = raw.to_ascii_uppercase();
    if matches!(
        upper.as_str(),
        "NULL" | "CURRENT_TIMESTAMP" | "CURRENT_DATE" | "CURRENT_TIME"
    ) {
        return None;
    }
    let (text, quoted) = match raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        Some(inner) => (inner.replace("''", "'"), true),
        None => (raw.to_owned(), false),
    };
    let number = || parse_number(&text);
    let typed = match class {
        ValueClass::Boolean => parse_bool(&text).map(DefaultValue::Bool),
        ValueClass::Integer | ValueClass::Number => number().map(DefaultValue::Value),
        ValueClass::Untyped if !quoted => number().map(DefaultValue::Value),
        _ => None,
    };
    Some(typed.unwrap_or(DefaultValue::Value(BoundValue::Text(text))))
}

fn write_default(buf: &mut Vec<u8>, value: Option<&DefaultValue>) {
    match value {
        None | Some(DefaultValue::Value(BoundValue::Null)) => buf.extend_from_slice(b"null"),
        Some(DefaultValue::Bool(b)) => write_bool(buf, *b),
        Some(DefaultValue::Value(BoundValue::Integer(i))) => write_i64(buf, *i),
        Some(DefaultValue::Value(BoundValue::Real(f))) => write_f64(buf, *f),
        Some(DefaultValue::Value(BoundValue::Text(text))) => write_str(buf, text),
        Some(DefaultValue::Value(BoundValue::Blob(bytes))) => {
            write_str(buf, &String::from_utf8_lossy(bytes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ColumnSchema, ForeignKey};
    use serde_json::{Value, json};

    fn employees() -> TableSchema {
        let mut id = ColumnSchema::from_declared("id", "INTEGER");
        id.is_primary_key = true;
        id.allow_null = false;
        id.auto_increment = true;
        id.df_type = crate::DfType::Id;
        let mut name = ColumnSchema::from_declared("first_name", "VARCHAR(40)");
        name.allow_null = false;
        name.default = Some("'O''Neil'".into());
        let mut active = ColumnSchema::from_declared("active", "boolean");
        active.default = Some("1".into());
        TableSchema::new(
            "employees",
            false,
            vec![
                id,
                name,
                active,
                ColumnSchema::from_declared("dept_id", "int"),
            ],
            vec![ForeignKey {
                columns: vec!["dept_id".into()],
                ref_table: "departments".into(),
                ref_columns: vec!["id".into()],
                on_update: "NO ACTION".into(),
                on_delete: "CASCADE".into(),
            }],
        )
    }

    fn descriptor() -> Value {
        let mut buf = Vec::new();
        write_table_descriptor(&mut buf, &employees());
        serde_json::from_slice(&buf).expect("valid JSON")
    }

    #[test]
    fn table_keys_follow_dreamfactory_alias_form_order() {
        let mut buf = Vec::new();
        write_table_descriptor(&mut buf, &employees());
        let text = String::from_utf8(buf).expect("utf-8");
        let keys = [
            "\"name\"",
            "\"label\"",
            "\"description\"",
            "\"native\"",
            "\"plural\"",
            "\"is_view\"",
            "\"primary_key\"",
            "\"name_field\"",
            "\"field\"",
        ];
        let positions: Vec<usize> = keys.iter().map(|k| text.find(k).expect(k)).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(text.ends_with(r#""related":[],"constraints":{"fk_employees_dept_id":{"table_schema":"","table_name":"employees","column_name":"dept_id","constraint_name":"fk_employees_dept_id","constraint_type":"f","referenced_table_schema":"","referenced_table_name":"departments","referenced_column_name":"id","update_rule":"NO ACTION","delete_rule":"CASCADE"}}}"#), "{text}");
    }

    #[test]
    fn table_level_values() {
        let schema = descriptor();
        assert_eq!(schema["label"], "Employees");
        assert_eq!(schema["plural"], "Employees");
        assert_eq!(schema["primary_key"], json!(["id"]));
        assert_eq!(schema["is_view"], false);
    }

    #[test]
    fn field_descriptors_carry_types_defaults_and_keys() {
        let schema = descriptor();
        let id = &schema["field"][0];
        assert_eq!(id["type"], "id");
        assert_eq!(id["db_type"], "integer");
        assert_eq!(id["auto_increment"], true);
        assert_eq!(id["required"], false);
        let name = &schema["field"][1];
        assert_eq!(name["label"], "First Name");
        assert_eq!(name["length"], 40);
        assert_eq!(name["default"], "O'Neil");
        assert_eq!(name["required"], false);
        assert_eq!(schema["field"][2]["default"], true);
        let dept = &schema["field"][3];
        assert_eq!(dept["type"], "reference");
        assert_eq!(dept["is_foreign_key"], true);
        assert_eq!(dept["ref_table"], "departments");
        assert_eq!(dept["ref_on_delete"], "CASCADE");
        assert_eq!(dept["default"], Value::Null);
    }

    #[test]
    fn defaults_are_typed_by_column_class() {
        let class_default = |raw: &str, class| default_value(&Some(raw.to_owned()), class);
        assert_eq!(class_default("NULL", ValueClass::Text), None);
        assert_eq!(class_default("CURRENT_TIMESTAMP", ValueClass::Text), None);
        assert_eq!(
            class_default("'0'", ValueClass::Integer),
            Some(DefaultValue::Value(BoundValue::Integer(0)))
        );
        assert_eq!(
            class_default("1.5", ValueClass::Number),
            Some(DefaultValue::Value(BoundValue::Real(1.5)))
        );
        assert_eq!(
            class_default("'7'", ValueClass::Untyped),
            Some(DefaultValue::Value(BoundValue::Text("7".into())))
        );
    }
}
