//! Copying a whole system database into an empty PostgreSQL one (`sluice system-db copy`),
//! so an installation that outgrows the embedded SQLite database keeps everything: services,
//! roles and their access rows, apps with their API keys, users with their password hashes,
//! lookups, tokens and revocations, settings.
//!
//! Rows keep their ids (roles, apps and services are referenced by id everywhere, tokens
//! carry user ids), so the copy goes table by table in foreign-key order, and each identity
//! sequence of the target is then moved past the ids the source ever handed out. Everything
//! is written in one transaction on the target: a copy that fails leaves the target as empty
//! as it was. The source is read in one snapshot, so nodes may keep serving (and writing)
//! while it runs; what they write after the snapshot is not copied.

mod rows;

use sqlx::{AnyConnection, AssertSqlSafe, Connection};

use crate::DbError;
use crate::db::{Backend, SystemDb, SystemTx};
use rows::{insert_rows, read_table, set_late_columns, target_columns};

/// The tables holding the system's data, each after every table its foreign keys point at
/// (but for the few columns `copy/rows.rs` sets last). A new migration's table goes here or in
/// [`NODE_TABLES`]; a copy refuses a source with a table in neither.
pub const DATA_TABLES: &[&str] = &[
    "user",
    "service",
    "role",
    "role_service_access",
    "app",
    "user_to_app_to_role",
    "lookup",
    "user_custom",
    "cors",
    "limits",
    "event_script",
    "token_map",
    "token_revocation",
    "system_setting",
    "email_template",
    "system_custom",
];

/// Tables of the node rather than of the data, never copied: sqlx's record of the applied
/// migrations (the target keeps its own), and the change feed's record of what changed,
/// which numbers each database's own history.
pub const NODE_TABLES: &[&str] = &["_sqlx_migrations", "change_log", "change_version"];

/// What a copy wrote: the rows of each data table, in copy order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    pub tables: Vec<(String, u64)>,
}

/// Why a copy wrote nothing. `Display` never contains a URL, SQL or a copied value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CopyError {
    /// Only PostgreSQL is a target: the copy is how an installation moves to several nodes.
    #[error("the target must be a PostgreSQL database (postgres://...)")]
    TargetNotPostgres,

    /// The target already holds rows; `holds` lists the tables and their row counts.
    #[error(
        "the target database is not empty: it holds {holds}. A copy only fills a new system \
         database: create an empty database and copy into it before any node starts on it \
         (a starting node creates the built-in 'user' service)"
    )]
    TargetNotEmpty { holds: String },

    /// The source has a table this version does not know to copy or to leave out.
    #[error(
        "the source database has a table the copy does not know, '{table}': it may be newer \
         than this sluice; copy with the sluice version that wrote it"
    )]
    UnknownTable { table: String },

    /// The target declares a column type the copy cannot carry values into.
    #[error("the column {table}.{column} has the type {data_type}, which the copy cannot carry")]
    UnsupportedColumn {
        table: String,
        column: String,
        data_type: String,
    },

    /// Reading the source or writing the target failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for CopyError {
    fn from(error: sqlx::Error) -> Self {
        CopyError::Db(DbError::from(error))
    }
}

/// Copies every data table of `source` into `target`, which must be PostgreSQL and empty; it
/// is migrated first. Returns the rows copied per table.
///
/// # Errors
/// [`CopyError::TargetNotPostgres`], [`CopyError::TargetNotEmpty`] (nothing is written),
/// [`CopyError::UnknownTable`], [`CopyError::UnsupportedColumn`], and [`CopyError::Db`] for
/// the databases' own failures; the target is then left as it was.
pub async fn copy_into(source: &SystemDb, target: &SystemDb) -> Result<CopyReport, CopyError> {
    if target.backend() != Backend::Postgres {
        return Err(CopyError::TargetNotPostgres);
    }
    target.migrate().await?;
    let mut source_conn = source.handle().acquire().await?;
    let mut snapshot = (*source_conn)
        .begin_with(match source.backend() {
            // WAL: a read transaction sees one state of the file from its first read on.
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        })
        .await?;
    let mut tx = target.begin().await?;
    let outcome = copy_tables(&mut snapshot, source.backend(), &mut tx).await;
    // Ended explicitly rather than on drop: a dropped transaction is rolled back only when
    // its connection is next used, and until then holds its locks on the target's tables.
    let finished = match outcome {
        Ok(_) => tx.commit().await,
        Err(_) => tx.rollback().await,
    };
    snapshot.rollback().await?;
    let report = outcome?;
    finished?;
    Ok(report)
}

/// The copy itself, on the source's snapshot and the target's transaction.
async fn copy_tables(
    snapshot: &mut AnyConnection,
    backend: Backend,
    tx: &mut SystemTx,
) -> Result<CopyReport, CopyError> {
    refuse_unknown_tables(snapshot, backend).await?;
    let mut conn = tx.handle().acquire().await?;
    refuse_non_empty(&mut conn).await?;
    let mut report = CopyReport::default();
    let mut with_late_columns = Vec::new();
    for &table in DATA_TABLES {
        let columns = target_columns(&mut conn, table).await?;
        let rows = read_table(snapshot, table, &columns).await?;
        insert_rows(&mut conn, table, &columns, &rows).await?;
        if let Some(identity) = columns.iter().find(|column| column.identity) {
            let high_water = source_high_water(snapshot, backend, table, &identity.name).await?;
            move_sequence(&mut conn, table, &identity.name, high_water).await?;
        }
        report.tables.push((table.to_owned(), rows.len() as u64));
        if columns.iter().any(|column| column.late) {
            with_late_columns.push((table, columns, rows));
        }
    }
    for (table, columns, rows) in with_late_columns {
        set_late_columns(&mut conn, table, &columns, &rows).await?;
    }
    Ok(report)
}

/// Every table of the source is a data table or a node table.
async fn refuse_unknown_tables(
    source: &mut AnyConnection,
    backend: Backend,
) -> Result<(), CopyError> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             ORDER BY table_name"
        }
    };
    let tables: Vec<String> = sqlx::query_scalar(sql).fetch_all(&mut *source).await?;
    match tables
        .into_iter()
        .find(|table| !DATA_TABLES.contains(&table.as_str()) && !NODE_TABLES.contains(&&**table))
    {
        Some(table) => Err(CopyError::UnknownTable { table }),
        None => Ok(()),
    }
}

async fn refuse_non_empty(target: &mut AnyConnection) -> Result<(), CopyError> {
    let mut holds = Vec::new();
    for &table in DATA_TABLES {
        let sql = format!("SELECT COUNT(*) FROM {}", quote(table));
        let rows: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(&mut *target)
            .await?;
        if rows > 0 {
            let noun = if rows == 1 { "row" } else { "rows" };
            holds.push(format!("{rows} {noun} in {table}"));
        }
    }
    if holds.is_empty() {
        Ok(())
    } else {
        Err(CopyError::TargetNotEmpty {
            holds: holds.join(", "),
        })
    }
}

/// The highest id the source has handed out for `table`, deleted rows included (SQLite's
/// AUTOINCREMENT record, PostgreSQL's sequence); `None` when it has none.
async fn source_high_water(
    source: &mut AnyConnection,
    backend: Backend,
    table: &str,
    identity: &str,
) -> Result<Option<i64>, CopyError> {
    let high_water: Option<i64> = match backend {
        Backend::Sqlite => {
            sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = $1")
                .bind(table)
                .fetch_optional(&mut *source)
                .await?
        }
        Backend::Postgres => sqlx::query_scalar(
            "SELECT pg_sequence_last_value(CAST(pg_get_serial_sequence($1, $2) AS regclass))",
        )
        .bind(quote(table))
        .bind(identity)
        .fetch_optional(&mut *source)
        .await?
        .flatten(),
    };
    Ok(high_water)
}

/// Moves the sequence of `table`'s `identity` column past both the copied ids and the
/// source's `high_water`, so no id is ever handed out twice.
async fn move_sequence(
    target: &mut AnyConnection,
    table: &str,
    identity: &str,
    high_water: Option<i64>,
) -> Result<(), CopyError> {
    let sql = format!("SELECT MAX({}) FROM {}", quote(identity), quote(table));
    let copied: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
        .fetch_one(&mut *target)
        .await?;
    let last = copied.max(high_water);
    // `setval(s, n, true)`: the next id is n + 1; `setval(s, 1, false)`: the next id is 1.
    sqlx::query("SELECT setval(CAST(pg_get_serial_sequence($1, $2) AS regclass), $3, $4)")
        .bind(quote(table))
        .bind(identity)
        .bind(last.unwrap_or(1))
        .bind(last.is_some())
        .execute(&mut *target)
        .await?;
    Ok(())
}

/// A table or column name as an SQL identifier. Only names from [`DATA_TABLES`] and from the
/// target's own catalogue reach here, never input; quoting keeps `"user"` (reserved in
/// PostgreSQL) a name.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_table_of_the_migrations_is_copied_or_left_to_the_node() {
        let db = SystemDb::connect("sqlite::memory:").await.unwrap();
        db.migrate().await.unwrap();
        let mut conn = db.handle().acquire().await.unwrap();

        let result = refuse_unknown_tables(&mut conn, Backend::Sqlite).await;

        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn names_are_quoted_as_identifiers() {
        assert_eq!(quote("user"), "\"user\"");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }
}
