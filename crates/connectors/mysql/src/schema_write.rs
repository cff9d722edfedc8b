//! `_schema` writes. MySQL's DDL is not transactional (every statement commits), so a
//! change is never a list of statements: every change is checked whole and rendered as
//! exactly one statement (`CREATE TABLE`, `DROP TABLE` / `VIEW`, or one `ALTER TABLE` with
//! all its clauses), which the server applies entirely or not at all. Invalid input is
//! refused before anything runs; a statement the server refuses (values that do not
//! convert, a field a key still uses) leaves the table as it was.
//!
//! Field changes: `ALTER COLUMN ... SET` / `DROP DEFAULT` for a new default alone, `RENAME
//! COLUMN` for a new name alone, otherwise `CHANGE COLUMN` with the whole column restated
//! (MySQL has no way to change only the type or the nullability): the type given or the
//! one the catalog reports, the nullability, the default given or the current one, and
//! `AUTO_INCREMENT` when the column has it.

use mysql_async::Conn;
use mysql_async::prelude::Queryable;
use serde_json::Value;
use sluice_connector_core::{
    ColumnSchema, ConnectorError, CreateTarget, FieldChange, INVALID_SCHEMA_CHANGE, SchemaChange,
    SchemaSnapshot, TableSchema, create_target, existing_column, existing_table, no_valid_fields,
};

use crate::ddl::{column, default_literal, literal, quote_existing, quoted, sql_type};
use crate::error::map_error;

/// Server error numbers of DDL the server refused for this table and its data: the
/// client's 400 without the server's text. Truncated or invalid values, NULLs where NOT
/// NULL is asked, duplicate keys and names, unknown columns, keys and foreign keys that do
/// not fit, a column a key still uses, a default the type cannot take, a row too large, a
/// view altered as a table.
const REFUSED: &[u16] = &[
    1005, 1022, 1048, 1050, 1054, 1060, 1061, 1062, 1063, 1067, 1068, 1072, 1074, 1075, 1089, 1090,
    1091, 1101, 1113, 1117, 1118, 1138, 1170, 1171, 1215, 1216, 1217, 1264, 1265, 1292, 1366, 1406,
    1451, 1452, 1553, 1822, 1824, 1828, 1829, 1830, 1832, 1833, 1846, 3730, 3780, 3812, 3813, 3819,
    3959, 4025, 1347,
];

/// Which server the catalog's defaults come from: MariaDB reports a default as SQL (`'x''y'`,
/// `current_timestamp()`), MySQL as the bare value (`x'y`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Server {
    MariaDb,
    MySql,
}

/// One checked statement, and the table that must have no records for it to apply
/// (a NOT NULL field without a default is added: MySQL would fill it with zeros or empty
/// strings, where the other engines refuse).
#[derive(Debug, PartialEq)]
pub(crate) struct Statement {
    pub(crate) sql: String,
    pub(crate) requires_empty: Option<String>,
}

/// Applies `change` against `snapshot` (the schema before it) as one statement.
pub(crate) async fn apply(
    conn: &mut Conn,
    snapshot: &SchemaSnapshot,
    change: &SchemaChange,
) -> Result<(), ConnectorError> {
    let server = match change {
        SchemaChange::AlterFields { .. } => server_kind(conn).await?,
        _ => Server::MySql,
    };
    let Some(statement) = statement(snapshot, change, server)? else {
        return Ok(());
    };
    if let Some(table) = &statement.requires_empty {
        let any: Option<u8> = conn
            .query_first(format!("SELECT 1 FROM {table} LIMIT 1"))
            .await
            .map_err(map_error)?;
        if any.is_some() {
            return Err(ConnectorError::bad_request(INVALID_SCHEMA_CHANGE));
        }
    }
    conn.query_drop(&statement.sql).await.map_err(ddl_error)
}

async fn server_kind(conn: &mut Conn) -> Result<Server, ConnectorError> {
    let version: Option<String> = conn
        .query_first("SELECT VERSION()")
        .await
        .map_err(map_error)?;
    Ok(match version {
        Some(version) if version.contains("MariaDB") => Server::MariaDb,
        _ => Server::MySql,
    })
}

fn ddl_error(error: mysql_async::Error) -> ConnectorError {
    match &error {
        mysql_async::Error::Server(server) if REFUSED.contains(&server.code) => {
            tracing::debug!(error = %error, "schema change refused");
            ConnectorError::bad_request(INVALID_SCHEMA_CHANGE)
        }
        _ => map_error(error),
    }
}

/// The one statement of `change`; `None` when it changes nothing.
pub(crate) fn statement(
    snapshot: &SchemaSnapshot,
    change: &SchemaChange,
    server: Server,
) -> Result<Option<Statement>, ConnectorError> {
    let plain = |sql: String| -> Result<Option<Statement>, ConnectorError> {
        Ok(Some(Statement {
            sql,
            requires_empty: None,
        }))
    };
    match change {
        SchemaChange::CreateTable {
            name,
            fields,
            merge,
        } => {
            let table = quoted(name)?;
            if let CreateTarget::Merge { table, fields } =
                create_target(snapshot, name, fields, *merge)?
            {
                let mut alter = Alter::new(table);
                alter.add(&fields)?;
                return Ok(alter.finish());
            }
            let mut definitions = Vec::new();
            let mut keys = Vec::new();
            for field in fields {
                let column = column(field)?;
                definitions.push(column.definition);
                keys.extend(column.foreign_key);
            }
            definitions.extend(keys);
            plain(format!("CREATE TABLE {table} ({})", definitions.join(", ")))
        }
        SchemaChange::DropTable(name) => {
            let table = existing_table(snapshot, name)?;
            let kind = if table.is_view() { "VIEW" } else { "TABLE" };
            plain(format!("DROP {kind} {}", quote_existing(table.name())))
        }
        SchemaChange::AddFields { table, fields } => {
            let mut alter = Alter::new(existing_table(snapshot, table)?);
            alter.add(fields)?;
            Ok(alter.finish())
        }
        SchemaChange::DropField { table, field } => {
            let table = existing_table(snapshot, table)?;
            let column = existing_column(table, field)?;
            plain(format!(
                "ALTER TABLE {} DROP COLUMN {}",
                quote_existing(table.name()),
                quote_existing(&column.name)
            ))
        }
        SchemaChange::AlterFields {
            table,
            fields,
            drop_missing,
        } => {
            let table = existing_table(snapshot, table)?;
            if fields.is_empty() {
                return Err(no_valid_fields());
            }
            let mut alter = Alter::new(table);
            for change in fields {
                match table.column_ref(&change.field) {
                    Some(column) => alter.change(table.column(column), change, server)?,
                    None => alter.add(&[change.new_field()])?,
                }
            }
            if *drop_missing {
                for column in table.columns() {
                    let named = fields
                        .iter()
                        .any(|f| f.field.eq_ignore_ascii_case(&column.name));
                    if !named {
                        alter
                            .clauses
                            .push(format!("DROP COLUMN {}", quote_existing(&column.name)));
                    }
                }
            }
            Ok(alter.finish())
        }
    }
}

/// The clauses of one `ALTER TABLE`.
struct Alter {
    table: String,
    clauses: Vec<String>,
    requires_empty: bool,
}

impl Alter {
    fn new(table: &TableSchema) -> Self {
        Self {
            table: quote_existing(table.name()),
            clauses: Vec::new(),
            requires_empty: false,
        }
    }

    fn add(&mut self, fields: &[Value]) -> Result<(), ConnectorError> {
        for field in fields {
            let column = column(field)?;
            self.clauses
                .push(format!("ADD COLUMN {}", column.definition));
            self.clauses
                .extend(column.foreign_key.map(|key| format!("ADD {key}")));
            self.requires_empty |= column.needs_default;
        }
        Ok(())
    }

    /// The clause changing one existing column (none when the change names nothing the
    /// database keeps).
    fn change(
        &mut self,
        column: &ColumnSchema,
        change: &FieldChange,
        server: Server,
    ) -> Result<(), ConnectorError> {
        change.refuse_constraint_change("MySQL")?;
        let name = quote_existing(&column.name);
        let retyped = change.retyped(column, quoted)?;
        let new_name = change.new_name(column)?.map(quoted).transpose()?;
        let allow_null = change.definition.get("allow_null").and_then(Value::as_bool);
        let boolean = column.df_type.as_str() == "boolean";
        let default = match change.definition.get("default") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(value) => Some(Some(default_literal(value, boolean)?)),
        };
        let restated = retyped.is_some() || allow_null.is_some();
        let clause = match (restated, default, new_name) {
            (false, None, None) => return Ok(()),
            (false, None, Some(new_name)) => format!("RENAME COLUMN {name} TO {new_name}"),
            (false, Some(None), None) => format!("ALTER COLUMN {name} DROP DEFAULT"),
            (false, Some(Some(default)), None) => {
                format!("ALTER COLUMN {name} SET DEFAULT {default}")
            }
            (_, default, new_name) => {
                let sql_type = match &retyped {
                    Some(parsed) => sql_type(parsed),
                    // The catalog's own spelling (`varchar(40)`, `enum('a','b')`), not a
                    // request's text.
                    None => column.db_type.clone(),
                };
                let null = match allow_null.unwrap_or(column.allow_null) {
                    true => "NULL",
                    false => "NOT NULL",
                };
                let default = match default {
                    Some(given) => given,
                    None => column.default.as_deref().map(|d| restate(d, server)),
                };
                let mut clause = format!(
                    "CHANGE COLUMN {name} {} {sql_type} {null}",
                    new_name.unwrap_or_else(|| name.clone())
                );
                if let Some(default) = default {
                    clause.push_str(&format!(" DEFAULT {default}"));
                }
                if column.auto_increment {
                    clause.push_str(" AUTO_INCREMENT");
                }
                clause
            }
        };
        self.clauses.push(clause);
        Ok(())
    }

    fn finish(self) -> Option<Statement> {
        if self.clauses.is_empty() {
            return None;
        }
        let sql = format!("ALTER TABLE {} {}", self.table, self.clauses.join(", "));
        Some(Statement {
            sql,
            requires_empty: self.requires_empty.then_some(self.table),
        })
    }
}

/// A column's current default, restated in a `CHANGE COLUMN` that would otherwise drop
/// it. MariaDB reports it as SQL the server wrote itself (quoted and escaped), so it goes
/// back as it is; MySQL reports the bare value, which is quoted here unless it is a
/// number or `CURRENT_TIMESTAMP`: a value a client once stored is never read as SQL.
fn restate(default: &str, server: Server) -> String {
    let number = !default.is_empty()
        && default
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    let lower = default.to_ascii_lowercase();
    let now = lower.strip_prefix("current_timestamp").is_some_and(|rest| {
        rest.is_empty()
            || (rest.starts_with('(')
                && rest.ends_with(')')
                && rest[1..rest.len() - 1].bytes().all(|b| b.is_ascii_digit()))
    });
    match server {
        _ if number || now => default.to_owned(),
        Server::MariaDb => default.to_owned(),
        Server::MySql => literal(default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mysql_default_is_quoted_unless_it_is_a_number_or_the_current_time() {
        assert_eq!(
            restate("x', DROP COLUMN y, ADD z int DEFAULT '1", Server::MySql),
            "'x'', DROP COLUMN y, ADD z int DEFAULT ''1'"
        );
        assert_eq!(restate("'x''y'", Server::MariaDb), "'x''y'");
        assert_eq!(
            restate("CURRENT_TIMESTAMP(3)", Server::MySql),
            "CURRENT_TIMESTAMP(3)"
        );
        assert_eq!(restate("-1.5", Server::MySql), "-1.5");
        assert_eq!(
            restate("current_timestamp(x)", Server::MySql),
            "'current_timestamp(x)'"
        );
    }
}
