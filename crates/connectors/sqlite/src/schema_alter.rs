//! `AlterFields`: renames, new fields, dropped fields and changed definitions of one table,
//! planned against the snapshot and run in the caller's transaction. Renames, additions
//! and drops use SQLite's own ALTER TABLE (renames also update indexes and other tables'
//! references); any other change to an existing field rebuilds the table.

use rusqlite::Connection;
use serde_json::{Map, Value};
use sluice_connector_core::{ColumnSchema, ConnectorError, FieldChange, TableSchema};

use crate::ddl::{column_definition, quoted};
use crate::rebuild::{
    PlannedColumn, catalog_definition, changed_definition, quote_existing, rebuild,
};
use crate::schema_write::ddl_error;

/// What happens to one existing column.
struct ColumnPlan<'c> {
    column: &'c ColumnSchema,
    /// Its name afterwards.
    name: String,
    /// Definition keys other than `name`, when its definition changes.
    change: Option<Map<String, Value>>,
    dropped: bool,
}

pub(crate) struct AlterPlan<'c> {
    columns: Vec<ColumnPlan<'c>>,
    added: Vec<(String, String)>,
}

impl<'c> AlterPlan<'c> {
    pub(crate) fn new(
        table: &'c TableSchema,
        fields: &[FieldChange],
        drop_missing: bool,
    ) -> Result<Self, ConnectorError> {
        if fields.is_empty() {
            return Err(ConnectorError::bad_request(
                "No valid fields exist in the received table schema.",
            ));
        }
        let mut columns = Vec::new();
        for column in table.columns() {
            let requested = fields
                .iter()
                .find(|f| f.field.eq_ignore_ascii_case(&column.name));
            let name = match requested.and_then(|f| f.definition.get("name")) {
                Some(Value::String(name)) => name.clone(),
                Some(_) => {
                    return Err(ConnectorError::bad_request(
                        "Invalid schema detected - a field name must be a string.",
                    ));
                }
                None => column.name.clone(),
            };
            let change = requested.map(|f| {
                let mut keys = f.definition.clone();
                keys.remove("name");
                keys
            });
            columns.push(ColumnPlan {
                column,
                name,
                change: change.filter(|keys| !keys.is_empty()),
                dropped: requested.is_none() && drop_missing,
            });
        }
        let mut added = Vec::new();
        for field in fields {
            if table.column_ref(&field.field).is_some() {
                continue;
            }
            let mut definition = field.definition.clone();
            definition
                .entry("name")
                .or_insert_with(|| Value::String(field.field.clone()));
            let name = definition
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(&field.field)
                .to_owned();
            added.push((name, column_definition(&Value::Object(definition))?));
        }
        let plan = Self { columns, added };
        plan.check_names()?;
        Ok(plan)
    }

    /// New names are valid and no two fields end up with the same name.
    fn check_names(&self) -> Result<(), ConnectorError> {
        let mut names: Vec<&str> = Vec::new();
        for plan in self.columns.iter().filter(|p| !p.dropped) {
            if plan.name != plan.column.name {
                quoted(&plan.name)?;
            }
            names.push(&plan.name);
        }
        names.extend(self.added.iter().map(|(name, _)| name.as_str()));
        for (index, name) in names.iter().enumerate() {
            if names[..index].iter().any(|n| n.eq_ignore_ascii_case(name)) {
                return Err(ConnectorError::bad_request(format!(
                    "Field '{name}' appears twice in the changed table."
                )));
            }
        }
        if names.is_empty() {
            return Err(ConnectorError::bad_request(
                "A table must keep at least one field; drop the table instead.",
            ));
        }
        Ok(())
    }

    pub(crate) fn needs_rebuild(&self) -> bool {
        self.columns
            .iter()
            .any(|p| p.change.is_some() && !p.dropped)
    }

    pub(crate) fn execute(
        &self,
        connection: &Connection,
        table: &TableSchema,
    ) -> Result<(), ConnectorError> {
        let name = quote_existing(table.name());
        let run = |sql: String| connection.execute_batch(&sql).map_err(ddl_error);
        for plan in &self.columns {
            if plan.name != plan.column.name && !plan.dropped {
                run(format!(
                    "ALTER TABLE {name} RENAME COLUMN {} TO {}",
                    quote_existing(&plan.column.name),
                    quote_existing(&plan.name)
                ))?;
            }
        }
        if self.needs_rebuild() {
            return rebuild(connection, table, |sql| self.planned_columns(table, sql));
        }
        for plan in self.columns.iter().filter(|p| p.dropped) {
            run(format!(
                "ALTER TABLE {name} DROP COLUMN {}",
                quote_existing(&plan.column.name)
            ))?;
        }
        for (_, definition) in &self.added {
            run(format!("ALTER TABLE {name} ADD COLUMN {definition}"))?;
        }
        Ok(())
    }

    /// The columns of the rebuilt table: kept ones with their catalog definitions (under
    /// their new names), changed ones from the client's keys, then the new ones.
    fn planned_columns(
        &self,
        table: &TableSchema,
        sql: &str,
    ) -> Result<Vec<PlannedColumn>, ConnectorError> {
        let mut planned = Vec::new();
        for plan in self.columns.iter().filter(|p| !p.dropped) {
            let definition = match &plan.change {
                Some(keys) => {
                    let mut keys = keys.clone();
                    keys.insert("name".into(), Value::String(plan.name.clone()));
                    changed_definition(table, plan.column, &keys)?
                }
                None => catalog_definition(table, plan.column, &plan.name, sql),
            };
            planned.push(PlannedColumn {
                source: Some(plan.name.clone()),
                name: plan.name.clone(),
                definition,
            });
        }
        planned.extend(self.added.iter().map(|(name, definition)| PlannedColumn {
            source: None,
            name: name.clone(),
            definition: definition.clone(),
        }));
        Ok(planned)
    }
}
