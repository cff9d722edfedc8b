//! A SQLite service's database as it travels in a package (`system/package`): a consistent
//! copy of the file, with or without its rows, and the check an imported file passes before
//! a service may use it.
//!
//! The whole file travels, not a JSON description of its tables: SQLite's own schema text
//! keeps every view, index, trigger, check and declared type exactly, which a round trip
//! through DreamFactory's abstract types would not.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

/// Why a database could not be packed or an imported one is refused; the text never names a
/// path and is safe to show an administrator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PackageDbError(String);

fn failed(what: &str) -> impl FnOnce(rusqlite::Error) -> PackageDbError + '_ {
    move |error| {
        tracing::warn!(%error, "{what}");
        PackageDbError(what.to_owned())
    }
}

/// Writes a copy of the database at `source` to `target` (which must not exist): a snapshot
/// of one read transaction (`VACUUM INTO`), in rollback-journal mode so the one file holds
/// everything. Without `with_rows`, the copy has the schema only: the schema statements of
/// `source` run in their creation order on a new file, so no trigger fires and no row is
/// copied.
///
/// # Errors
/// The source cannot be read or the copy cannot be written.
pub fn pack_database(source: &Path, target: &Path, with_rows: bool) -> Result<(), PackageDbError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(source, flags)
        .map_err(failed("The service's database cannot be opened."))?;
    if with_rows {
        let target_text = target
            .to_str()
            .ok_or_else(|| PackageDbError("The package cannot be written.".into()))?;
        conn.execute("VACUUM INTO ?1", [target_text])
            .map_err(failed("The service's database cannot be copied."))?;
        let copy = Connection::open(target).map_err(failed("The copy cannot be opened."))?;
        copy.pragma_update(None, "journal_mode", "DELETE")
            .map_err(failed("The copy cannot be written."))?;
        return Ok(());
    }
    let statements = schema_statements(&conn)?;
    let copy = Connection::open(target).map_err(failed("The copy cannot be created."))?;
    let batch = statements.join(";\n");
    copy.execute_batch(&format!("BEGIN;\n{batch};\nCOMMIT;"))
        .map_err(failed("The service's schema cannot be copied."))?;
    Ok(())
}

/// The `CREATE` statements of a database's own objects, oldest first; SQLite's internal
/// tables and automatic indexes (which have no statement) are left out.
fn schema_statements(conn: &Connection) -> Result<Vec<String>, PackageDbError> {
    let read = failed("The service's schema cannot be read.");
    let mut statement = conn
        .prepare(
            "SELECT sql FROM sqlite_schema \
             WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
        )
        .map_err(read)?;
    let rows = statement
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(failed("The service's schema cannot be read."))?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(failed("The service's schema cannot be read."))
}

/// Checks a database file taken from a package before a service uses it: SQLite opens it
/// read-only and finds it sound (`quick_check`).
///
/// # Errors
/// The file is not a SQLite database or is damaged.
pub fn check_packed_database(path: &Path) -> Result<(), PackageDbError> {
    let refused = || PackageDbError("The file is not a sound SQLite database.".into());
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|_| refused())?;
    let verdict: String = conn
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(|_| refused())?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(refused())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("src.sqlite");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
             CREATE INDEX t_name ON t(name);
             CREATE TABLE log (msg TEXT);
             CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.name); END;
             CREATE VIEW v AS SELECT name FROM t;
             INSERT INTO t (name) VALUES ('a'), ('b');",
        )
        .unwrap();
        path
    }

    fn count(path: &Path, sql: &str) -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row(sql, [], |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn a_packed_database_keeps_its_rows_or_only_its_schema() {
        let dir = tempfile::tempdir().unwrap();
        let src = source(dir.path());

        let full = dir.path().join("full.sqlite");
        pack_database(&src, &full, true).unwrap();
        check_packed_database(&full).unwrap();
        assert_eq!(count(&full, "SELECT count(*) FROM v"), 2);
        assert_eq!(count(&full, "SELECT count(*) FROM log"), 2);

        let bare = dir.path().join("bare.sqlite");
        pack_database(&src, &bare, false).unwrap();
        check_packed_database(&bare).unwrap();
        assert_eq!(count(&bare, "SELECT count(*) FROM t"), 0);
        assert_eq!(count(&bare, "SELECT count(*) FROM log"), 0);
        assert_eq!(
            count(
                &bare,
                "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
            ),
            1
        );
        Connection::open(&bare)
            .unwrap()
            .execute("INSERT INTO t (name) VALUES ('c')", [])
            .unwrap();
        assert_eq!(count(&bare, "SELECT count(*) FROM log"), 1);
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.sqlite");
        std::fs::write(&path, b"not a database at all, just some text").unwrap();
        assert!(check_packed_database(&path).is_err());
    }
}
