//! `SqliteOptions::memory_limit_bytes` becomes SQLite's soft heap limit. The limit is one
//! value for the whole process, so this check has a test binary (a process) of its own.

use sluice_connector_sqlite::{SqliteConnector, SqliteOptions};

fn soft_heap_limit() -> i64 {
    rusqlite::Connection::open_in_memory()
        .and_then(|c| c.query_row("PRAGMA soft_heap_limit", [], |row| row.get(0)))
        .expect("the limit reads")
}

#[test]
fn opening_a_database_sets_the_process_wide_sqlite_memory_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("db.sqlite");
    rusqlite::Connection::open(&path)
        .and_then(|c| c.execute_batch("CREATE TABLE t (x);"))
        .expect("database created");

    let limited = SqliteOptions {
        memory_limit_bytes: 3 * 1024 * 1024,
        ..SqliteOptions::default()
    };
    let _connector = SqliteConnector::open(&path, limited).expect("opens");
    assert_eq!(soft_heap_limit(), 3 * 1024 * 1024);

    let unlimited = SqliteOptions {
        memory_limit_bytes: 0,
        ..SqliteOptions::default()
    };
    let _connector = SqliteConnector::open(&path, unlimited).expect("opens");
    assert_eq!(soft_heap_limit(), 0);
}
