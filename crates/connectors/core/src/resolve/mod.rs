//! Filter resolution: the parser's AST plus the table schema (plus the request's `params`
//! and the session's lookups) into a [`Condition`] whose fields are schema columns and whose
//! values are typed binds. Client filters and the role's row filter go through the same
//! resolver; they differ only in what a `{lookup}` may do.

mod typing;

use std::collections::HashMap;

use serde_json::json;
use sluice_filter::{CompareOp, Comparison, Expr, Operand, Span, Value, ValueKind};

use crate::access::{LookupSource, LookupValue};
use crate::condition::{ComparisonOp, Condition, escape_like};
use crate::error::ConnectorError;
use crate::read::ReadBounds;
use crate::schema::{ColumnRef, TableSchema};
use crate::value::BoundValue;

pub(crate) use typing::{RawValue, parse_bool, parse_number, type_value};

/// At most this many values are bound for one filter. SQLite refuses statements with more
/// than 32,766 parameters; 200 `in` lists of 1,000 values would pass the parser's own bounds,
/// so this keeps such a filter a clear 400 instead of a failed statement.
pub const MAX_FILTER_VALUES: usize = 10_000;

/// Parses `filter` within the configured bounds and resolves it against `table` as the
/// client's filter (see [`resolve_filter`]). An empty or whitespace-only filter means "no
/// condition".
///
/// # Errors
///
/// 400 with the parser's message and `{"start","end"}` span context for syntax and bound
/// errors, and the errors of [`resolve_filter`].
pub fn parse_filter(
    filter: &str,
    table: &TableSchema,
    params: &HashMap<String, serde_json::Value>,
    lookups: Option<&dyn LookupSource>,
    bounds: &ReadBounds,
) -> Result<Option<Condition>, ConnectorError> {
    if filter.trim().is_empty() {
        return Ok(None);
    }
    let limits = sluice_filter::Limits {
        max_length: bounds.filter_max_length,
        max_nodes: bounds.filter_max_nodes,
        max_depth: bounds.filter_max_depth,
        max_in_list: bounds.filter_max_in_list,
    };
    let expr =
        sluice_filter::parse(filter, &limits).map_err(|error| ConnectorError::BadRequest {
            message: error.to_string(),
            context: Some(span_context(error.span)),
        })?;
    resolve_filter(&expr, table, params, lookups).map(Some)
}

/// Resolves a parsed client filter.
///
/// - Field names are looked up case-insensitively; unknown (or hidden, in a restricted
///   table) → 400 `Invalid or unparsable field in filter request: 'x'`.
/// - Values are typed by their column: e.g. a word for an integer
///   column → 400 `Field 'col' must be a valid integer.`
/// - An unquoted `null` (any case) is SQL NULL: `= null` means `IS NULL` and `!= null`
///   means `IS NOT NULL`; elsewhere (`in (1, null)`, `> null`) it binds NULL, which matches
///   nothing. A quoted `'null'` is the four-letter text. (DreamFactory binds the text
///   `null`, which never does what the client meant.)
/// - `contains` / `starts with` / `ends with` build a LIKE pattern from the value with `%`,
///   `_` and `\` escaped, compiled with `ESCAPE '\'`; `like` keeps the client's wildcards.
/// - `:name` comes from `params` (key with or without the colon); missing → 400.
/// - `{name}` comes from `lookups` and is typed and bound exactly like a `:param` from JSON
///   (a JSON `null` value behaves like a bare `null`). Unknown and private lookups, and
///   every lookup when `lookups` is `None` → 400 `Lookup '{name}' is not available.`
///
/// # Errors
///
/// A `BadRequest` as listed above; each carries the span of the offending text.
pub fn resolve_filter(
    expr: &Expr,
    table: &TableSchema,
    params: &HashMap<String, serde_json::Value>,
    lookups: Option<&dyn LookupSource>,
) -> Result<Condition, ConnectorError> {
    Resolver::new(table, params, lookups, Origin::Client).expr(expr)
}

/// Resolves the role's row filter against the *full* table (it may use hidden columns).
///
/// As [`resolve_filter`], except:
/// - lookups may be private;
/// - a lookup without a usable value (unknown, `None` source, JSON `null`, a value that
///   cannot have the column's type or that types as NULL) fails closed: its whole comparison
///   becomes `column = NULL`, which is UNKNOWN for every row, so it matches no row and
///   neither does its negation (it is never turned into `IS NULL` / `IS NOT NULL`);
/// - `:params` do not exist here (they are the client's).
///
/// # Errors
///
/// `ConnectorError::ServerFilter` for anything a client filter would get a 400 for (unknown
/// column, a literal of the wrong type, a `:param`): the role is misconfigured.
pub(crate) fn resolve_role_filter(
    expr: &Expr,
    table: &TableSchema,
    lookups: Option<&dyn LookupSource>,
) -> Result<Condition, ConnectorError> {
    let no_params = HashMap::new();
    Resolver::new(table, &no_params, lookups, Origin::Role)
        .expr(expr)
        .map_err(|error| match error {
            ConnectorError::BadRequest { message, .. } => ConnectorError::ServerFilter {
                reason: format!("role filter on table '{}': {message}", table.name()),
            },
            other => other,
        })
}

/// Whose filter is being resolved, which decides what lookups may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Client,
    Role,
}

struct Resolver<'a> {
    table: &'a TableSchema,
    params: &'a HashMap<String, serde_json::Value>,
    lookups: Option<&'a dyn LookupSource>,
    origin: Origin,
    values: usize,
}

/// A value after `:name` parameters and `{name}` lookups are substituted: SQL NULL, or
/// something to type.
enum Substituted<'a> {
    Null,
    Raw(RawValue<'a>),
    /// A lookup's scalar, never `null` (that is [`Substituted::Null`] or unresolved).
    Lookup(serde_json::Value),
}

/// Why a comparison has no condition of its own.
enum Failure {
    Error(ConnectorError),
    /// A lookup in the role's filter has no usable value: the comparison is UNKNOWN.
    Unresolved,
}

impl From<ConnectorError> for Failure {
    fn from(error: ConnectorError) -> Self {
        Self::Error(error)
    }
}

impl<'a> Resolver<'a> {
    fn new(
        table: &'a TableSchema,
        params: &'a HashMap<String, serde_json::Value>,
        lookups: Option<&'a dyn LookupSource>,
        origin: Origin,
    ) -> Self {
        Self {
            table,
            params,
            lookups,
            origin,
            values: 0,
        }
    }

    fn expr(&mut self, expr: &'a Expr) -> Result<Condition, ConnectorError> {
        Ok(match expr {
            Expr::And(items) => Condition::And(self.all(items)?),
            Expr::Or(items) => Condition::Or(self.all(items)?),
            Expr::Not(inner) => Condition::Not(Box::new(self.expr(inner)?)),
            Expr::Compare(comparison) => self.comparison(comparison)?,
        })
    }

    fn all(&mut self, items: &'a [Expr]) -> Result<Vec<Condition>, ConnectorError> {
        items.iter().map(|item| self.expr(item)).collect()
    }

    fn comparison(&mut self, comparison: &'a Comparison) -> Result<Condition, ConnectorError> {
        let column = self
            .table
            .column_ref(&comparison.field.name)
            .ok_or_else(|| {
                with_span(
                    format!(
                        "Invalid or unparsable field in filter request: '{}'",
                        comparison.field.name
                    ),
                    comparison.field.span,
                )
            })?;
        match self.operands(column, comparison) {
            Ok(condition) => Ok(condition),
            Err(Failure::Error(error)) => Err(error),
            // `column = NULL` is UNKNOWN whatever the row holds, and so is its negation.
            Err(Failure::Unresolved) => Ok(Condition::Compare {
                column,
                op: ComparisonOp::Eq,
                value: BoundValue::Null,
            }),
        }
    }

    fn operands(
        &mut self,
        column: ColumnRef,
        comparison: &'a Comparison,
    ) -> Result<Condition, Failure> {
        let op = comparison.op;
        match (&comparison.operand, op) {
            (Operand::None, CompareOp::IsNull | CompareOp::IsNotNull) => Ok(Condition::IsNull {
                column,
                negated: op == CompareOp::IsNotNull,
            }),
            (Operand::Single(value), _) => self.single(column, op, value),
            (Operand::List(values), CompareOp::In | CompareOp::NotIn) => Ok(Condition::In {
                column,
                values: values
                    .iter()
                    .map(|value| self.typed(column, value))
                    .collect::<Result<_, _>>()?,
                negated: op == CompareOp::NotIn,
            }),
            (Operand::Range(low, high), CompareOp::Between | CompareOp::NotBetween) => {
                Ok(Condition::Between {
                    column,
                    low: self.typed(column, low)?,
                    high: self.typed(column, high)?,
                    negated: op == CompareOp::NotBetween,
                })
            }
            // The parser fixes the operand's shape by the operator; anything else is a bug
            // there, reported as an unparsable filter rather than a panic.
            _ => Err(with_span(
                "Invalid or unparsable filter request.".to_owned(),
                comparison.span,
            )
            .into()),
        }
    }

    fn single(
        &mut self,
        column: ColumnRef,
        op: CompareOp,
        value: &'a Value,
    ) -> Result<Condition, Failure> {
        let comparison_op = match op {
            CompareOp::Eq => ComparisonOp::Eq,
            CompareOp::Ne => ComparisonOp::Ne,
            CompareOp::Gt => ComparisonOp::Gt,
            CompareOp::Ge => ComparisonOp::Ge,
            CompareOp::Lt => ComparisonOp::Lt,
            CompareOp::Le => ComparisonOp::Le,
            _ => return self.like(column, op, value),
        };
        self.count_value(value.span)?;
        let operand = self.operand(value)?;
        if matches!(comparison_op, ComparisonOp::Eq | ComparisonOp::Ne)
            && matches!(operand, Substituted::Null)
        {
            return Ok(Condition::IsNull {
                column,
                negated: comparison_op == ComparisonOp::Ne,
            });
        }
        Ok(Condition::Compare {
            column,
            op: comparison_op,
            value: self.type_operand(column, operand, value.span)?,
        })
    }

    fn like(
        &mut self,
        column: ColumnRef,
        op: CompareOp,
        value: &'a Value,
    ) -> Result<Condition, Failure> {
        let text = match self.operand(value)? {
            Substituted::Null => "null".to_owned(),
            Substituted::Raw(raw) => raw.as_text(),
            Substituted::Lookup(json) => RawValue::Json(&json).as_text(),
        };
        self.count_value(value.span)?;
        let (pattern, escaped, negated) = match op {
            CompareOp::Like => (text, false, false),
            CompareOp::NotLike => (text, false, true),
            CompareOp::Contains => (format!("%{}%", escape_like(&text)), true, false),
            CompareOp::NotContains => (format!("%{}%", escape_like(&text)), true, true),
            CompareOp::StartsWith => (format!("{}%", escape_like(&text)), true, false),
            CompareOp::NotStartsWith => (format!("{}%", escape_like(&text)), true, true),
            CompareOp::EndsWith => (format!("%{}", escape_like(&text)), true, false),
            CompareOp::NotEndsWith => (format!("%{}", escape_like(&text)), true, true),
            _ => {
                return Err(with_span(
                    "Invalid or unparsable filter request.".to_owned(),
                    value.span,
                )
                .into());
            }
        };
        Ok(Condition::Like {
            column,
            pattern,
            escaped,
            negated,
        })
    }

    fn typed(&mut self, column: ColumnRef, value: &'a Value) -> Result<BoundValue, Failure> {
        self.count_value(value.span)?;
        let operand = self.operand(value)?;
        self.type_operand(column, operand, value.span)
    }

    fn type_operand(
        &self,
        column: ColumnRef,
        operand: Substituted<'a>,
        span: Span,
    ) -> Result<BoundValue, Failure> {
        let raw = match &operand {
            Substituted::Null => return Ok(BoundValue::Null),
            Substituted::Raw(raw) => *raw,
            Substituted::Lookup(json) => RawValue::Json(json),
        };
        let typed = type_value(self.table.column(column), raw);
        if self.origin == Origin::Role && matches!(operand, Substituted::Lookup(_)) {
            // A session value that cannot be compared with this column (or that types as
            // NULL, such as an empty text for a number) matches nothing: fail closed.
            return match typed {
                Ok(BoundValue::Null) | Err(_) => Err(Failure::Unresolved),
                Ok(value) => Ok(value),
            };
        }
        typed.map_err(|error| match error {
            ConnectorError::BadRequest { message, .. } => with_span(message, span).into(),
            other => other.into(),
        })
    }

    fn operand(&self, value: &'a Value) -> Result<Substituted<'a>, Failure> {
        match &value.kind {
            ValueKind::Quoted(text) => Ok(Substituted::Raw(RawValue::Quoted(text))),
            ValueKind::Bare(text) if text.eq_ignore_ascii_case("null") => Ok(Substituted::Null),
            ValueKind::Bare(text) => Ok(Substituted::Raw(RawValue::Bare(text))),
            ValueKind::Param(name) => Ok(self.param(name, value.span)?),
            ValueKind::Lookup(name) => self.lookup(name, value.span),
        }
    }

    fn lookup(&self, name: &str, span: Span) -> Result<Substituted<'a>, Failure> {
        let found = self.lookups.and_then(|lookups| lookups.lookup(name));
        let scalar = |value: &serde_json::Value| !(value.is_array() || value.is_object());
        match (self.origin, found) {
            (Origin::Client, Some(LookupValue { value, private }))
                if !private && scalar(&value) =>
            {
                Ok(if value.is_null() {
                    Substituted::Null
                } else {
                    Substituted::Lookup(value)
                })
            }
            // Unknown and private look the same, so a client cannot probe for names.
            (Origin::Client, _) => {
                Err(with_span(format!("Lookup '{{{name}}}' is not available."), span).into())
            }
            (Origin::Role, Some(LookupValue { value, .. }))
                if scalar(&value) && !value.is_null() =>
            {
                Ok(Substituted::Lookup(value))
            }
            (Origin::Role, _) => Err(Failure::Unresolved),
        }
    }

    fn param(&self, name: &str, span: Span) -> Result<Substituted<'a>, ConnectorError> {
        let name = name.trim_start_matches(':');
        let found = self
            .params
            .get(&format!(":{name}"))
            .or_else(|| self.params.get(name))
            .ok_or_else(|| {
                with_span(
                    format!("No value was given for filter parameter ':{name}'."),
                    span,
                )
            })?;
        match found {
            serde_json::Value::Null => Ok(Substituted::Null),
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => Err(with_span(
                format!("The value of filter parameter ':{name}' must be a single value."),
                span,
            )),
            scalar => Ok(Substituted::Raw(RawValue::Json(scalar))),
        }
    }

    fn count_value(&mut self, span: Span) -> Result<(), ConnectorError> {
        self.values += 1;
        if self.values > MAX_FILTER_VALUES {
            return Err(with_span(
                format!("Filter is too complex: the limit is {MAX_FILTER_VALUES} values."),
                span,
            ));
        }
        Ok(())
    }
}

fn span_context(span: Span) -> serde_json::Value {
    json!({ "start": span.start, "end": span.end })
}

fn with_span(message: String, span: Span) -> ConnectorError {
    ConnectorError::BadRequest {
        message,
        context: Some(span_context(span)),
    }
}

#[cfg(test)]
mod lookup_tests;
#[cfg(test)]
mod tests;
