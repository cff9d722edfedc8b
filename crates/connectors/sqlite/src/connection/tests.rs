//! The hardening of every connection, checked at the engine: the gateway never
//! runs client SQL, and a SQLite authorizer enforces it.

use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode};
use tempfile::TempDir;

use super::*;

fn database() -> (TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("db.sqlite");
    Connection::open(&path)
        .and_then(|c| {
            c.execute_batch(
                "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, x);
                 INSERT INTO t (x) VALUES (1);",
            )
        })
        .expect("database created");
    (dir, path)
}

fn read_connection(path: &std::path::Path) -> HardenedConnection {
    HardenedConnection::open_read(path, &SqliteOptions::default(), 0).expect("opens")
}

fn error_code(connection: &Connection, sql: &str) -> Option<ErrorCode> {
    connection
        .execute_batch(sql)
        .err()
        .and_then(|e| e.sqlite_error_code())
}

/// Refused by the authorizer: statements fail to prepare with SQLITE_AUTH; a refused
/// function fails with SQLITE_ERROR "not authorized to use function".
fn refused(connection: &Connection, sql: &str) -> bool {
    match connection.execute_batch(sql) {
        Err(error) => {
            error.sqlite_error_code() == Some(ErrorCode::AuthorizationForStatementDenied)
                || error.to_string().contains("not authorized")
        }
        Ok(()) => false,
    }
}

#[test]
fn attach_detach_and_load_extension_are_refused() {
    let (dir, path) = database();
    let connection = read_connection(&path);
    let other = dir.path().join("other.sqlite");
    let attach = format!("ATTACH DATABASE '{}' AS other", other.display());
    assert_eq!(
        error_code(&connection.connection, &attach),
        Some(ErrorCode::AuthorizationForStatementDenied)
    );
    assert!(!other.exists(), "nothing was created by the refused ATTACH");
    assert_eq!(
        error_code(&connection.connection, "DETACH DATABASE main"),
        Some(ErrorCode::AuthorizationForStatementDenied)
    );
    assert!(refused(
        &connection.connection,
        "SELECT load_extension('/tmp/evil')"
    ));
    assert!(refused(
        &connection.connection,
        "SELECT LOAD_EXTENSION('/tmp/evil', 'init')"
    ));
}

#[test]
fn pragmas_outside_the_introspection_allowlist_are_refused() {
    let (_dir, path) = database();
    let connection = read_connection(&path);
    for pragma in [
        "PRAGMA writable_schema = ON",
        "PRAGMA journal_mode = DELETE",
        "PRAGMA foreign_keys = OFF",
        "PRAGMA trusted_schema = ON",
        "PRAGMA table_info(t)",
        "SELECT * FROM pragma_database_list",
    ] {
        assert_eq!(
            error_code(&connection.connection, pragma),
            Some(ErrorCode::AuthorizationForStatementDenied),
            "{pragma}"
        );
    }
    let columns: i64 = connection
        .connection
        .query_row("SELECT COUNT(*) FROM pragma_table_xinfo('t')", [], |row| {
            row.get(0)
        })
        .expect("introspection pragmas are allowed");
    assert_eq!(columns, 2);
}

#[test]
fn writes_to_sqlite_tables_are_refused_even_on_a_writable_connection() {
    let (_dir, path) = database();
    let connection = Connection::open(&path).expect("opens");
    connection.authorizer(Some(authorize)).expect("installed");
    for write in [
        "DELETE FROM sqlite_sequence",
        "UPDATE SQLITE_SEQUENCE SET seq = 0",
        "INSERT INTO sqlite_sequence VALUES ('t', 1)",
    ] {
        assert_eq!(
            error_code(&connection, write),
            Some(ErrorCode::AuthorizationForStatementDenied),
            "{write}"
        );
    }
    assert_eq!(
        error_code(&connection, "INSERT INTO t (x) VALUES (2)"),
        None
    );
}

#[test]
fn read_connections_are_read_only_defensive_and_attach_nothing() {
    let (_dir, path) = database();
    let connection = read_connection(&path);
    assert_eq!(
        error_code(&connection.connection, "INSERT INTO t (x) VALUES (2)"),
        Some(ErrorCode::ReadOnly)
    );
    let config = |option| connection.connection.db_config(option).expect("readable");
    assert!(config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE));
    assert!(!config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA));
    assert!(!config(DbConfig::SQLITE_DBCONFIG_DQS_DML));
    assert_eq!(
        connection
            .connection
            .limit(Limit::SQLITE_LIMIT_ATTACHED)
            .expect("limit"),
        0
    );
}

#[test]
fn opening_never_creates_a_missing_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("missing.sqlite");
    assert!(matches!(
        HardenedConnection::open_read(&path, &SqliteOptions::default(), 0),
        Err(ConnectorError::Unavailable(_))
    ));
    assert!(!path.exists());
}

#[test]
fn an_armed_deadline_interrupts_a_runaway_statement() {
    let (_dir, path) = database();
    let connection = read_connection(&path);
    connection.arm(Duration::from_millis(50));
    let started = Instant::now();
    let endless =
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT COUNT(*) FROM c";
    let result = connection
        .connection
        .query_row(endless, [], |row| row.get::<_, i64>(0));
    assert_eq!(
        result.err().and_then(|e| e.sqlite_error_code()),
        Some(ErrorCode::OperationInterrupted)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    connection.disarm();
    let one: i64 = connection
        .connection
        .query_row("SELECT 1", [], |row| row.get(0))
        .expect("works after disarm");
    assert_eq!(one, 1);
}

fn write_connection(path: &std::path::Path) -> HardenedConnection {
    HardenedConnection::open_write(path, &SqliteOptions::default(), 0).expect("opens")
}

#[test]
fn the_writer_changes_records_inside_transactions_and_savepoints() {
    let (_dir, path) = database();
    let connection = write_connection(&path);
    for dml in [
        "BEGIN IMMEDIATE",
        "SAVEPOINT record",
        "INSERT INTO t (x) VALUES (2)",
        "UPDATE t SET x = 3 WHERE x = 2 RETURNING x",
        "RELEASE record",
        "DELETE FROM t WHERE x = 1",
        "COMMIT",
    ] {
        assert_eq!(error_code(&connection.connection, dml), None, "{dml}");
    }
    let left: i64 = connection
        .connection
        .query_row("SELECT x FROM t", [], |row| row.get(0))
        .expect("one row");
    assert_eq!(left, 3);
}

#[test]
fn the_writer_refuses_schema_changes_pragmas_and_attachments() {
    let (dir, path) = database();
    Connection::open(&path)
        .and_then(|c| c.execute_batch("CREATE INDEX t_x ON t (x)"))
        .expect("index created");
    let connection = write_connection(&path);
    let other = dir.path().join("other.sqlite");
    for statement in [
        "CREATE TABLE evil (x)".to_owned(),
        "CREATE TEMP TABLE evil (x)".to_owned(),
        "CREATE INDEX evil ON t (x)".to_owned(),
        "CREATE VIEW evil AS SELECT 1".to_owned(),
        "CREATE TRIGGER evil AFTER INSERT ON t BEGIN DELETE FROM t; END".to_owned(),
        "DROP TABLE t".to_owned(),
        "ALTER TABLE t ADD COLUMN y".to_owned(),
        "ANALYZE".to_owned(),
        "REINDEX t_x".to_owned(),
        "PRAGMA foreign_keys = OFF".to_owned(),
        "PRAGMA writable_schema = ON".to_owned(),
        "PRAGMA table_info(t)".to_owned(),
        format!("ATTACH DATABASE '{}' AS other", other.display()),
        "DELETE FROM sqlite_sequence".to_owned(),
    ] {
        assert!(refused(&connection.connection, &statement), "{statement}");
    }
    assert!(refused(
        &connection.connection,
        "SELECT load_extension('/tmp/evil')"
    ));
    assert!(!other.exists());
    // The schema table itself is protected by SQLite before the authorizer is asked.
    assert!(error_code(&connection.connection, "UPDATE sqlite_master SET sql = ''").is_some());
    let config = |option| connection.connection.db_config(option).expect("readable");
    assert!(config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE));
    assert!(!config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA));
}

#[test]
fn the_writer_never_creates_a_missing_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("missing.sqlite");
    assert!(matches!(
        HardenedConnection::open_write(&path, &SqliteOptions::default(), 0),
        Err(ConnectorError::Unavailable(_))
    ));
    assert!(!path.exists());
}

#[test]
fn the_schema_policy_allows_table_ddl_only() {
    let (dir, path) = database();
    let connection = write_connection(&path);
    let db = &connection.connection;
    db.authorizer(Some(crate::authorizer::authorize_ddl))
        .expect("installed");
    db.execute_batch(
        "CREATE TABLE n (id integer PRIMARY KEY AUTOINCREMENT, a); \
         ALTER TABLE n ADD COLUMN b; ALTER TABLE n RENAME COLUMN b TO c; \
         ALTER TABLE n DROP COLUMN c; DROP TABLE n;",
    )
    .expect("table DDL runs");
    let other = dir.path().join("other.sqlite");
    for statement in [
        "CREATE VIEW evil AS SELECT 1".to_owned(),
        "CREATE TRIGGER evil AFTER INSERT ON t BEGIN DELETE FROM t; END".to_owned(),
        "DROP TABLE sqlite_sequence".to_owned(),
        "PRAGMA foreign_keys = OFF".to_owned(),
        "PRAGMA writable_schema = ON".to_owned(),
        format!("ATTACH DATABASE '{}' AS other", other.display()),
        "INSERT INTO sqlite_sequence VALUES ('t', 99)".to_owned(),
    ] {
        assert!(refused(db, &statement), "{statement}");
    }
    assert!(!other.exists());
    // Direct writes to the schema table stay blocked by SQLITE_DBCONFIG_DEFENSIVE.
    assert!(error_code(db, "UPDATE sqlite_master SET sql = ''").is_some());
}

#[test]
fn cached_statements_with_a_bound_limit_are_not_prepared_again() {
    let (_dir, path) = database();
    let hardened = read_connection(&path);
    let sql = "SELECT x FROM t LIMIT ?1 OFFSET ?2";
    for limit in 1..=3_i64 {
        let mut statement = hardened.connection.prepare_cached(sql).expect("prepares");
        let rows: Vec<i64> = statement
            .query_map([limit, 0], |row| row.get(0))
            .and_then(Iterator::collect)
            .expect("runs");
        assert_eq!(rows, vec![1]);
        assert_eq!(
            statement.get_status(rusqlite::StatementStatus::RePrepare),
            0,
            "a new LIMIT must not re-prepare the statement"
        );
    }
}
