//! `_schema` writes: every change is a list of DDL statements run in one transaction
//! (PostgreSQL's DDL is transactional), so a failed change leaves nothing behind.
//!
//! Field changes use PostgreSQL's own `ALTER TABLE`: `RENAME COLUMN`, `ALTER COLUMN ...
//! TYPE ... USING "c"::type` (the values converted by PostgreSQL's casts), `SET` / `DROP NOT
//! NULL`, `SET` / `DROP DEFAULT`, `ADD COLUMN` for fields the table does not have and
//! `DROP COLUMN` for those a table-level PUT leaves out. No table is rebuilt.

use serde_json::Value;
use sluice_connector_core::{
    ColumnSchema, ConnectorError, CreateTarget, FieldChange, INVALID_SCHEMA_CHANGE, SchemaChange,
    SchemaSnapshot, TableSchema, create_target, existing_column, existing_table, no_valid_fields,
};

use crate::ddl::{column_definition, default_literal, quoted, sql_type};
use crate::error::map_error;

/// Applies `change` against `snapshot` (the schema before it) in one transaction.
pub(crate) async fn apply(
    client: &mut deadpool_postgres::Object,
    schema: &str,
    snapshot: &SchemaSnapshot,
    change: &SchemaChange,
) -> Result<(), ConnectorError> {
    let statements = statements(&quoted_schema(schema), snapshot, change)?;
    let transaction = client.transaction().await.map_err(map_error)?;
    for sql in &statements {
        transaction.batch_execute(sql).await.map_err(ddl_error)?;
    }
    transaction.commit().await.map_err(ddl_error)
}

/// The service's schema as an identifier (it comes from configuration, not a request).
fn quoted_schema(schema: &str) -> String {
    quote_existing(schema)
}

/// A name from the catalog (a table or column that exists, whatever its spelling), quoted
/// with every `"` doubled. Names from a request go through `ddl::quoted` instead.
fn quote_existing(name: &str) -> String {
    let mut sql = String::with_capacity(name.len() + 2);
    sluice_connector_core::sql::push_identifier::<crate::dialect::Postgres<'static>>(
        &mut sql, name,
    );
    sql
}

/// Constraint failures and impossible conversions of DDL are the client's 400s without
/// SQL text; anything else is the request's error.
fn ddl_error(error: tokio_postgres::Error) -> ConnectorError {
    let class = error.code().map(|code| &code.code()[..2]);
    match class {
        Some("22" | "23" | "42" | "2B") => {
            tracing::debug!(error = %error, "schema change refused");
            ConnectorError::bad_request(INVALID_SCHEMA_CHANGE)
        }
        _ => map_error(error),
    }
}

fn statements(
    schema: &str,
    snapshot: &SchemaSnapshot,
    change: &SchemaChange,
) -> Result<Vec<String>, ConnectorError> {
    Ok(match change {
        SchemaChange::CreateTable {
            name,
            fields,
            merge,
        } => {
            let table = format!("{schema}.{}", quoted(name)?);
            if let CreateTarget::Merge { fields, .. } =
                create_target(snapshot, name, fields, *merge)?
            {
                return add_columns(schema, &table, &fields);
            }
            let columns = fields
                .iter()
                .map(|field| column_definition(schema, field))
                .collect::<Result<Vec<_>, _>>()?;
            vec![format!("CREATE TABLE {table} ({})", columns.join(", "))]
        }
        SchemaChange::DropTable(name) => {
            let table = existing_table(snapshot, name)?;
            let kind = if table.is_view() { "VIEW" } else { "TABLE" };
            vec![format!(
                "DROP {kind} {schema}.{}",
                quote_existing(table.name())
            )]
        }
        SchemaChange::AddFields { table, fields } => {
            let table = existing_table(snapshot, table)?;
            add_columns(
                schema,
                &format!("{schema}.{}", quote_existing(table.name())),
                fields,
            )?
        }
        SchemaChange::DropField { table, field } => {
            let table = existing_table(snapshot, table)?;
            let column = existing_column(table, field)?;
            vec![format!(
                "ALTER TABLE {schema}.{} DROP COLUMN {}",
                quote_existing(table.name()),
                quote_existing(&column.name)
            )]
        }
        SchemaChange::AlterFields {
            table,
            fields,
            drop_missing,
        } => alter(
            schema,
            existing_table(snapshot, table)?,
            fields,
            *drop_missing,
        )?,
    })
}

fn add_columns(schema: &str, table: &str, fields: &[Value]) -> Result<Vec<String>, ConnectorError> {
    fields
        .iter()
        .map(|field| {
            Ok(format!(
                "ALTER TABLE {table} ADD COLUMN {}",
                column_definition(schema, field)?
            ))
        })
        .collect()
}

fn alter(
    schema: &str,
    table: &TableSchema,
    fields: &[FieldChange],
    drop_missing: bool,
) -> Result<Vec<String>, ConnectorError> {
    if fields.is_empty() {
        return Err(no_valid_fields());
    }
    let target = format!("{schema}.{}", quote_existing(table.name()));
    let mut statements = Vec::new();
    for change in fields {
        match table.column_ref(&change.field) {
            Some(column) => {
                alter_column(&target, table.column(column), change, &mut statements)?;
            }
            None => statements.push(format!(
                "ALTER TABLE {target} ADD COLUMN {}",
                column_definition(schema, &change.new_field())?
            )),
        }
    }
    if drop_missing {
        for column in table.columns() {
            let named = fields
                .iter()
                .any(|f| f.field.eq_ignore_ascii_case(&column.name));
            if !named {
                statements.push(format!(
                    "ALTER TABLE {target} DROP COLUMN {}",
                    quote_existing(&column.name)
                ));
            }
        }
    }
    Ok(statements)
}

/// The statements changing one existing column; the rename comes last so the others
/// still name it as it was.
fn alter_column(
    target: &str,
    column: &ColumnSchema,
    change: &FieldChange,
    statements: &mut Vec<String>,
) -> Result<(), ConnectorError> {
    change.refuse_constraint_change("PostgreSQL")?;
    let definition = &change.definition;
    let name = quote_existing(&column.name);
    let alter = format!("ALTER TABLE {target} ALTER COLUMN {name}");
    if let Some(parsed) = change.retyped(column, quoted)? {
        let sql_type = sql_type(&parsed);
        statements.push(format!("{alter} TYPE {sql_type} USING {name}::{sql_type}"));
    }
    match definition.get("allow_null").and_then(Value::as_bool) {
        Some(true) => statements.push(format!("{alter} DROP NOT NULL")),
        Some(false) => statements.push(format!("{alter} SET NOT NULL")),
        None => {}
    }
    match definition.get("default") {
        Some(Value::Null) => statements.push(format!("{alter} DROP DEFAULT")),
        Some(value @ (Value::Bool(_) | Value::Number(_) | Value::String(_))) => {
            let boolean = column.df_type.as_str() == "boolean";
            statements.push(format!(
                "{alter} SET DEFAULT {}",
                default_literal(value, boolean)
            ));
        }
        Some(_) => {
            return Err(ConnectorError::bad_request(
                "Invalid 'default': only literal values are supported.",
            ));
        }
        None => {}
    }
    if let Some(new_name) = change.new_name(column)? {
        statements.push(format!(
            "ALTER TABLE {target} RENAME COLUMN {name} TO {}",
            quoted(new_name)?
        ));
    }
    Ok(())
}
