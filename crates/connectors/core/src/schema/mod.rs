//! The introspected shape of a database: the only source of identifiers that may reach SQL.
//!
//! Names from requests are looked up here case-insensitively (ASCII, as SQLite and
//! DreamFactory compare them) and replaced by a [`ColumnRef`], which can only be obtained by
//! such a lookup. Compilers emit the schema's spelling, never the request's.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::df_type::{DeclaredType, DfType};
use crate::json::RowWriter;
use crate::relation::{Relation, discover};

/// Every table and view of one database at one point in time. Shared behind an `Arc` and
/// replaced whole when the schema is re-read.
#[derive(Debug, Default)]
pub struct SchemaSnapshot {
    tables: Vec<Arc<TableSchema>>,
    by_lower_name: HashMap<String, usize>,
    sorted_names: Arc<Vec<String>>,
}

impl SchemaSnapshot {
    /// Assembles the snapshot and discovers every table's relationships from the foreign
    /// keys (see [`Relation`]).
    pub fn new(mut tables: Vec<TableSchema>) -> Self {
        let discovered = discover(&tables);
        for (table, relations) in tables.iter_mut().zip(discovered) {
            table.relations = relations;
        }
        let tables: Vec<Arc<TableSchema>> = tables.into_iter().map(Arc::new).collect();
        let by_lower_name = tables
            .iter()
            .enumerate()
            .map(|(index, table)| (table.name.to_ascii_lowercase(), index))
            .collect();
        let mut names: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
        // DreamFactory sorts the table list by lower-cased name.
        names.sort_by_cached_key(|name| name.to_lowercase());
        Self {
            tables,
            by_lower_name,
            sorted_names: Arc::new(names),
        }
    }

    /// Case-insensitive lookup; the returned table carries the database's spelling.
    pub fn table(&self, name: &str) -> Option<&Arc<TableSchema>> {
        self.by_lower_name
            .get(&name.to_ascii_lowercase())
            .map(|&index| &self.tables[index])
    }

    pub fn tables(&self) -> &[Arc<TableSchema>] {
        &self.tables
    }

    /// Table and view names in the database's spelling, sorted case-insensitively.
    pub fn table_names(&self) -> Arc<Vec<String>> {
        Arc::clone(&self.sorted_names)
    }
}

/// A table or view.
///
/// The snapshot holds the full table. A read restricted by a role uses a *restricted* copy
/// (see [`RowAccess`](crate::RowAccess)) that keeps every column, so references into the
/// full table stay valid and compilers can still emit the role filter's columns, but where
/// hidden columns cannot be looked up by name and are left out of [`column_refs`],
/// [`primary_key`], [`foreign_keys`] and [`relations`] (a relation through a hidden
/// column cannot be followed).
///
/// [`column_refs`]: TableSchema::column_refs
/// [`primary_key`]: TableSchema::primary_key
/// [`foreign_keys`]: TableSchema::foreign_keys
/// [`relations`]: TableSchema::relations
#[derive(Debug)]
pub struct TableSchema {
    name: String,
    is_view: bool,
    columns: Vec<ColumnSchema>,
    primary_key: Vec<ColumnRef>,
    foreign_keys: Vec<ForeignKey>,
    /// Filled in by [`SchemaSnapshot::new`], which sees every table.
    relations: Vec<Relation>,
    by_lower_name: HashMap<String, usize>,
    /// `hidden[i]`: column `i` is hidden from this view. Empty when nothing is hidden.
    hidden: Vec<bool>,
    /// Rows of every readable column, the most common projection, built on first use so a
    /// read does not escape the same keys again (docs/PERFORMANCE.md).
    every_column_writer: OnceLock<RowWriter>,
    /// The SELECT list of every readable column as the first dialect that compiled one for
    /// this table writes it, with that dialect's type name: a snapshot belongs to one
    /// database, so the text is built once, and any other dialect builds its own.
    every_column_sql: OnceLock<(&'static str, String)>,
}

impl TableSchema {
    /// Builds the lookup index and the primary key (the columns flagged `is_primary_key`, in
    /// column order, as DreamFactory lists them). A single integer column that is the only
    /// column of a foreign key becomes [`DfType::Reference`], as in DreamFactory.
    pub fn new(
        name: impl Into<String>,
        is_view: bool,
        mut columns: Vec<ColumnSchema>,
        foreign_keys: Vec<ForeignKey>,
    ) -> Self {
        for key in foreign_keys.iter().filter(|fk| fk.columns.len() == 1) {
            if let Some(column) = columns
                .iter_mut()
                .find(|c| c.name.eq_ignore_ascii_case(&key.columns[0]))
                && matches!(column.df_type, DfType::Integer | DfType::BigInt)
            {
                column.df_type = DfType::Reference;
            }
        }
        let by_lower_name = columns
            .iter()
            .enumerate()
            .map(|(index, column)| (column.name.to_ascii_lowercase(), index))
            .collect();
        let primary_key = columns
            .iter()
            .enumerate()
            .filter(|(_, column)| column.is_primary_key)
            .map(|(index, _)| ColumnRef(index))
            .collect();
        Self {
            name: name.into(),
            is_view,
            columns,
            primary_key,
            foreign_keys,
            relations: Vec::new(),
            by_lower_name,
            hidden: Vec::new(),
            every_column_writer: OnceLock::new(),
            every_column_sql: OnceLock::new(),
        }
    }

    /// A copy of this table without the columns named in `hidden_fields` (case-insensitive;
    /// unknown names are ignored), or `None` when none of them is a column, so the shared
    /// schema can be used as it is.
    ///
    /// Hidden columns keep their positions (a [`ColumnRef`] from the full table still
    /// refers to the same column) but cannot be looked up by name and are not listed. A
    /// primary key with a hidden column leaves the copy without a primary key, and foreign
    /// keys with a hidden column are dropped.
    pub(crate) fn restricted<S: AsRef<str>>(&self, hidden_fields: &[S]) -> Option<Self> {
        if hidden_fields.is_empty() {
            return None;
        }
        let mut hidden = vec![false; self.columns.len()];
        let mut any = false;
        for name in hidden_fields {
            if let Some(column) = self.column_ref(name.as_ref()) {
                hidden[column.0] = true;
                any = true;
            }
        }
        if !any {
            return None;
        }
        let visible = |name: &str| self.column_ref(name).is_none_or(|c| !hidden[c.0]);
        let primary_key = if self.primary_key.iter().any(|c| hidden[c.0]) {
            Vec::new()
        } else {
            self.primary_key.clone()
        };
        let foreign_keys = self
            .foreign_keys
            .iter()
            .filter(|key| key.columns.iter().all(|c| visible(c)))
            .cloned()
            .collect();
        let relations = self
            .relations
            .iter()
            .filter(|relation| relation.field.iter().all(|c| visible(c)))
            .cloned()
            .collect();
        let by_lower_name = self
            .by_lower_name
            .iter()
            .filter(|&(_, &index)| !hidden[index])
            .map(|(name, &index)| (name.clone(), index))
            .collect();
        Some(Self {
            name: self.name.clone(),
            is_view: self.is_view,
            columns: self.columns.clone(),
            primary_key,
            foreign_keys,
            relations,
            by_lower_name,
            hidden,
            every_column_writer: OnceLock::new(),
            every_column_sql: OnceLock::new(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn is_view(&self) -> bool {
        self.is_view
    }

    /// Every column, in table order and including hidden ones: index it with
    /// [`ColumnRef::index`]; use [`column_refs`](Self::column_refs) to list what a client may
    /// read.
    pub fn columns(&self) -> &[ColumnSchema] {
        &self.columns
    }

    pub fn foreign_keys(&self) -> &[ForeignKey] {
        &self.foreign_keys
    }

    /// The relationships discovered from foreign keys, in DreamFactory's order (empty for a
    /// table built outside a [`SchemaSnapshot`]).
    pub fn relations(&self) -> &[Relation] {
        &self.relations
    }

    /// Case-insensitive lookup of a relationship by name.
    pub fn relation(&self, name: &str) -> Option<&Relation> {
        self.relations
            .iter()
            .find(|relation| relation.name.eq_ignore_ascii_case(name))
    }

    /// The primary key columns; empty for views and tables without one (and in a restricted
    /// copy whose key has a hidden column).
    pub fn primary_key(&self) -> &[ColumnRef] {
        &self.primary_key
    }

    /// Case-insensitive lookup of a client-supplied column name. This is the only way to
    /// obtain a [`ColumnRef`], so every identifier a compiler emits comes from the schema.
    /// Hidden columns are not found, exactly like names the table does not have.
    pub fn column_ref(&self, name: &str) -> Option<ColumnRef> {
        self.by_lower_name
            .get(&name.to_ascii_lowercase())
            .map(|&index| ColumnRef(index))
    }

    /// The readable columns (all of them unless this is a restricted copy), in table order.
    pub fn column_refs(&self) -> impl Iterator<Item = ColumnRef> + '_ {
        (0..self.columns.len())
            .filter(|&index| !self.hidden.get(index).copied().unwrap_or(false))
            .map(ColumnRef)
    }

    /// The writer for rows of every readable column, in table order ([`column_refs`]).
    ///
    /// [`column_refs`]: Self::column_refs
    pub fn every_column_writer(&self) -> RowWriter {
        self.every_column_writer
            .get_or_init(|| {
                RowWriter::object(self.column_refs().map(|column| {
                    let column = self.column(column);
                    (column.name.as_str(), column.df_type.value_class())
                }))
            })
            .clone()
    }

    /// The SELECT list of every readable column as `dialect` writes it, `build` making it
    /// the first time; `None` when another dialect's text is the one kept.
    pub(crate) fn every_column_sql(
        &self,
        dialect: &'static str,
        build: impl FnOnce() -> String,
    ) -> Option<&str> {
        let (owner, sql) = self.every_column_sql.get_or_init(|| (dialect, build()));
        (*owner == dialect).then_some(sql.as_str())
    }

    /// The column behind a reference obtained from this table.
    ///
    /// # Panics
    ///
    /// If `column` came from a different table with more columns; references are meant to
    /// be used only with the table that produced them.
    pub fn column(&self, column: ColumnRef) -> &ColumnSchema {
        &self.columns[column.0]
    }

    /// The foreign key that `column` belongs to, and the column's position in it.
    pub fn foreign_key_of(&self, column: ColumnRef) -> Option<(&ForeignKey, usize)> {
        let name = &self.columns[column.0].name;
        self.foreign_keys.iter().find_map(|key| {
            key.columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(name))
                .map(|position| (key, position))
        })
    }
}

/// A column of one table, proven to exist by a schema lookup (see [`TableSchema::column_ref`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColumnRef(usize);

impl ColumnRef {
    /// Position of the column in its table.
    pub fn index(self) -> usize {
        self.0
    }
}

/// A column as introspected.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSchema {
    /// The database's spelling.
    pub name: String,
    /// The declared type exactly as written (`VARCHAR(255)`), empty when none.
    pub db_type: String,
    pub df_type: DfType,
    pub allow_null: bool,
    /// The default as the catalog reports it: an SQL literal or expression
    /// (`'abc'`, `0`, `CURRENT_TIMESTAMP`), `None` when there is none.
    pub default: Option<String>,
    pub auto_increment: bool,
    pub is_primary_key: bool,
    /// Part of a single-column UNIQUE constraint.
    pub is_unique: bool,
    pub length: Option<u32>,
    pub precision: Option<u32>,
    pub scale: Option<u32>,
    pub fixed_length: bool,
    pub supports_multibyte: bool,
    /// The values a `CHECK (column IN (...))` constraint allows (DreamFactory's `picklist`,
    /// an `enum` in API documents).
    pub picklist: Option<Vec<String>>,
}

impl ColumnSchema {
    /// A nullable, non-key column typed from its declared type; callers set the rest.
    pub fn from_declared(name: impl Into<String>, declared_type: impl Into<String>) -> Self {
        let db_type = declared_type.into();
        let declared = DeclaredType::parse(&db_type);
        Self {
            name: name.into(),
            db_type,
            df_type: declared.df_type,
            allow_null: true,
            default: None,
            auto_increment: false,
            is_primary_key: false,
            is_unique: false,
            length: declared.length,
            precision: declared.precision,
            scale: declared.scale,
            fixed_length: declared.fixed_length,
            supports_multibyte: declared.supports_multibyte,
            picklist: None,
        }
    }
}

/// A foreign key as the catalog reports it, kept as plain data for relationship discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// Columns of this table, in key order.
    pub columns: Vec<String>,
    pub ref_table: String,
    /// Referenced columns, in key order (the referenced table's primary key when the
    /// declaration named none).
    pub ref_columns: Vec<String>,
    /// `NO ACTION`, `CASCADE`, `SET NULL`, `SET DEFAULT` or `RESTRICT`.
    pub on_update: String,
    pub on_delete: String,
}

/// The column of a single-column primary key, when the table has exactly one key column:
/// the one DreamFactory types `id` when it holds integers (each engine says which of its
/// integer types count and whether the database fills it in).
pub fn sole_primary_key(columns: &mut [ColumnSchema]) -> Option<&mut ColumnSchema> {
    let mut keys = columns.iter_mut().filter(|c| c.is_primary_key);
    match (keys.next(), keys.next()) {
        (Some(key), None) => Some(key),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
