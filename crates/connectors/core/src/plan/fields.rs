//! `fields` (projection, with aggregates when grouping) and `group`.

use crate::df_type::ValueClass;
use crate::error::ConnectorError;
use crate::json::RowWriter;
use crate::schema::{ColumnRef, TableSchema};

/// One selected output value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Projection {
    Column(ColumnRef),
    /// `COUNT(*)` (column `None`), `SUM(col)`, ... — only with `group`.
    Aggregate {
        function: AggregateFunction,
        column: Option<ColumnRef>,
    },
}

/// The closed set of aggregate functions a client may request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggregateFunction {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

impl AggregateFunction {
    /// The SQL function name, which is also the prefix of the output key (`SUM_salary`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Count => "COUNT",
            Self::Sum => "SUM",
            Self::Avg => "AVG",
            Self::Min => "MIN",
            Self::Max => "MAX",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [Self::Count, Self::Sum, Self::Avg, Self::Min, Self::Max]
            .into_iter()
            .find(|function| function.name().eq_ignore_ascii_case(name))
    }
}

impl Projection {
    /// The key in the output object: the column's name, `COUNT_ALL`, or `SUM_col`.
    pub fn key(&self, table: &TableSchema) -> String {
        match *self {
            Self::Column(column) => table.column(column).name.clone(),
            Self::Aggregate {
                function,
                column: None,
            } => format!("{}_ALL", function.name()),
            Self::Aggregate {
                function,
                column: Some(column),
            } => format!("{}_{}", function.name(), table.column(column).name),
        }
    }

    /// How the value is written: counts are integers, sums and averages follow what SQLite
    /// returns, minimum and maximum keep their column's type.
    pub fn value_class(&self, table: &TableSchema) -> ValueClass {
        match *self {
            Self::Column(column) => table.column(column).df_type.value_class(),
            Self::Aggregate {
                function: AggregateFunction::Count,
                ..
            } => ValueClass::Integer,
            Self::Aggregate {
                function: AggregateFunction::Min | AggregateFunction::Max,
                column: Some(column),
            } => table.column(column).df_type.value_class(),
            Self::Aggregate { .. } => ValueClass::Untyped,
        }
    }
}

/// Writes rows of `projection` as objects keyed by their output names.
pub(crate) fn object_writer(table: &TableSchema, projection: &[Projection]) -> RowWriter {
    let keys: Vec<String> = projection.iter().map(|p| p.key(table)).collect();
    RowWriter::object(
        keys.iter()
            .map(String::as_str)
            .zip(projection.iter().map(|p| p.value_class(table))),
    )
}

/// Parses `fields`: absent or `*` = every column; empty = the primary key (every column
/// when there is none); otherwise a comma list of column names (case-insensitive) and, when
/// `grouped`, aggregates. Duplicates are dropped.
///
/// # Errors
///
/// 400 `Invalid field requested: x` for an unknown name, or an aggregate without `group`.
pub(crate) fn parse_fields(
    table: &TableSchema,
    fields: Option<&str>,
    grouped: bool,
) -> Result<Vec<Projection>, ConnectorError> {
    let all_columns = || {
        table
            .column_refs()
            .map(Projection::Column)
            .collect::<Vec<_>>()
    };
    let Some(fields) = fields.map(str::trim) else {
        return Ok(all_columns());
    };
    if fields.is_empty() {
        let key: Vec<Projection> = table
            .primary_key()
            .iter()
            .copied()
            .map(Projection::Column)
            .collect();
        return Ok(if key.is_empty() { all_columns() } else { key });
    }
    let mut projection: Vec<Projection> = Vec::new();
    for item in fields
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let parsed = if item == "*" {
            all_columns()
        } else if let Some(column) = table.column_ref(item) {
            vec![Projection::Column(column)]
        } else if grouped && let Some(aggregate) = parse_aggregate(table, item) {
            vec![aggregate]
        } else {
            return Err(ConnectorError::bad_request(format!(
                "Invalid field requested: {item}"
            )));
        };
        for entry in parsed {
            if !projection.contains(&entry) {
                projection.push(entry);
            }
        }
    }
    Ok(projection)
}

/// `FUNC(col)` or `COUNT(*)`, function name case-insensitive, spaces allowed inside.
fn parse_aggregate(table: &TableSchema, item: &str) -> Option<Projection> {
    let (name, rest) = item.split_once('(')?;
    let argument = rest.strip_suffix(')')?.trim();
    let function = AggregateFunction::parse(name.trim())?;
    let column = match argument {
        "*" if function == AggregateFunction::Count => None,
        _ => Some(table.column_ref(argument)?),
    };
    Some(Projection::Aggregate { function, column })
}

/// Parses `group`: a comma list of column names.
///
/// # Errors
///
/// 400 `Invalid or unknown field 'x' in group by clause.`
pub(crate) fn parse_group(
    table: &TableSchema,
    group: Option<&str>,
) -> Result<Vec<ColumnRef>, ConnectorError> {
    let mut columns = Vec::new();
    for name in group
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let column = table.column_ref(name).ok_or_else(|| {
            ConnectorError::bad_request(format!(
                "Invalid or unknown field '{name}' in group by clause."
            ))
        })?;
        if !columns.contains(&column) {
            columns.push(column);
        }
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::employees;

    fn keys(fields: Option<&str>, grouped: bool) -> Result<Vec<String>, String> {
        let table = employees();
        parse_fields(&table, fields, grouped)
            .map(|p| p.iter().map(|p| p.key(&table)).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn absent_or_star_is_every_column_and_empty_is_the_key() {
        let all = ["id", "first_name", "last_name", "salary", "dept"];
        assert_eq!(
            keys(None, false),
            Ok(all.iter().map(|s| s.to_string()).collect())
        );
        assert_eq!(keys(Some("*"), false).map(|k| k.len()), Ok(5));
        assert_eq!(keys(Some(""), false), Ok(vec!["id".to_owned()]));
    }

    #[test]
    fn lists_are_case_insensitive_deduplicated_and_in_db_spelling() {
        assert_eq!(
            keys(Some(" LAST_NAME ,id,last_name"), false),
            Ok(vec!["last_name".to_owned(), "id".to_owned()])
        );
    }

    #[test]
    fn unknown_fields_and_ungrouped_aggregates_are_refused() {
        assert_eq!(
            keys(Some("id,nope"), false),
            Err("Invalid field requested: nope".into())
        );
        assert_eq!(
            keys(Some("COUNT(*)"), false),
            Err("Invalid field requested: COUNT(*)".into())
        );
        assert_eq!(
            keys(Some("SUM(nope)"), true),
            Err("Invalid field requested: SUM(nope)".into())
        );
        assert_eq!(
            keys(Some("SUM(*)"), true),
            Err("Invalid field requested: SUM(*)".into())
        );
    }

    #[test]
    fn aggregates_with_group_get_dreamfactory_keys() {
        assert_eq!(
            keys(Some("dept,count(*),SUM( salary ),max(salary)"), true),
            Ok(vec![
                "dept".into(),
                "COUNT_ALL".into(),
                "SUM_salary".into(),
                "MAX_salary".into()
            ])
        );
    }

    #[test]
    fn group_resolves_columns_or_refuses() {
        let table = employees();
        assert_eq!(
            parse_group(&table, Some("DEPT, dept"))
                .map(|g| g.len())
                .ok(),
            Some(1)
        );
        assert_eq!(
            parse_group(&table, Some("nope")).map_err(|e| e.to_string()),
            Err("Invalid or unknown field 'nope' in group by clause.".into())
        );
    }
}
