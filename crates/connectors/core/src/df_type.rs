//! DreamFactory's abstract column types and the mapping from a
//! declared database type such as `VARCHAR(255)` to one of them.

/// The abstract type of a column, as reported in `type` of a field descriptor and used to
/// type values both ways: filter values are typed by it before binding, and stored values are
/// written to JSON by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DfType {
    /// An integer primary key (`INTEGER PRIMARY KEY` in SQLite).
    Id,
    /// A single integer column that is a foreign key.
    Reference,
    Boolean,
    Integer,
    BigInt,
    Decimal,
    Float,
    Double,
    Money,
    String,
    Text,
    Date,
    Time,
    DateTime,
    Timestamp,
    Binary,
    /// DreamFactory's server-filled types. Sluice declares the column
    /// with the type's own name, so the database file itself says which columns the
    /// gateway fills in on writes (DreamFactory keeps this in its system database).
    /// `user_id` and `user_id_on_create`: the session user's id on create;
    /// `user_id_on_update`: on create and update.
    UserId,
    UserIdOnCreate,
    UserIdOnUpdate,
    /// The current UTC time on create (and, for `on_update`, on every update).
    TimestampOnCreate,
    TimestampOnUpdate,
    /// No declared type at all (`CREATE TABLE t(x)`). DreamFactory types such columns
    /// `boolean` by accident; we write each value by what is stored (integer, real, text, or
    /// a blob as base64) and type filter values by how they were written.
    Untyped,
}

/// How values of a type are written to JSON and how filter values are typed for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueClass {
    Integer,
    Boolean,
    /// Floating point on the wire (`decimal`, `float`, `double`, `money`): `5` is `5.0`.
    Number,
    Text,
    /// Base64 on the wire.
    Binary,
    /// Follows the stored value's storage class.
    Untyped,
}

impl DfType {
    /// The DreamFactory name used in field descriptors. `Untyped` has no DreamFactory
    /// counterpart and is reported as `untyped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Reference => "reference",
            Self::Boolean => "boolean",
            Self::Integer => "integer",
            Self::BigInt => "bigint",
            Self::Decimal => "decimal",
            Self::Float => "float",
            Self::Double => "double",
            Self::Money => "money",
            Self::String => "string",
            Self::Text => "text",
            Self::Date => "date",
            Self::Time => "time",
            Self::DateTime => "datetime",
            Self::Timestamp => "timestamp",
            Self::Binary => "binary",
            Self::UserId => "user_id",
            Self::UserIdOnCreate => "user_id_on_create",
            Self::UserIdOnUpdate => "user_id_on_update",
            Self::TimestampOnCreate => "timestamp_on_create",
            Self::TimestampOnUpdate => "timestamp_on_update",
            Self::Untyped => "untyped",
        }
    }

    pub fn value_class(self) -> ValueClass {
        match self {
            Self::Id
            | Self::Reference
            | Self::Integer
            | Self::BigInt
            | Self::UserId
            | Self::UserIdOnCreate
            | Self::UserIdOnUpdate => ValueClass::Integer,
            Self::Boolean => ValueClass::Boolean,
            Self::Decimal | Self::Float | Self::Double | Self::Money => ValueClass::Number,
            Self::String
            | Self::Text
            | Self::Date
            | Self::Time
            | Self::DateTime
            | Self::Timestamp
            | Self::TimestampOnCreate
            | Self::TimestampOnUpdate => ValueClass::Text,
            Self::Binary => ValueClass::Binary,
            Self::Untyped => ValueClass::Untyped,
        }
    }

    /// Whether the gateway fills the column in itself on writes (client values are ignored).
    pub fn is_server_filled(self) -> bool {
        matches!(
            self,
            Self::UserId
                | Self::UserIdOnCreate
                | Self::UserIdOnUpdate
                | Self::TimestampOnCreate
                | Self::TimestampOnUpdate
        )
    }

    pub fn is_integer(self) -> bool {
        self.value_class() == ValueClass::Integer
    }
}

/// A declared type taken apart: the abstract type plus the sizes written in parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeclaredType {
    pub df_type: DfType,
    /// The first number in `type(n[,m])`.
    pub length: Option<u32>,
    /// Only when two numbers are present: `decimal(10,2)` has precision 10 and scale 2.
    pub precision: Option<u32>,
    pub scale: Option<u32>,
    /// `char(n)`, `nchar(n)`, `binary`: DreamFactory's `fixed_length`.
    pub fixed_length: bool,
    /// `nchar`, `nvarchar`, `national ...`: DreamFactory's `supports_multibyte`.
    pub supports_multibyte: bool,
}

impl DeclaredType {
    /// Maps a declared type the way DreamFactory's `Schema::extractSimpleType` does
    /// (case-insensitive, sizes stripped first), with two deliberate differences:
    /// an empty declaration is [`DfType::Untyped`] rather than `boolean`, and an unknown name
    /// containing `int` (`int8`, `unsigned big int`) is an integer, as SQLite's own affinity
    /// rules say, rather than a string.
    pub fn parse(declared: &str) -> Self {
        let lower = declared.trim().to_ascii_lowercase();
        let (base, sizes) = match lower.split_once('(') {
            Some((base, rest)) => (base.trim(), parse_sizes(rest)),
            None => (lower.as_str(), Sizes::default()),
        };
        Self {
            df_type: simple_type(base, sizes.first),
            length: sizes.first,
            precision: sizes.second.and(sizes.first),
            scale: sizes.second,
            fixed_length: (lower.contains("char") && !lower.contains("var")) || lower == "binary",
            supports_multibyte: ["national", "nchar", "nvarchar"]
                .iter()
                .any(|marker| lower.contains(marker)),
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Sizes {
    first: Option<u32>,
    second: Option<u32>,
}

fn parse_sizes(after_paren: &str) -> Sizes {
    let inside = after_paren.split(')').next().unwrap_or_default();
    let mut numbers = inside.split(',').map(|n| n.trim().parse::<u32>().ok());
    Sizes {
        first: numbers.next().flatten(),
        second: numbers.next().flatten(),
    }
}

/// The order of the checks matters and follows DreamFactory: `timestamp` before `time`,
/// `datetime` before `date`, `bool` before anything else.
fn simple_type(base: &str, size: Option<u32>) -> DfType {
    let has = |needle: &str| base.contains(needle);
    match base {
        "" => DfType::Untyped,
        "user_id" => DfType::UserId,
        "user_id_on_create" => DfType::UserIdOnCreate,
        "user_id_on_update" => DfType::UserIdOnUpdate,
        "timestamp_on_create" => DfType::TimestampOnCreate,
        "timestamp_on_update" => DfType::TimestampOnUpdate,
        "bit" => DfType::Boolean,
        _ if has("bool") => DfType::Boolean,
        "decimal" | "numeric" | "percent" => DfType::Decimal,
        _ if has("double") => DfType::Double,
        "real" => DfType::Float,
        _ if has("float") => {
            if size == Some(53) {
                DfType::Double
            } else {
                DfType::Float
            }
        }
        _ if has("money") => DfType::Money,
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" => {
            if size == Some(1) {
                DfType::Boolean
            } else {
                DfType::Integer
            }
        }
        "bigint" => DfType::BigInt,
        _ if has("timestamp") => DfType::Timestamp,
        _ if has("datetime") => DfType::DateTime,
        "date" => DfType::Date,
        _ if has("time") => DfType::Time,
        _ if has("binary") || has("blob") => DfType::Binary,
        _ if has("clob") || has("text") => DfType::Text,
        _ if has("char") => DfType::String,
        _ if has("int") => DfType::Integer,
        _ => DfType::String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn df(declared: &str) -> DfType {
        DeclaredType::parse(declared).df_type
    }

    #[test]
    fn declared_types_map_like_dreamfactory() {
        let cases = [
            ("INTEGER", DfType::Integer),
            ("int", DfType::Integer),
            ("tinyint(1)", DfType::Boolean),
            ("INT(1)", DfType::Boolean),
            ("smallint", DfType::Integer),
            ("bigint", DfType::BigInt),
            ("BOOLEAN", DfType::Boolean),
            ("bit", DfType::Boolean),
            ("decimal(10,2)", DfType::Decimal),
            ("NUMERIC", DfType::Decimal),
            ("real", DfType::Float),
            ("float", DfType::Float),
            ("float(53)", DfType::Double),
            ("double precision", DfType::Double),
            ("money", DfType::Money),
            ("timestamp", DfType::Timestamp),
            ("DATETIME", DfType::DateTime),
            ("date", DfType::Date),
            ("time", DfType::Time),
            ("blob", DfType::Binary),
            ("varbinary(16)", DfType::Binary),
            ("text", DfType::Text),
            ("clob", DfType::Text),
            ("VARCHAR(255)", DfType::String),
            ("nchar(3)", DfType::String),
            ("geometry", DfType::String),
        ];
        for (declared, expected) in cases {
            assert_eq!(df(declared), expected, "declared type {declared:?}");
        }
    }

    #[test]
    fn empty_declared_type_is_untyped_not_boolean() {
        assert_eq!(df(""), DfType::Untyped);
        assert_eq!(df("   "), DfType::Untyped);
    }

    #[test]
    fn unknown_names_containing_int_follow_sqlite_affinity() {
        assert_eq!(df("int8"), DfType::Integer);
        assert_eq!(df("unsigned big int"), DfType::Integer);
    }

    #[test]
    fn sizes_are_extracted_like_dreamfactory() {
        let varchar = DeclaredType::parse("varchar(255)");
        assert_eq!(
            (varchar.length, varchar.precision, varchar.scale),
            (Some(255), None, None)
        );
        let decimal = DeclaredType::parse("DECIMAL(10, 2)");
        assert_eq!(
            (decimal.length, decimal.precision, decimal.scale),
            (Some(10), Some(10), Some(2))
        );
        assert!(DeclaredType::parse("char(2)").fixed_length);
        assert!(!DeclaredType::parse("varchar(2)").fixed_length);
        assert!(DeclaredType::parse("nvarchar(2)").supports_multibyte);
    }
}
