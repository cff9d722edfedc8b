//! Reading the service's database into a `SchemaSnapshot` through `information_schema`:
//! three queries for the whole database, whatever its size.

use std::collections::HashMap;

use mysql_async::Row;
use mysql_async::prelude::Queryable;
use sluice_connector_core::{
    ColumnSchema, ConnectorError, DfType, ForeignKey, SchemaSnapshot, TableSchema, sole_primary_key,
};

use crate::error::map_error;
use crate::types::{df_type, enum_labels};
use crate::values::{required_text, text};

/// Tables and views of the connection's database (MariaDB's sequences are not tables).
const TABLES: &str = "SELECT TABLE_NAME, TABLE_TYPE = 'VIEW' FROM information_schema.TABLES \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED') \
     ORDER BY TABLE_NAME";

const COLUMNS: &str = "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, \
       COLUMN_DEFAULT, EXTRA, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE \
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
     ORDER BY TABLE_NAME, ORDINAL_POSITION";

/// Primary keys, unique constraints and foreign keys to tables of the same database (a
/// key to another database's table names nothing the service serves), one row per column
/// in key order.
const CONSTRAINTS: &str = "SELECT tc.TABLE_NAME, tc.CONSTRAINT_TYPE, tc.CONSTRAINT_NAME, \
       k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, \
       r.UPDATE_RULE, r.DELETE_RULE \
     FROM information_schema.TABLE_CONSTRAINTS tc \
     JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA \
       AND k.TABLE_NAME = tc.TABLE_NAME AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
     LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
       ON r.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND r.TABLE_NAME = tc.TABLE_NAME \
       AND r.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
     WHERE tc.TABLE_SCHEMA = DATABASE() \
       AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') \
       AND (tc.CONSTRAINT_TYPE <> 'FOREIGN KEY' OR k.REFERENCED_TABLE_SCHEMA = DATABASE()) \
     ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME, k.ORDINAL_POSITION";

/// Reads every table and view of the connection's database.
pub(crate) async fn introspect(
    conn: &mut impl Queryable,
) -> Result<SchemaSnapshot, ConnectorError> {
    let tables: Vec<Row> = conn.query(TABLES).await.map_err(map_error)?;
    let columns: Vec<Row> = conn.query(COLUMNS).await.map_err(map_error)?;
    let constraints: Vec<Row> = conn.query(CONSTRAINTS).await.map_err(map_error)?;

    let mut raw: Vec<RawTable> = Vec::with_capacity(tables.len());
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for row in &tables {
        let name = required_text(row, 0)?;
        by_name.insert(name.clone(), raw.len());
        raw.push(RawTable {
            name,
            is_view: text(row, 1)?.as_deref() == Some("1"),
            columns: Vec::new(),
            foreign_keys: Vec::new(),
        });
    }
    for row in &columns {
        let Some(&index) = by_name.get(&required_text(row, 0)?) else {
            continue;
        };
        raw[index].columns.push(read_column(row)?);
    }
    for group in group_constraints(&constraints)? {
        let Some(&index) = by_name.get(&group.table) else {
            continue;
        };
        raw[index].apply(group);
    }
    Ok(SchemaSnapshot::new(
        raw.into_iter().map(RawTable::finish).collect(),
    ))
}

/// A table before the snapshot is assembled.
struct RawTable {
    name: String,
    is_view: bool,
    columns: Vec<ColumnSchema>,
    foreign_keys: Vec<ForeignKey>,
}

impl RawTable {
    /// DreamFactory types a single-column integer primary key `id` (an `auto_increment`
    /// one, or one the client supplies).
    fn finish(mut self) -> TableSchema {
        if let Some(key) = sole_primary_key(&mut self.columns)
            && matches!(key.df_type, DfType::Integer | DfType::BigInt)
        {
            key.df_type = DfType::Id;
        }
        TableSchema::new(self.name, self.is_view, self.columns, self.foreign_keys)
    }

    fn apply(&mut self, constraint: Constraint) {
        match constraint.kind.as_str() {
            "PRIMARY KEY" => {
                for column in &mut self.columns {
                    column.is_primary_key |= constraint.columns.contains(&column.name);
                }
            }
            "UNIQUE" => {
                if let [only] = constraint.columns.as_slice()
                    && let Some(column) = self.columns.iter_mut().find(|c| &c.name == only)
                {
                    column.is_unique = true;
                }
            }
            _ => {
                let Some(ref_table) = constraint.ref_table else {
                    return;
                };
                self.foreign_keys.push(ForeignKey {
                    columns: constraint.columns,
                    ref_table,
                    ref_columns: constraint.ref_columns,
                    on_update: constraint.on_update,
                    on_delete: constraint.on_delete,
                });
            }
        }
    }
}

fn read_column(row: &Row) -> Result<ColumnSchema, ConnectorError> {
    let name = required_text(row, 1)?;
    let column_type = required_text(row, 2)?;
    let data_type = required_text(row, 3)?;
    let nullable = text(row, 4)?.as_deref() == Some("YES");
    let default = text(row, 5)?;
    let extra = text(row, 6)?.unwrap_or_default().to_ascii_lowercase();
    let number = |index| -> Result<Option<u32>, ConnectorError> {
        Ok(text(row, index)?.and_then(|n| n.parse::<u32>().ok()))
    };

    let df = df_type(&data_type, &column_type);
    let mut column = ColumnSchema::from_declared(name, column_type);
    column.df_type = df;
    column.allow_null = nullable;
    column.auto_increment = extra.contains("auto_increment");
    column.default = match default {
        _ if column.auto_increment => None,
        // MariaDB writes "no default" of a nullable column as the expression `NULL`.
        Some(default) if default == "NULL" => None,
        other => other,
    };
    column.supports_multibyte = matches!(df, DfType::String | DfType::Text);
    match df {
        DfType::String | DfType::Text | DfType::Binary => {
            column.length = number(7)?;
        }
        DfType::Decimal => {
            column.precision = number(8)?;
            column.scale = number(9)?;
            column.length = column.precision;
        }
        _ => {}
    }
    let lower = column.db_type.to_ascii_lowercase();
    column.fixed_length = lower.starts_with("char(") || lower.starts_with("binary(");
    column.picklist = enum_labels(&column.db_type);
    Ok(column)
}

/// One constraint with its columns in key order.
struct Constraint {
    table: String,
    kind: String,
    columns: Vec<String>,
    ref_table: Option<String>,
    ref_columns: Vec<String>,
    on_update: String,
    on_delete: String,
}

/// The constraint rows (one per column) grouped into constraints.
fn group_constraints(rows: &[Row]) -> Result<Vec<Constraint>, ConnectorError> {
    let mut groups: Vec<(String, Constraint)> = Vec::new();
    for row in rows {
        let table = required_text(row, 0)?;
        let name = required_text(row, 2)?;
        let column = required_text(row, 3)?;
        let ref_column = text(row, 5)?;
        if let Some((last_name, last)) = groups.last_mut()
            && last.table == table
            && *last_name == name
        {
            last.columns.push(column);
            last.ref_columns.extend(ref_column);
            continue;
        }
        groups.push((
            name,
            Constraint {
                table,
                kind: required_text(row, 1)?,
                columns: vec![column],
                ref_table: text(row, 4)?,
                ref_columns: ref_column.into_iter().collect(),
                on_update: text(row, 6)?.unwrap_or_else(|| "NO ACTION".to_owned()),
                on_delete: text(row, 7)?.unwrap_or_else(|| "NO ACTION".to_owned()),
            },
        ));
    }
    Ok(groups
        .into_iter()
        .map(|(_, constraint)| constraint)
        .collect())
}
