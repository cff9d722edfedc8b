//! Reading one schema of a PostgreSQL database into a `SchemaSnapshot` through
//! `pg_catalog`: four queries for the whole schema, whatever its size (the
//! `information_schema` views cost hundreds of milliseconds on a few hundred tables).

use std::collections::HashMap;

use deadpool_postgres::GenericClient;
use sluice_connector_core::{
    ColumnSchema, ConnectorError, DeclaredType, DfType, ForeignKey, SchemaSnapshot, TableSchema,
    sole_primary_key,
};

use crate::error::map_error;
use crate::types::PgType;

/// Tables (plain, partitioned, foreign) and views (plain, materialized) of the schema.
const TABLES: &str = "SELECT c.oid, c.relname::text, c.relkind IN ('v', 'm') \
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'f', 'v', 'm') ORDER BY c.relname";

const COLUMNS: &str = "SELECT a.attrelid, a.attname::text, \
       pg_catalog.format_type(a.atttypid, a.atttypmod), t.typname::text, t.typcategory::text, \
       a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.atttypid \
     FROM pg_catalog.pg_attribute a \
     JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
     LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'f', 'v', 'm') \
       AND a.attnum > 0 AND NOT a.attisdropped \
     ORDER BY a.attrelid, a.attnum";

/// Primary keys, unique constraints and foreign keys to tables of the same schema (a key
/// to another schema's table names nothing the service serves).
const CONSTRAINTS: &str = "SELECT con.conrelid, con.contype::text, \
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, pos) \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num \
             ORDER BY k.pos), \
       fc.relname::text, \
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, pos) \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num \
             ORDER BY k.pos), \
       con.confupdtype::text, con.confdeltype::text \
     FROM pg_catalog.pg_constraint con \
     JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid \
     LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace \
     WHERE n.nspname = $1 AND con.contype IN ('p', 'u', 'f') \
       AND (con.contype <> 'f' OR fn.nspname = $1) \
     ORDER BY con.conrelid, con.conname";

/// The labels of every enum type, for the picklists of enum columns.
const ENUM_LABELS: &str =
    "SELECT enumtypid, enumlabel::text FROM pg_catalog.pg_enum ORDER BY enumtypid, enumsortorder";

/// Reads every table and view of `schema`, in one repeatable-read snapshot of the catalog.
pub(crate) async fn introspect(
    client: &impl GenericClient,
    schema: &str,
) -> Result<SchemaSnapshot, ConnectorError> {
    let tables = client.query(TABLES, &[&schema]).await.map_err(map_error)?;
    let columns = client.query(COLUMNS, &[&schema]).await.map_err(map_error)?;
    let constraints = client
        .query(CONSTRAINTS, &[&schema])
        .await
        .map_err(map_error)?;
    let enum_rows = client.query(ENUM_LABELS, &[]).await.map_err(map_error)?;

    let mut enums: HashMap<u32, Vec<String>> = HashMap::new();
    for row in &enum_rows {
        let (type_oid, label): (u32, String) = (get(row, 0)?, get(row, 1)?);
        enums.entry(type_oid).or_default().push(label);
    }

    let mut raw: Vec<RawTable> = Vec::with_capacity(tables.len());
    let mut by_oid: HashMap<u32, usize> = HashMap::new();
    for row in &tables {
        by_oid.insert(get(row, 0)?, raw.len());
        raw.push(RawTable {
            name: get(row, 1)?,
            is_view: get(row, 2)?,
            columns: Vec::new(),
            foreign_keys: Vec::new(),
        });
    }
    for row in &columns {
        let Some(&index) = by_oid.get(&get::<u32>(row, 0)?) else {
            continue;
        };
        raw[index].columns.push(read_column(row, &enums)?);
    }
    for row in &constraints {
        let Some(&index) = by_oid.get(&get::<u32>(row, 0)?) else {
            continue;
        };
        apply_constraint(&mut raw[index], row)?;
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
    /// DreamFactory types a single-column integer primary key `id`; it is
    /// `auto_increment` when PostgreSQL fills it in (serial or identity).
    fn finish(mut self) -> TableSchema {
        if let Some(key) = sole_primary_key(&mut self.columns)
            && matches!(key.df_type, DfType::Integer | DfType::BigInt)
        {
            key.df_type = DfType::Id;
        }
        TableSchema::new(self.name, self.is_view, self.columns, self.foreign_keys)
    }
}

fn read_column(
    row: &tokio_postgres::Row,
    enums: &HashMap<u32, Vec<String>>,
) -> Result<ColumnSchema, ConnectorError> {
    let name: String = get(row, 1)?;
    let declared: String = get(row, 2)?;
    let pg_type = PgType {
        name: &get::<String>(row, 3)?,
        category: &get::<String>(row, 4)?,
    }
    .df_type();
    let not_null: bool = get(row, 5)?;
    let default: Option<String> = get(row, 6)?;
    let identity: String = get(row, 7)?;
    let type_oid: u32 = get(row, 8)?;

    let sizes = DeclaredType::parse(&declared);
    let mut column = ColumnSchema::from_declared(name, declared);
    column.df_type = pg_type;
    // `format_type` says `character(3)`, which the generic parser reads as fixed length; it
    // also sees `char` in `character varying`, so only the base name decides.
    column.fixed_length = column.db_type.starts_with("character(")
        || column.db_type == "character"
        || column.db_type.starts_with("bit(");
    column.supports_multibyte = matches!(pg_type, DfType::String | DfType::Text);
    column.length = if matches!(pg_type, DfType::String) {
        sizes.length
    } else {
        sizes.precision.and(sizes.length)
    };
    column.allow_null = !not_null;
    let serial = default
        .as_deref()
        .is_some_and(|d| d.starts_with("nextval("));
    column.auto_increment = serial || !identity.is_empty();
    column.default = if column.auto_increment {
        None
    } else {
        default.map(strip_cast)
    };
    column.picklist = enums.get(&type_oid).cloned();
    Ok(column)
}

/// `'abc'::character varying` -> `'abc'`: PostgreSQL writes a typed literal with its cast,
/// DreamFactory shows the literal. Expressions (`now()`, `(1 + 2)`) stay as written.
fn strip_cast(default: String) -> String {
    if let Some(rest) = default.strip_prefix('\'')
        && let Some(end) = literal_end(rest)
        && rest[end + 1..].starts_with("::")
    {
        return default[..end + 2].to_owned();
    }
    default
}

/// The position of the quote closing a literal whose opening quote was stripped, with
/// doubled quotes inside it skipped.
fn literal_end(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'\'' {
            if bytes.get(index + 1) == Some(&b'\'') {
                index += 2;
                continue;
            }
            return Some(index);
        }
        index += 1;
    }
    None
}

fn apply_constraint(table: &mut RawTable, row: &tokio_postgres::Row) -> Result<(), ConnectorError> {
    let kind: String = get(row, 1)?;
    let names: Vec<String> = get(row, 2)?;
    match kind.as_str() {
        "p" => {
            for column in &mut table.columns {
                column.is_primary_key |= names.contains(&column.name);
            }
        }
        "u" => {
            if let [only] = names.as_slice()
                && let Some(column) = table.columns.iter_mut().find(|c| &c.name == only)
            {
                column.is_unique = true;
            }
        }
        _ => {
            let Some(ref_table) = get::<Option<String>>(row, 3)? else {
                return Ok(());
            };
            table.foreign_keys.push(ForeignKey {
                columns: names,
                ref_table,
                ref_columns: get(row, 4)?,
                on_update: action(&get::<String>(row, 5)?).to_owned(),
                on_delete: action(&get::<String>(row, 6)?).to_owned(),
            });
        }
    }
    Ok(())
}

fn action(code: &str) -> &'static str {
    match code {
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => "NO ACTION",
    }
}

fn get<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a tokio_postgres::Row,
    index: usize,
) -> Result<T, ConnectorError> {
    row.try_get(index).map_err(map_error)
}
