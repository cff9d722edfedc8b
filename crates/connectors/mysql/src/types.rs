//! MySQL/MariaDB column types: their DreamFactory type, and how their values are read.
//!
//! The mapping goes by `information_schema.COLUMNS.DATA_TYPE` (the bare type name) plus
//! `COLUMN_TYPE` (the full declaration) where the width matters: `tinyint(1)` is MySQL's
//! boolean. docs/COMPATIBILITY.md has the table.

use sluice_connector_core::DfType;

/// The DreamFactory type of a column declared `column_type` (`COLUMN_TYPE`, e.g.
/// `tinyint(1)`, `decimal(10,2) unsigned`) whose bare type is `data_type` (`DATA_TYPE`).
pub(crate) fn df_type(data_type: &str, column_type: &str) -> DfType {
    let data_type = data_type.to_ascii_lowercase();
    let column_type = column_type.to_ascii_lowercase();
    match data_type.as_str() {
        "tinyint" if column_type.starts_with("tinyint(1)") => DfType::Boolean,
        "bit" if column_type == "bit(1)" || column_type == "bit" => DfType::Boolean,
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "year" | "bit" => {
            DfType::Integer
        }
        "bigint" => DfType::BigInt,
        "decimal" | "numeric" => DfType::Decimal,
        "float" => DfType::Float,
        "double" | "real" | "double precision" => DfType::Double,
        "tinytext" | "text" | "mediumtext" | "longtext" | "json" => DfType::Text,
        "date" => DfType::Date,
        "time" => DfType::Time,
        "datetime" => DfType::DateTime,
        "timestamp" => DfType::Timestamp,
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => DfType::Binary,
        // char, varchar, enum, set, uuid, inet4, inet6, ...
        _ => DfType::String,
    }
}

/// How a column's values travel from the server in the binary protocol: as they are
/// (integers, floats, text and bytes; decimals arrive as their text), or converted in the
/// SELECT list where the binary form is not what DreamFactory shows: temporal values as
/// MySQL's own text (`2024-01-02 03:04:05`), `float` as its shortest text (the binary
/// single-precision value would print `0.10000000149011612` for `0.1`), `bit` as its
/// unsigned number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transfer {
    Native,
    AsText,
    AsUnsigned,
}

/// Decided from the declared type (`COLUMN_TYPE`), which the schema snapshot keeps as the
/// column's `db_type`.
pub(crate) fn transfer(db_type: &str) -> Transfer {
    let base = db_type
        .split(['(', ' '])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match base.as_str() {
        "date" | "time" | "datetime" | "timestamp" | "float" => Transfer::AsText,
        "bit" => Transfer::AsUnsigned,
        _ => Transfer::Native,
    }
}

/// The labels of an `enum('a','b')` declaration (quotes inside a label are doubled), for
/// the column's picklist; `None` for any other type.
pub(crate) fn enum_labels(column_type: &str) -> Option<Vec<String>> {
    let inner = column_type
        .strip_prefix("enum(")
        .or_else(|| column_type.strip_prefix("ENUM("))?
        .strip_suffix(')')?;
    let mut labels = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        if chars.next() != Some('\'') {
            return None;
        }
        let mut label = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    label.push('\'');
                }
                '\'' => break,
                c => label.push(c),
            }
        }
        labels.push(label);
        match chars.next() {
            None => return Some(labels),
            Some(',') => {}
            Some(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_names_map_to_dreamfactory_types() {
        let cases = [
            ("tinyint", "tinyint(1)", DfType::Boolean),
            ("tinyint", "tinyint(4)", DfType::Integer),
            ("int", "int(11)", DfType::Integer),
            ("int", "int(10) unsigned", DfType::Integer),
            ("bigint", "bigint(20)", DfType::BigInt),
            ("decimal", "decimal(10,2)", DfType::Decimal),
            ("float", "float", DfType::Float),
            ("double", "double", DfType::Double),
            ("varchar", "varchar(40)", DfType::String),
            ("char", "char(3)", DfType::String),
            ("longtext", "longtext", DfType::Text),
            ("json", "json", DfType::Text),
            ("date", "date", DfType::Date),
            ("time", "time", DfType::Time),
            ("datetime", "datetime(6)", DfType::DateTime),
            ("timestamp", "timestamp", DfType::Timestamp),
            ("blob", "blob", DfType::Binary),
            ("varbinary", "varbinary(16)", DfType::Binary),
            ("enum", "enum('happy','sad')", DfType::String),
            ("bit", "bit(1)", DfType::Boolean),
            ("bit", "bit(8)", DfType::Integer),
        ];
        for (data_type, column_type, expected) in cases {
            assert_eq!(df_type(data_type, column_type), expected, "{column_type}");
        }
    }

    #[test]
    fn temporal_values_travel_as_text() {
        assert_eq!(transfer("datetime(6)"), Transfer::AsText);
        assert_eq!(transfer("date"), Transfer::AsText);
        assert_eq!(transfer("bit(8)"), Transfer::AsUnsigned);
        assert_eq!(transfer("decimal(10,2)"), Transfer::Native);
        assert_eq!(transfer("int(10) unsigned"), Transfer::Native);
    }

    #[test]
    fn enum_declarations_give_their_labels() {
        assert_eq!(
            enum_labels("enum('happy','sad','it''s')"),
            Some(vec![
                "happy".to_owned(),
                "sad".to_owned(),
                "it's".to_owned()
            ])
        );
        assert_eq!(enum_labels("varchar(3)"), None);
    }
}
