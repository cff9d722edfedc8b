//! The dialect table: how each database spells what the builder writes, one row per
//! database, each stating only where it departs from standard SQL. What depends on a
//! connector's own knowledge (its column types, its service's schema) is a [`super::Dialect`]
//! hook instead.

/// How a placeholder is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholders {
    /// `?` for every value.
    Anonymous,
    /// `$1`, `$2`, ... numbered as values are bound.
    Numbered,
}

/// How a value is converted to another type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CastSyntax {
    /// `CAST(value AS type)`.
    Function,
    /// `value::type`.
    Suffix,
}

/// How `ORDER BY` places NULLs when a client asks (`nulls first` / `nulls last`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullsOrdering {
    /// `col DESC NULLS LAST`.
    Keywords,
    /// A leading `col IS NULL ASC, ` term, for a database without `NULLS FIRST/LAST`.
    IsNullTerm,
}

/// How `LIMIT` and `OFFSET` are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitSyntax {
    /// `LIMIT ?` and `OFFSET ?`, each only when set.
    Independent,
    /// `LIMIT ? OFFSET ?` together whenever either is set, "no limit" being `-1`.
    Together,
    /// As `Independent`, but an `OFFSET` needs a `LIMIT`: without one, the largest row
    /// count the database accepts.
    OffsetNeedsLimit,
}

/// One row of the dialect table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syntax {
    /// The identifier quote, doubled inside a name.
    pub quote: char,
    pub placeholders: Placeholders,
    pub cast: CastSyntax,
    pub nulls_ordering: NullsOrdering,
    pub limit: LimitSyntax,
    /// The identity of an empty AND group, and what a role check returns for a row inside
    /// the filter.
    pub true_literal: &'static str,
    /// The identity of an empty OR group; a role check's answer for a row outside.
    pub false_literal: &'static str,
    /// Whether a table in `FROM (...)` needs a name (`AS "grouped"`).
    pub derived_table_alias: bool,
    /// What follows a LIKE pattern core built with [`crate::LIKE_ESCAPE`] escaping.
    pub like_escape: &'static str,
    /// What follows a client's own LIKE pattern: whatever makes `\` an ordinary character.
    pub own_like_escape: &'static str,
    /// The start of an INSERT, up to the table name.
    pub insert: &'static str,
    /// The start of an UPDATE, up to the table name.
    pub update: &'static str,
    /// What follows the table name of an INSERT that leaves every value to the database.
    pub no_values: &'static str,
    /// Whether an INSERT leaves out an auto-increment column given as `null`, so the
    /// database fills it (where it would refuse the `null`).
    pub omits_null_auto_increment: bool,
    /// The type sums of integer columns are cast to, `None` to leave them.
    pub integer_sum_as: Option<&'static str>,
    /// The type other sums and averages are cast to, `None` to leave them.
    pub real_aggregate_as: Option<&'static str>,
    /// With `RETURNING` ([`super::Returning`]): the type an INSERT returns the assigned key
    /// as (`RETURNING "id"::bigint`), `None` when the driver reports it.
    pub assigned_key_as: Option<&'static str>,
}

impl Syntax {
    /// Standard SQL, as far as the builder is concerned.
    pub const STANDARD: Self = Self {
        quote: '"',
        placeholders: Placeholders::Anonymous,
        cast: CastSyntax::Function,
        nulls_ordering: NullsOrdering::Keywords,
        limit: LimitSyntax::Independent,
        true_literal: "TRUE",
        false_literal: "FALSE",
        derived_table_alias: true,
        like_escape: " ESCAPE '\\'",
        own_like_escape: " ESCAPE ''",
        insert: "INSERT INTO ",
        update: "UPDATE ",
        no_values: " DEFAULT VALUES",
        omits_null_auto_increment: false,
        integer_sum_as: None,
        real_aggregate_as: None,
        assigned_key_as: None,
    };

    /// SQLite: values as their storage classes (no casts), `1`/`0`, `LIMIT -1` for "no
    /// limit", a LIKE without an escape character unless one is named. `OR ABORT` overrides
    /// any `ON CONFLICT` clause of the table: a schema's `REPLACE` would otherwise delete
    /// the conflicting row, which may be outside the caller's row filter, and its
    /// `ROLLBACK` would end the request's transaction half-way. A `null` rowid key is
    /// assigned by SQLite itself; the new key comes from `last_insert_rowid()`.
    pub const SQLITE: Self = Self {
        limit: LimitSyntax::Together,
        true_literal: "1",
        false_literal: "0",
        derived_table_alias: false,
        own_like_escape: "",
        insert: "INSERT OR ABORT INTO ",
        update: "UPDATE OR ABORT ",
        ..Self::STANDARD
    };

    /// PostgreSQL: `$n`, `::` casts, sums and averages cast to JSON-friendly types where it
    /// would answer `numeric`, a `null` auto-increment value left to its sequence (it would
    /// refuse the `null`), the assigned key returned as `bigint`.
    pub const POSTGRES: Self = Self {
        placeholders: Placeholders::Numbered,
        cast: CastSyntax::Suffix,
        omits_null_auto_increment: true,
        integer_sum_as: Some("bigint"),
        real_aggregate_as: Some("double precision"),
        assigned_key_as: Some("bigint"),
        ..Self::STANDARD
    };

    /// MySQL and MariaDB: backticks (identifiers under any SQL mode, where double quotes
    /// need `ANSI_QUOTES`), no `NULLS FIRST/LAST`, an `OFFSET` only after a `LIMIT`, `\`
    /// the escape of every LIKE pattern (an empty `ESCAPE ''` still means `\`; the session
    /// keeps `\` an escape in literals, so `'\\'` is one backslash), sums and averages
    /// (DECIMAL) cast to numbers (MySQL 8.0.17+, MariaDB 10.4+), `() VALUES ()`.
    pub const MYSQL: Self = Self {
        quote: '`',
        nulls_ordering: NullsOrdering::IsNullTerm,
        limit: LimitSyntax::OffsetNeedsLimit,
        like_escape: " ESCAPE '\\\\'",
        own_like_escape: " ESCAPE '\\\\'",
        no_values: " () VALUES ()",
        omits_null_auto_increment: true,
        integer_sum_as: Some("SIGNED"),
        real_aggregate_as: Some("DOUBLE"),
        ..Self::STANDARD
    };
}
