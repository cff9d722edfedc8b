//! PostgreSQL column types: their DreamFactory type, and how their values are read.
//!
//! The mapping goes by the type's catalog name (`pg_type.typname`), not by substrings of
//! the declared type as SQLite's does: `interval` and `point` contain `int` but are not
//! integers. docs/COMPATIBILITY.md has the table.

use sluice_connector_core::DfType;

/// What introspection knows of a column's type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PgType<'a> {
    /// `pg_type.typname` (`int4`, `timestamptz`, `_text` for `text[]`).
    pub name: &'a str,
    /// `pg_type.typcategory`: `A` for arrays, `E` for enums.
    pub category: &'a str,
}

impl PgType<'_> {
    pub(crate) fn df_type(self) -> DfType {
        if self.category == "A" {
            // An array is read as PostgreSQL's text form (`{1,2}`), as DreamFactory does.
            return DfType::String;
        }
        match self.name {
            "int2" | "int4" => DfType::Integer,
            "int8" => DfType::BigInt,
            "numeric" => DfType::Decimal,
            "float4" => DfType::Float,
            "float8" => DfType::Double,
            "money" => DfType::Money,
            "bool" => DfType::Boolean,
            "text" | "json" | "jsonb" | "xml" => DfType::Text,
            "date" => DfType::Date,
            "time" | "timetz" => DfType::Time,
            "timestamp" | "timestamptz" => DfType::Timestamp,
            "bytea" => DfType::Binary,
            // varchar, bpchar, name, uuid, enums, inet, interval, geometric types, ...
            _ => DfType::String,
        }
    }
}

/// How a column's values travel from PostgreSQL: in their own binary form when it is cheap
/// to decode (integers, floats, booleans, text, bytes), otherwise as PostgreSQL's own text
/// form (`::text` in the SELECT list), which is exactly what DreamFactory shows for
/// numerics, dates, uuids, JSON and arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transfer {
    Native,
    AsText,
}

/// Decided from the declared type (`pg_catalog.format_type`), which the schema snapshot
/// keeps as the column's `db_type`.
pub(crate) fn transfer(db_type: &str) -> Transfer {
    let base = db_type.split('(').next().unwrap_or_default().trim();
    if db_type.ends_with(']') {
        return Transfer::AsText;
    }
    match base {
        "smallint" | "integer" | "bigint" | "real" | "double precision" | "boolean" | "bytea"
        | "text" | "character varying" | "character" | "name" | "\"char\"" => Transfer::Native,
        _ => Transfer::AsText,
    }
}

/// Whether `LIKE` applies to the column as it is (text types); other columns are compared
/// by their text form.
pub(crate) fn is_text(db_type: &str) -> bool {
    let base = db_type.split('(').next().unwrap_or_default().trim();
    !db_type.ends_with(']')
        && matches!(
            base,
            "text" | "character varying" | "character" | "name" | "citext"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn df(name: &str) -> DfType {
        PgType { name, category: "" }.df_type()
    }

    #[test]
    fn catalog_names_map_to_dreamfactory_types() {
        let cases = [
            ("int2", DfType::Integer),
            ("int4", DfType::Integer),
            ("int8", DfType::BigInt),
            ("numeric", DfType::Decimal),
            ("float4", DfType::Float),
            ("float8", DfType::Double),
            ("bool", DfType::Boolean),
            ("varchar", DfType::String),
            ("text", DfType::Text),
            ("jsonb", DfType::Text),
            ("uuid", DfType::String),
            ("interval", DfType::String),
            ("point", DfType::String),
            ("timestamptz", DfType::Timestamp),
            ("date", DfType::Date),
            ("timetz", DfType::Time),
            ("bytea", DfType::Binary),
        ];
        for (name, expected) in cases {
            assert_eq!(df(name), expected, "{name}");
        }
        let array = PgType {
            name: "_int4",
            category: "A",
        };
        assert_eq!(array.df_type(), DfType::String);
    }

    #[test]
    fn only_cheaply_decoded_types_travel_natively() {
        assert_eq!(transfer("integer"), Transfer::Native);
        assert_eq!(transfer("character varying(20)"), Transfer::Native);
        assert_eq!(transfer("integer[]"), Transfer::AsText);
        assert_eq!(transfer("numeric(10,2)"), Transfer::AsText);
        assert_eq!(transfer("timestamp with time zone"), Transfer::AsText);
        assert_eq!(transfer("uuid"), Transfer::AsText);
    }
}
