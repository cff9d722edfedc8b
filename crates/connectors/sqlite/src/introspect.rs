//! Reading the schema of a SQLite database into a `SchemaSnapshot`, through the
//! table-valued PRAGMA functions (so table names are bound, never formatted into SQL).

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};
use sluice_connector_core::{
    ColumnSchema, ConnectorError, DfType, ForeignKey, SchemaSnapshot, TableSchema, sole_primary_key,
};

use crate::authorizer::is_sqlite_internal;
use crate::error::map_error;
use crate::picklist::picklists;

/// Tables (including virtual tables) and views of the main database. `sqlite_*` tables and
/// the shadow tables behind virtual tables are internal and never listed.
const TABLES: &str = "SELECT name, type, wr FROM pragma_table_list \
                      WHERE schema = 'main' AND type IN ('table', 'view', 'virtual') ORDER BY name";
const COLUMNS: &str =
    "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1)";
const INDEXES: &str = "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1)";
const INDEX_COLUMNS: &str = "SELECT name FROM pragma_index_info(?1)";
const FOREIGN_KEYS: &str = "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?1) ORDER BY id, seq";

/// Reads every table and view.
///
/// A table whose columns cannot be read (a virtual table whose module is not compiled in)
/// is left out and logged, rather than failing the whole service.
///
/// # Errors
///
/// The mapped SQLite error when the table list itself cannot be read.
pub(crate) fn introspect(connection: &Connection) -> Result<SchemaSnapshot, ConnectorError> {
    let mut statement = connection.prepare_cached(TABLES).map_err(map_error)?;
    let listed: Vec<(String, String, bool)> = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .map_err(map_error)?
        .collect::<Result<_, _>>()
        .map_err(map_error)?;
    let mut tables = Vec::with_capacity(listed.len());
    for (name, kind, without_rowid) in listed {
        if is_sqlite_internal(&name) {
            continue;
        }
        match read_table(connection, name.clone(), kind == "view", without_rowid) {
            Ok(table) => tables.push(table),
            Err(error) => {
                tracing::warn!(table.name = %name, error = %error, "table skipped: its schema cannot be read")
            }
        }
    }
    resolve_implicit_references(&mut tables);
    Ok(SchemaSnapshot::new(
        tables
            .into_iter()
            .map(|t| TableSchema::new(t.name, t.is_view, t.columns, t.foreign_keys))
            .collect(),
    ))
}

/// A table before the snapshot is assembled (foreign keys may still need the referenced
/// table's primary key).
struct RawTable {
    name: String,
    is_view: bool,
    columns: Vec<ColumnSchema>,
    foreign_keys: Vec<ForeignKey>,
}

fn read_table(
    connection: &Connection,
    name: String,
    is_view: bool,
    without_rowid: bool,
) -> Result<RawTable, ConnectorError> {
    let mut columns = read_columns(connection, &name)?;
    mark_key_types(&mut columns, without_rowid);
    mark_unique_columns(connection, &name, &mut columns)?;
    let foreign_keys = read_foreign_keys(connection, &name)?;
    if !is_view {
        mark_picklists(connection, &name, &mut columns)?;
    }
    Ok(RawTable {
        name,
        is_view,
        columns,
        foreign_keys,
    })
}

fn mark_picklists(
    connection: &Connection,
    table: &str,
    columns: &mut [ColumnSchema],
) -> Result<(), ConnectorError> {
    let mut statement = connection
        .prepare_cached("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1")
        .map_err(map_error)?;
    let sql: Option<String> = statement
        .query_row([table], |row| row.get(0))
        .optional()
        .map_err(map_error)?
        .flatten();
    for (name, values) in sql.map(|sql| picklists(&sql).0).unwrap_or_default() {
        if let Some(column) = columns
            .iter_mut()
            .find(|c| c.name.eq_ignore_ascii_case(&name))
        {
            column.picklist = Some(values);
        }
    }
    Ok(())
}

fn read_columns(connection: &Connection, table: &str) -> Result<Vec<ColumnSchema>, ConnectorError> {
    let mut statement = connection.prepare_cached(COLUMNS).map_err(map_error)?;
    let rows = statement
        .query_map([table], |row| {
            let mut column =
                ColumnSchema::from_declared(row.get::<_, String>(0)?, row.get::<_, String>(1)?);
            column.allow_null = row.get::<_, i64>(2)? == 0;
            column.default = row.get(3)?;
            column.is_primary_key = row.get::<_, i64>(4)? > 0;
            // hidden = 1: a hidden column of a virtual table, not part of the data.
            Ok((column, row.get::<_, i64>(5)? == 1))
        })
        .map_err(map_error)?;
    let mut columns = Vec::new();
    for row in rows {
        let (column, hidden) = row.map_err(map_error)?;
        if !hidden {
            columns.push(column);
        }
    }
    Ok(columns)
}

/// DreamFactory types an integer single-column primary key `id`. Only a column declared
/// exactly `INTEGER` in a rowid table is an alias of the rowid and therefore really filled
/// in automatically; only that one is reported `auto_increment` (DreamFactory also claims
/// it for `INT PRIMARY KEY`, which SQLite does not fill).
fn mark_key_types(columns: &mut [ColumnSchema], without_rowid: bool) {
    let Some(key) = sole_primary_key(columns) else {
        return;
    };
    if key.df_type == DfType::Integer {
        key.df_type = DfType::Id;
        key.auto_increment = !without_rowid && key.db_type.trim().eq_ignore_ascii_case("integer");
    }
}

/// `is_unique` for columns that alone make up a UNIQUE constraint (DreamFactory considers
/// only constraints, origin `u`, not `CREATE UNIQUE INDEX`).
fn mark_unique_columns(
    connection: &Connection,
    table: &str,
    columns: &mut [ColumnSchema],
) -> Result<(), ConnectorError> {
    let mut statement = connection.prepare_cached(INDEXES).map_err(map_error)?;
    let unique_constraints: Vec<String> = statement
        .query_map([table], |row| {
            let unique: bool = row.get(1)?;
            let origin: String = row.get(2)?;
            let partial: bool = row.get(3)?;
            Ok((
                row.get::<_, String>(0)?,
                unique && origin == "u" && !partial,
            ))
        })
        .map_err(map_error)?
        .filter_map(|row| match row {
            Ok((name, true)) => Some(Ok(name)),
            Ok(_) => None,
            Err(error) => Some(Err(error)),
        })
        .collect::<Result<_, _>>()
        .map_err(map_error)?;
    let mut statement = connection
        .prepare_cached(INDEX_COLUMNS)
        .map_err(map_error)?;
    for index in unique_constraints {
        let indexed: Vec<Option<String>> = statement
            .query_map([&index], |row| row.get(0))
            .map_err(map_error)?
            .collect::<Result<_, _>>()
            .map_err(map_error)?;
        if let [Some(only)] = indexed.as_slice()
            && let Some(column) = columns
                .iter_mut()
                .find(|c| c.name.eq_ignore_ascii_case(only))
        {
            column.is_unique = true;
        }
    }
    Ok(())
}

fn read_foreign_keys(
    connection: &Connection,
    table: &str,
) -> Result<Vec<ForeignKey>, ConnectorError> {
    let mut statement = connection.prepare_cached(FOREIGN_KEYS).map_err(map_error)?;
    let rows = statement
        .query_map([table], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
            ))
        })
        .map_err(map_error)?;
    let mut keys: Vec<(i64, ForeignKey)> = Vec::new();
    for row in rows {
        let (id, ref_table, from, to, on_update, on_delete) = row.map_err(map_error)?;
        if keys.last().is_none_or(|(last, _)| *last != id) {
            keys.push((
                id,
                ForeignKey {
                    columns: Vec::new(),
                    ref_table,
                    ref_columns: Vec::new(),
                    on_update,
                    on_delete,
                },
            ));
        }
        if let Some((_, key)) = keys.last_mut() {
            key.columns.push(from);
            // Empty until resolved: `REFERENCES parent` without columns means its key.
            key.ref_columns.push(to.unwrap_or_default());
        }
    }
    Ok(keys.into_iter().map(|(_, key)| key).collect())
}

/// Fills in the referenced columns of `REFERENCES parent` (no column list) with the
/// parent's primary key, in key order.
fn resolve_implicit_references(tables: &mut [RawTable]) {
    let primary_keys: HashMap<String, Vec<String>> = tables
        .iter()
        .map(|table| {
            let key = table
                .columns
                .iter()
                .filter(|c| c.is_primary_key)
                .map(|c| c.name.clone())
                .collect();
            (table.name.to_ascii_lowercase(), key)
        })
        .collect();
    for key in tables.iter_mut().flat_map(|t| t.foreign_keys.iter_mut()) {
        if let Some(parent_key) = primary_keys.get(&key.ref_table.to_ascii_lowercase()) {
            for (position, column) in key.ref_columns.iter_mut().enumerate() {
                if column.is_empty()
                    && let Some(parent_column) = parent_key.get(position)
                {
                    column.clone_from(parent_column);
                }
            }
        }
    }
}
