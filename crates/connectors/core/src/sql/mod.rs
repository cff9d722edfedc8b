//! The one SQL builder of every SQL connector: a plan's statements as SQL text plus an
//! ordered bind list, with what really differs between databases behind [`Dialect`].
//!
//! Only three things are ever appended to the SQL text: `&'static str` fragments written in
//! this module or in the dialect table (keywords, operators from closed enums, type
//! names), identifiers taken from the schema snapshot (or a dialect's configured schema)
//! quoted with the dialect's quote character (embedded quotes doubled), and placeholders
//! whose values go to the bind list. There is no way to append request text.
//!
//! Nothing here runs a statement: a connector compiles with these functions and executes
//! the [`CompiledSql`] with its own driver.

mod builder;
mod condition;
mod select;
mod syntax;
mod write;

pub use select::{count, related, select};
pub use syntax::{CastSyntax, LimitSyntax, NullsOrdering, Placeholders, Syntax};
pub use write::{
    assigned_column, delete, exists, insert, insert_returning, lookup, outside_check, update,
    update_returning,
};

use crate::ConnectorError;
use crate::plan::AggregateFunction;
use crate::schema::ColumnSchema;
use crate::value::BoundValue;

/// SQL text and the values for its placeholders, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledSql {
    pub sql: String,
    pub binds: Vec<BoundValue>,
}

/// What a database's SQL needs that the others' does not: its row of the dialect table
/// ([`Syntax`]) and the hooks that need the connector's own knowledge. Each SQL connector
/// implements it once (`dialect.rs`).
pub trait Dialect {
    const SYNTAX: Syntax;

    /// The schema every table is qualified with (`"public"."t"`), `None` for none.
    fn schema(&self) -> Option<&str> {
        None
    }

    /// The type a selected value of `column` is cast to, where its native form is not what
    /// DreamFactory shows or not cheap to decode; `None` to select it as it is. It must
    /// depend on the column alone: a table keeps its every-column SELECT list once written.
    fn selected_as(&self, column: &ColumnSchema) -> Option<&'static str> {
        let _ = column;
        None
    }

    /// The type `column` is cast to on the left of `LIKE`, for a dialect whose `LIKE` takes
    /// text only; `None` to compare the column as it is.
    fn like_as(&self, column: &ColumnSchema) -> Option<&'static str> {
        let _ = column;
        None
    }

    /// The LIKE pattern to bind. A dialect that cannot say "no escape character" for a
    /// client's own pattern (`escaped: false`) rewrites it so its escape character stands
    /// for itself.
    fn like_pattern(&self, pattern: &str, escaped: bool) -> String {
        let _ = escaped;
        pattern.to_owned()
    }
}

/// A dialect whose INSERT and UPDATE can return values of the rows they wrote
/// (`RETURNING`), so a role's check is evaluated by the writing statement itself. A
/// dialect without it checks written rows afterwards ([`outside_check`]): the functions
/// that take a check require this trait, so a check cannot be dropped silently.
pub trait Returning: Dialect {}

/// What an engine allows as the name of a table or column a request creates or renames.
#[derive(Debug, Clone, Copy)]
pub struct NameRules {
    /// The longest name the engine keeps whole.
    pub max_len: usize,
    /// The engine's own prefix (any case), which requests may not use.
    pub reserved_prefix: Option<&'static str>,
}

/// `name` quoted in `D`'s quoting when it is letters, digits and `_`, not starting with a
/// digit, at most `rules.max_len` long and outside the reserved prefix; the 400 saying so
/// otherwise. Names from a request reach DDL only through here.
///
/// # Errors
///
/// `BadRequest` naming the rules.
pub fn checked_identifier<D: Dialect>(
    name: &str,
    rules: NameRules,
) -> Result<String, ConnectorError> {
    let mut chars = name.chars();
    let reserved = rules.reserved_prefix.is_some_and(|prefix| {
        name.get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    });
    let valid = name.len() <= rules.max_len
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !reserved;
    if !valid {
        let or_prefix = rules
            .reserved_prefix
            .map_or_else(String::new, |prefix| format!(" or '{prefix}'"));
        return Err(ConnectorError::bad_request(format!(
            "Invalid name '{name}': use letters, digits and '_' (not starting with a digit\
             {or_prefix}), at most {} characters.",
            rules.max_len
        )));
    }
    let mut sql = String::with_capacity(name.len() + 2);
    push_identifier::<D>(&mut sql, name);
    Ok(sql)
}

/// `"name"` with every quote doubled, in `D`'s quoting: the only way an identifier enters
/// SQL. For names the schema snapshot does not hold (a catalog's foreign-key target).
pub fn push_identifier<D: Dialect>(sql: &mut String, name: &str) {
    let quote = D::SYNTAX.quote;
    sql.push(quote);
    for c in name.chars() {
        if c == quote {
            sql.push(c);
        }
        sql.push(c);
    }
    sql.push(quote);
}

/// The cast an aggregate's value gets: sums and averages to JSON-friendly types where the
/// database would answer a decimal, `MIN` / `MAX` as the column's values are selected.
fn aggregate_as<D: Dialect>(
    dialect: &D,
    function: AggregateFunction,
    column: &ColumnSchema,
) -> Option<&'static str> {
    let integers = column.df_type.value_class() == crate::ValueClass::Integer;
    match function {
        AggregateFunction::Count => None,
        AggregateFunction::Min | AggregateFunction::Max => dialect.selected_as(column),
        AggregateFunction::Sum if integers => D::SYNTAX.integer_sum_as,
        AggregateFunction::Sum | AggregateFunction::Avg => D::SYNTAX.real_aggregate_as,
    }
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests;
