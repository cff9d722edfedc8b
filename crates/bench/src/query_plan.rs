//! SQLite's plan (`EXPLAIN QUERY PLAN`) of the indexed-filter read as each server issues it:
//! Sluice's statement compiled by its own planner and SQLite compiler (with the primary-key
//! `ORDER BY` it adds when the client names no order), the floor's, and Soul's (rebuilt
//! from soul-cli 0.8.2's rows controller: the value inlined, then a `COUNT(*)` per page).
//! Whether the default order costs the index is read here, not guessed from timings.

use std::path::Path;

use anyhow::Context;
use rusqlite::config::DbConfig;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use sluice_connector_core::{
    BoundValue, Connector, ReadBounds, ReadPlan, ReadRequest, TableAccess,
};
use sluice_connector_sqlite::{SqliteConnector, SqliteOptions, compile_select};

use crate::floor;
use crate::report::{FLOOR, SLUICE, SOUL};

/// One statement and its plan.
#[derive(Debug, Serialize)]
pub struct QueryPlan {
    pub server: &'static str,
    pub sql: String,
    /// The plan's lines, indented by depth as the sqlite3 shell prints them.
    pub plan: Vec<String>,
}

/// The plans of `filter=last_name='<last_name>'&limit=<limit>` on `database`.
pub async fn filter_plans(
    database: &Path,
    last_name: &str,
    limit: u64,
) -> anyhow::Result<Vec<QueryPlan>> {
    let sluice = sluice_filter_sql(database, last_name, limit).await?;
    let connection = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // As Sluice's and the floor's connections: plans that do not depend on bound values.
    connection.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    let name = SqlValue::Text(last_name.to_string());
    let limit = SqlValue::Integer(i64::try_from(limit)?);
    let quoted = last_name.replace('\'', "''");
    let statements = [
        (SLUICE, sluice.0, sluice.1),
        (FLOOR, floor::filter_sql(), vec![name, limit.clone()]),
        (
            SOUL,
            format!(
                "SELECT employees.* FROM employees WHERE employees.last_name = '{quoted}' \
                 LIMIT ? OFFSET ?"
            ),
            vec![limit, SqlValue::Integer(0)],
        ),
        (
            SOUL,
            format!(
                "SELECT COUNT(*) as total FROM employees WHERE employees.last_name = '{quoted}'"
            ),
            vec![],
        ),
    ];
    statements
        .into_iter()
        .map(|(server, sql, params)| {
            let plan = explain(&connection, &sql, &params)
                .with_context(|| format!("EXPLAIN QUERY PLAN {sql}"))?;
            Ok(QueryPlan { server, sql, plan })
        })
        .collect()
}

/// The statement Sluice runs for the filter read, with its bound values: planned from the
/// request as the gateway plans it (every column, no role restriction: the bench role has
/// none) and compiled by the SQLite connector.
async fn sluice_filter_sql(
    database: &Path,
    last_name: &str,
    limit: u64,
) -> anyhow::Result<(String, Vec<SqlValue>)> {
    let connector = SqliteConnector::open(database, SqliteOptions::default())?;
    let schema = connector.introspect().await?;
    let table = schema
        .table("employees")
        .context("no employees table")?
        .clone();
    let request = ReadRequest {
        filter: Some(format!("last_name='{}'", last_name.replace('\'', "''"))),
        limit: Some(limit.to_string()),
        ..ReadRequest::default()
    };
    let plan = ReadPlan::list(
        &schema,
        table,
        &request,
        &TableAccess::unrestricted(),
        &ReadBounds::default(),
    )?;
    let compiled = compile_select(&plan.query);
    let binds = compiled
        .binds
        .into_iter()
        .map(|bound| match bound {
            BoundValue::Null => SqlValue::Null,
            BoundValue::Integer(value) => SqlValue::Integer(value),
            BoundValue::Real(value) => SqlValue::Real(value),
            BoundValue::Text(value) => SqlValue::Text(value),
            BoundValue::Blob(value) => SqlValue::Blob(value),
        })
        .collect();
    Ok((compiled.sql, binds))
}

fn explain(connection: &Connection, sql: &str, params: &[SqlValue]) -> anyhow::Result<Vec<String>> {
    let mut statement = connection.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let rows = statement
        .query_map(rusqlite::params_from_iter(params), |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    // Each line's depth is its parent's plus one; parents come before their children.
    let mut depths: Vec<(i64, usize)> = Vec::new();
    Ok(rows
        .into_iter()
        .map(|(id, parent, detail)| {
            let depth = depths
                .iter()
                .find(|(known, _)| *known == parent)
                .map_or(0, |(_, depth)| depth + 1);
            depths.push((id, depth));
            format!("{}{detail}", "  ".repeat(depth))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::explain;

    #[test]
    fn plan_lines_are_indented_by_depth() {
        let connection = Connection::open_in_memory().expect("memory database");
        connection
            .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);")
            .expect("schema");
        let plan = explain(
            &connection,
            "SELECT * FROM t WHERE id IN (SELECT id FROM t WHERE a = ?1)",
            &[rusqlite::types::Value::Text("x".into())],
        )
        .expect("plan");
        assert!(plan.len() >= 2, "{plan:?}");
        assert!(!plan[0].starts_with(' '), "{plan:?}");
        assert!(plan.iter().any(|line| line.starts_with("  ")), "{plan:?}");
    }
}
