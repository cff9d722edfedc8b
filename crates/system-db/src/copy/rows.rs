//! The rows of one table on their way from the source to the target: which columns the
//! target has and how their values are read and bound, the INSERTs that keep every id, and
//! the columns set once every table is in.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{CopyError, quote};
use crate::codec::{AnyQuery, get_flag};

/// Columns no table order can satisfy: a user's default app (apps come after users, since
/// they record the user who created them) and the users who created or last changed a user
/// (any user, possibly one with a higher id). They are copied as NULL and set once every row
/// is in.
const LATE_COLUMNS: &[(&str, &[&str])] = &[(
    "user",
    &["default_app_id", "created_by_id", "last_modified_by_id"],
)];

/// Rows per INSERT: few round trips, far below PostgreSQL's 65,535 parameters a statement.
const ROWS_PER_INSERT: usize = 200;

/// How a target column's values are read from the source and bound for the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    /// INTEGER 0/1 on SQLite, BOOLEAN on PostgreSQL.
    Flag,
    Text,
}

pub(super) struct Column {
    pub(super) name: String,
    kind: Kind,
    /// Copied as NULL, set after every table is in (see [`LATE_COLUMNS`]).
    pub(super) late: bool,
    /// Numbered by an identity sequence (the `id` of every table keyed by number).
    pub(super) identity: bool,
}

/// One value on its way from the source to the target.
pub(super) enum Cell {
    Integer(Option<i64>),
    Flag(Option<bool>),
    Text(Option<String>),
}

/// The target's columns of `table`, in their declared order.
pub(super) async fn target_columns(
    target: &mut AnyConnection,
    table: &str,
) -> Result<Vec<Column>, CopyError> {
    let rows = sqlx::query(
        // The catalogue's own types (`sql_identifier`, ...) are not ones the Any driver reads.
        "SELECT CAST(column_name AS TEXT) AS column_name, CAST(data_type AS TEXT) AS data_type, \
         CAST(is_identity AS TEXT) AS is_identity FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *target)
    .await?;
    let late = LATE_COLUMNS
        .iter()
        .find(|(late_table, _)| *late_table == table)
        .map_or(&[][..], |(_, columns)| *columns);
    rows.iter()
        .map(|row| {
            let name: String = row.try_get("column_name")?;
            let data_type: String = row.try_get("data_type")?;
            let identity: String = row.try_get("is_identity")?;
            let kind = match data_type.as_str() {
                "bigint" | "integer" | "smallint" => Kind::Integer,
                "boolean" => Kind::Flag,
                "text" => Kind::Text,
                _ => {
                    return Err(CopyError::UnsupportedColumn {
                        table: table.to_owned(),
                        column: name,
                        data_type,
                    });
                }
            };
            Ok(Column {
                late: late.contains(&name.as_str()),
                identity: identity == "YES",
                name,
                kind,
            })
        })
        .collect()
}

/// Every row of `table` in the source, in primary-key order (the first column of every
/// data table).
pub(super) async fn read_table(
    source: &mut AnyConnection,
    table: &str,
    columns: &[Column],
) -> Result<Vec<Vec<Cell>>, CopyError> {
    let names: Vec<String> = columns.iter().map(|column| quote(&column.name)).collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY 1",
        names.join(", "),
        quote(table)
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .fetch_all(&mut *source)
        .await?;
    rows.iter()
        .map(|row| {
            (0..columns.len())
                .map(|index| read_cell(row, index, columns[index].kind))
                .collect::<Result<Vec<Cell>, sqlx::Error>>()
        })
        .collect::<Result<_, _>>()
        .map_err(CopyError::from)
}

fn read_cell(row: &AnyRow, index: usize, kind: Kind) -> Result<Cell, sqlx::Error> {
    use sqlx::ValueRef;
    let null = row.try_get_raw(index)?.is_null();
    Ok(match kind {
        Kind::Integer => Cell::Integer(row.try_get(index)?),
        Kind::Flag if null => Cell::Flag(None),
        Kind::Flag => Cell::Flag(Some(get_flag(row, index)?)),
        Kind::Text => Cell::Text(row.try_get(index)?),
    })
}

/// Inserts `rows` with their ids, late columns as NULL, in statements of
/// [`ROWS_PER_INSERT`] rows.
pub(super) async fn insert_rows(
    target: &mut AnyConnection,
    table: &str,
    columns: &[Column],
    rows: &[Vec<Cell>],
) -> Result<(), CopyError> {
    let names: Vec<String> = columns.iter().map(|column| quote(&column.name)).collect();
    let width = columns.len();
    for batch in rows.chunks(ROWS_PER_INSERT) {
        let tuples: Vec<String> = (0..batch.len())
            .map(|row| {
                let placeholders: Vec<String> = (1..=width)
                    .map(|n| format!("${}", row * width + n))
                    .collect();
                format!("({})", placeholders.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            quote(table),
            names.join(", "),
            tuples.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for row in batch {
            for (cell, column) in row.iter().zip(columns) {
                query = if column.late {
                    bind_null(query, column.kind)
                } else {
                    bind(query, cell)
                };
            }
        }
        query.execute(&mut *target).await?;
    }
    Ok(())
}

/// Sets the late columns of the rows that have a value in one.
pub(super) async fn set_late_columns(
    target: &mut AnyConnection,
    table: &str,
    columns: &[Column],
    rows: &[Vec<Cell>],
) -> Result<(), CopyError> {
    let late: Vec<usize> = (0..columns.len())
        .filter(|&index| columns[index].late)
        .collect();
    if late.is_empty() {
        return Ok(());
    }
    let assignments: Vec<String> = late
        .iter()
        .enumerate()
        .map(|(n, &index)| format!("{} = ${}", quote(&columns[index].name), n + 2))
        .collect();
    let sql = format!(
        "UPDATE {} SET {} WHERE {} = $1",
        quote(table),
        assignments.join(", "),
        quote(&columns[0].name)
    );
    for row in rows {
        if late.iter().all(|&index| is_null(&row[index])) {
            continue;
        }
        let mut query = bind(sqlx::query(AssertSqlSafe(sql.clone())), &row[0]);
        for &index in &late {
            query = bind(query, &row[index]);
        }
        query.execute(&mut *target).await?;
    }
    Ok(())
}

fn bind<'q>(query: AnyQuery<'q>, cell: &Cell) -> AnyQuery<'q> {
    match cell {
        Cell::Integer(value) => query.bind(*value),
        Cell::Flag(value) => query.bind(*value),
        Cell::Text(value) => query.bind(value.clone()),
    }
}

fn bind_null(query: AnyQuery<'_>, kind: Kind) -> AnyQuery<'_> {
    match kind {
        Kind::Integer => query.bind(None::<i64>),
        Kind::Flag => query.bind(None::<bool>),
        Kind::Text => query.bind(None::<String>),
    }
}

fn is_null(cell: &Cell) -> bool {
    matches!(
        cell,
        Cell::Integer(None) | Cell::Flag(None) | Cell::Text(None)
    )
}
