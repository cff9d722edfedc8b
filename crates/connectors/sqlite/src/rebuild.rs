//! Field changes SQLite's ALTER TABLE cannot make (a new type, nullability, default, key or
//! reference): the table is rebuilt as SQLite's documentation describes ("Making Other
//! Kinds Of Table Schema Changes"): create the new shape under a temporary name, copy the
//! rows, drop the old table, rename the new one, recreate its indexes, and check foreign
//! keys, all inside the caller's transaction, so a failure leaves the table as it was.
//!
//! Columns nobody asked to change keep their definitions as the catalog reports them.
//! Tables whose definition the catalog cannot fully describe (CHECK, COLLATE, generated
//! columns, WITHOUT ROWID, STRICT) or that have triggers are refused rather than rebuilt
//! with something lost.

use rusqlite::Connection;
use serde_json::{Map, Value, json};
use sluice_connector_core::{ColumnSchema, ConnectorError, DfType, ForeignKey, TableSchema};

use crate::authorizer::{authorize_ddl, under_policy};
use crate::ddl::column_definition;
use crate::error::map_error;
use crate::picklist::picklists;
use sluice_connector_core::picklist_check as check_clause;

/// One field of the table after the change: where its rows come from and its DDL.
pub(crate) struct PlannedColumn {
    /// The column the rows are copied from (its name after any rename); `None` for a new
    /// column, which takes its default.
    pub(crate) source: Option<String>,
    pub(crate) name: String,
    pub(crate) definition: String,
}

/// An identifier taken from the catalog, quoted as SQL requires.
pub(crate) fn quote_existing(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The column's definition rebuilt from the catalog: declared type, NOT NULL, DEFAULT,
/// a single-column PRIMARY KEY, UNIQUE and REFERENCES.
pub(crate) fn catalog_definition(
    table: &TableSchema,
    column: &ColumnSchema,
    name: &str,
    sql: &str,
) -> String {
    let mut definition = quote_existing(name);
    if !column.db_type.is_empty() {
        definition.push(' ');
        definition.push_str(&column.db_type);
    }
    if column.is_primary_key && table.primary_key().len() == 1 {
        definition.push_str(" PRIMARY KEY");
        if column.auto_increment && sql.to_ascii_uppercase().contains("AUTOINCREMENT") {
            definition.push_str(" AUTOINCREMENT");
        }
    }
    if !column.allow_null {
        definition.push_str(" NOT NULL");
    }
    if let Some(default) = &column.default {
        definition.push_str(" DEFAULT ");
        definition.push_str(default);
    }
    if column.is_unique {
        definition.push_str(" UNIQUE");
    }
    if let Some(key) = single_key_of(table, &column.name) {
        definition.push_str(&references(key));
    }
    if let Some(values) = &column.picklist {
        definition.push_str(&check_clause(&quote_existing(name), values));
    }
    definition
}

/// The column as a DreamFactory field definition, the base a client's change is laid on.
pub(crate) fn as_field(table: &TableSchema, column: &ColumnSchema) -> Map<String, Value> {
    let single_key = table.primary_key().len() == 1 && column.is_primary_key;
    let df_type = if single_key && column.auto_increment {
        DfType::Id
    } else {
        column.df_type
    };
    let mut field = Map::new();
    field.insert("name".into(), json!(column.name));
    field.insert("type".into(), json!(df_type.as_str()));
    for (key, value) in [
        ("length", column.length),
        ("precision", column.precision),
        ("scale", column.scale),
    ] {
        if let Some(value) = value {
            field.insert(key.into(), json!(value));
        }
    }
    field.insert("fixed_length".into(), json!(column.fixed_length));
    if let Some(values) = &column.picklist {
        field.insert("picklist".into(), json!(values));
    }
    field.insert("allow_null".into(), json!(column.allow_null));
    field.insert("is_unique".into(), json!(column.is_unique));
    field.insert(
        "is_primary_key".into(),
        json!(single_key && df_type != DfType::Id),
    );
    if let Some(key) = single_key_of(table, &column.name) {
        field.insert("ref_table".into(), json!(key.ref_table));
        field.insert("ref_field".into(), json!(key.ref_columns.first()));
        field.insert("ref_on_update".into(), json!(key.on_update));
        field.insert("ref_on_delete".into(), json!(key.on_delete));
    }
    field
}

/// The definition of a changed column: the client's keys over the column's own, with the
/// catalog's default kept when the client gave none (it is SQL, not a JSON literal).
pub(crate) fn changed_definition(
    table: &TableSchema,
    column: &ColumnSchema,
    change: &Map<String, Value>,
) -> Result<String, ConnectorError> {
    let mut field = as_field(table, column);
    for (key, value) in change {
        field.insert(key.clone(), value.clone());
    }
    let mut definition = column_definition(&Value::Object(field))?;
    if !change.contains_key("default")
        && !definition.contains(" DEFAULT ")
        && let Some(default) = &column.default
    {
        definition.push_str(" DEFAULT ");
        definition.push_str(default);
    }
    Ok(definition)
}

fn single_key_of<'t>(table: &'t TableSchema, column: &str) -> Option<&'t ForeignKey> {
    table
        .foreign_keys()
        .iter()
        .find(|key| key.columns.len() == 1 && key.columns[0].eq_ignore_ascii_case(column))
}

fn references(key: &ForeignKey) -> String {
    let columns: Vec<String> = key.ref_columns.iter().map(|c| quote_existing(c)).collect();
    format!(
        " REFERENCES {}({}) ON UPDATE {} ON DELETE {}",
        quote_existing(&key.ref_table),
        columns.join(", "),
        key.on_update,
        key.on_delete
    )
}

/// Table constraints the column definitions cannot carry: a composite primary key and
/// composite foreign keys. Refused when a column they name is gone.
fn table_constraints(
    table: &TableSchema,
    columns: &[PlannedColumn],
) -> Result<Vec<String>, ConnectorError> {
    let kept = |name: &str| columns.iter().any(|c| c.name.eq_ignore_ascii_case(name));
    let missing = || {
        ConnectorError::bad_request(
            "A field that is part of a composite key can not be dropped or renamed here; \
             nothing was changed.",
        )
    };
    let mut constraints = Vec::new();
    if table.primary_key().len() > 1 {
        let names: Vec<&str> = table
            .primary_key()
            .iter()
            .map(|&c| table.column(c).name.as_str())
            .collect();
        if !names.iter().all(|n| kept(n)) {
            return Err(missing());
        }
        let quoted: Vec<String> = names.iter().map(|n| quote_existing(n)).collect();
        constraints.push(format!("PRIMARY KEY ({})", quoted.join(", ")));
    }
    for key in table.foreign_keys().iter().filter(|k| k.columns.len() > 1) {
        if !key.columns.iter().all(|n| kept(n)) {
            return Err(missing());
        }
        let quoted: Vec<String> = key.columns.iter().map(|n| quote_existing(n)).collect();
        constraints.push(format!(
            "FOREIGN KEY ({}){}",
            quoted.join(", "),
            references(key)
        ));
    }
    Ok(constraints)
}

/// Whether the catalog describes everything the table's definition holds: every CHECK
/// is a picklist, and nothing else the catalog does not report is there.
pub(crate) fn check_rebuildable(sql: &str) -> Result<(), ConnectorError> {
    let compact: String = sql
        .to_ascii_uppercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let lossy = [" COLLATE ", " GENERATED ", " AS (", "WITHOUT ROWID"];
    let (found, checks) = picklists(sql);
    if checks != found.len()
        || lossy.iter().any(|word| compact.contains(word))
        || compact.ends_with("STRICT")
    {
        return Err(ConnectorError::bad_request(
            "This change needs the table to be rebuilt, and its definition (CHECK, COLLATE, \
             generated columns, WITHOUT ROWID or STRICT) can not be carried over; nothing \
             was changed.",
        ));
    }
    Ok(())
}

/// Rebuilds `table` (inside the caller's transaction) with the columns `plan` gives for
/// the table's CREATE statement, keeping its composite constraints and indexes. Foreign
/// keys must be off on the connection (the caller turns them off before its
/// transaction); they are checked before returning.
pub(crate) fn rebuild(
    connection: &Connection,
    table: &TableSchema,
    plan: impl FnOnce(&str) -> Result<Vec<PlannedColumn>, ConnectorError>,
) -> Result<(), ConnectorError> {
    let name = quote_existing(table.name());
    let temporary = quote_existing(&format!("sluice_rebuild_{}", table.name()));
    let (sql, indexes, triggers) = catalog_sql(connection, table.name())?;
    check_rebuildable(&sql)?;
    let columns = &plan(&sql)?;
    if triggers > 0 {
        return Err(ConnectorError::bad_request(
            "This change needs the table to be rebuilt, and tables with triggers are not \
             rebuilt; nothing was changed.",
        ));
    }
    let mut parts: Vec<String> = columns.iter().map(|c| c.definition.clone()).collect();
    parts.extend(table_constraints(table, columns)?);
    let copied: Vec<&PlannedColumn> = columns.iter().filter(|c| c.source.is_some()).collect();
    let targets: Vec<String> = copied.iter().map(|c| quote_existing(&c.name)).collect();
    let sources: Vec<String> = copied
        .iter()
        .filter_map(|c| c.source.as_deref().map(quote_existing))
        .collect();
    let mut statements = vec![format!("CREATE TABLE {temporary} ({})", parts.join(", "))];
    if !copied.is_empty() {
        statements.push(format!(
            "INSERT INTO {temporary} ({}) SELECT {} FROM {name}",
            targets.join(", "),
            sources.join(", ")
        ));
    }
    statements.push(format!("DROP TABLE {name}"));
    for statement in &statements {
        connection
            .execute_batch(statement)
            .map_err(crate::schema_write::ddl_error)?;
    }
    // Views naming the table are not parsed while it is missing (the legacy rename leaves
    // other objects' SQL alone, which is what a same-name swap needs).
    with_pragmas(
        connection,
        "PRAGMA legacy_alter_table = ON",
        "PRAGMA legacy_alter_table = OFF",
        || {
            connection
                .execute_batch(&format!("ALTER TABLE {temporary} RENAME TO {name}"))
                .map_err(crate::schema_write::ddl_error)
        },
    )?;
    for index in &indexes {
        connection
            .execute_batch(index)
            .map_err(crate::schema_write::ddl_error)?;
    }
    check_foreign_keys(connection)
}

/// Runs `job` between two fixed PRAGMAs, which the DDL policy refuses.
fn with_pragmas<T>(
    connection: &Connection,
    before: &str,
    after: &str,
    job: impl FnOnce() -> Result<T, ConnectorError>,
) -> Result<T, ConnectorError> {
    without_authorizer(connection, || {
        connection.execute_batch(before).map_err(map_error)
    })?;
    let result = job();
    without_authorizer(connection, || {
        connection.execute_batch(after).map_err(map_error)
    })?;
    result
}

/// Lifts the DDL policy for `job`, which runs only fixed SQL of ours, and puts it back.
fn without_authorizer<T>(
    connection: &Connection,
    job: impl FnOnce() -> Result<T, ConnectorError>,
) -> Result<T, ConnectorError> {
    under_policy(connection, None, authorize_ddl, job)
}

/// The table's CREATE statement, its explicit indexes' CREATE statements, and how many
/// triggers it has.
fn catalog_sql(
    connection: &Connection,
    table: &str,
) -> Result<(String, Vec<String>, usize), ConnectorError> {
    let mut statement = connection
        .prepare(
            "SELECT type, sql FROM sqlite_schema WHERE tbl_name = ?1 COLLATE NOCASE \
             AND sql IS NOT NULL ORDER BY rowid",
        )
        .map_err(map_error)?;
    let rows = statement
        .query_map([table], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(map_error)?;
    let (mut create, mut indexes, mut triggers) = (String::new(), Vec::new(), 0);
    for row in rows {
        let (kind, sql) = row.map_err(map_error)?;
        match kind.as_str() {
            "table" => create = sql,
            "index" => indexes.push(sql),
            "trigger" => triggers += 1,
            _ => {}
        }
    }
    Ok((create, indexes, triggers))
}

/// Rows that break a foreign key after the rebuild (in the table, or in tables referring to
/// it) make the change a 400.
fn check_foreign_keys(connection: &Connection) -> Result<(), ConnectorError> {
    let broken = without_authorizer(connection, || {
        connection
            .prepare("PRAGMA foreign_key_check")
            .and_then(|mut statement| statement.exists([]))
            .map_err(map_error)
    })?;
    if broken {
        return Err(ConnectorError::bad_request(
            "The change breaks a foreign key of existing records; nothing was changed.",
        ));
    }
    Ok(())
}
