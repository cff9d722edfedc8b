use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use rusqlite::Connection;
use serde_json::Value;
use sluice_connector_conformance::write::ROWS;
use sluice_connector_core::{
    AuthorizedTable, Database, LookupSource, LookupValue, RowAccess, TableAccess, Unrestricted,
    WriteBounds, WriteRequest,
};
use sluice_connector_sqlite::{SqliteConnector, SqliteOptions};

pub use sluice_connector_conformance::write::request::{
    Write, bad_request, batch, blank, by_id, record_error, with_body, write,
};
use tempfile::TempDir;

/// The tables of the shared write data set in SQLite's dialect (its rows are
/// `sluice_connector_conformance::write::ROWS`): departments and employees (unique e-mail,
/// check on salary, foreign key, blob), a composite key, a text key, a table without key
/// (with a trigger), the role-filtered `todos`, a view, a composite UNIQUE, a deferred
/// foreign key, a trigger rolling back and a `REPLACE` conflict clause.
pub const SCHEMA: &str = r#"
CREATE TABLE departments (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE employees (
    id INTEGER PRIMARY KEY,
    first_name VARCHAR(40) NOT NULL,
    last_name VARCHAR(40) NOT NULL,
    email TEXT UNIQUE,
    salary DECIMAL(10,2) CHECK (salary >= 0),
    active BOOLEAN DEFAULT 1,
    dept_id INTEGER REFERENCES departments(id),
    photo BLOB,
    notes TEXT
);
CREATE TABLE pairs (a INTEGER, b TEXT, v TEXT, PRIMARY KEY (a, b));
CREATE TABLE tags (code TEXT PRIMARY KEY, label TEXT NOT NULL);
CREATE TABLE log (msg TEXT);
CREATE TABLE todos (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    done BOOLEAN NOT NULL DEFAULT 0,
    secret TEXT
);
CREATE TABLE counters (id INTEGER PRIMARY KEY AUTOINCREMENT, n INT);
CREATE VIEW staff AS SELECT id, last_name FROM employees;
CREATE TABLE seats (id INTEGER PRIMARY KEY, row_no INTEGER, seat_no INTEGER, UNIQUE (row_no, seat_no));
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    employee_id INTEGER REFERENCES employees(id) DEFERRABLE INITIALLY DEFERRED
);
CREATE TRIGGER log_guard BEFORE INSERT ON log WHEN NEW.msg = 'bad'
BEGIN SELECT RAISE(ABORT, 'secret trigger text'); END;
CREATE TRIGGER log_undo BEFORE INSERT ON log WHEN NEW.msg = 'undo'
BEGIN SELECT RAISE(ROLLBACK, 'undo'); END;
CREATE TABLE handles (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL,
    handle TEXT UNIQUE ON CONFLICT REPLACE
);
INSERT INTO handles VALUES (1, 2, 'bob');
"#;

pub struct Fixture {
    _dir: TempDir,
    pub path: PathBuf,
    pub database: Arc<Database>,
}

impl Fixture {
    /// `name` as a caller with `access` reaches it, within `bounds`.
    pub fn table(&self, name: &str, access: TableAccess, bounds: WriteBounds) -> AuthorizedTable {
        AuthorizedTable::new(Arc::clone(&self.database), name.to_owned(), access, bounds)
    }
}

impl sluice_connector_conformance::Fixture for Fixture {
    fn database(&self) -> Arc<Database> {
        Arc::clone(&self.database)
    }
}

pub fn fixture() -> Fixture {
    fixture_with(SqliteOptions::default())
}

pub fn fixture_with(options: SqliteOptions) -> Fixture {
    fixture_of(&format!("{SCHEMA}{ROWS}"), options)
}

/// A database created with `schema`.
pub fn fixture_of(schema: &str, options: SqliteOptions) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("test.sqlite");
    Connection::open(&path)
        .and_then(|c| c.execute_batch(schema))
        .expect("fixture created");
    let connector = SqliteConnector::open(&path, options).expect("connector opens");
    Fixture {
        _dir: dir,
        path,
        database: Arc::new(Database::new(connector)),
    }
}

/// A connection of its own, to look at the database behind the connector's back.
pub fn direct(fixture: &Fixture) -> Connection {
    Connection::open(&fixture.path).expect("opens")
}

/// One column of a query as JSON values, to compare table contents exactly.
pub fn column(fixture: &Fixture, sql: &str) -> Vec<Value> {
    let connection = direct(fixture);
    let mut statement = connection.prepare(sql).expect("prepares");
    statement
        .query_map([], |row| {
            Ok(match row.get_ref(0)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(i) => Value::from(i),
                rusqlite::types::ValueRef::Real(f) => Value::from(f),
                rusqlite::types::ValueRef::Text(t) => {
                    Value::from(String::from_utf8_lossy(t).into_owned())
                }
                rusqlite::types::ValueRef::Blob(b) => Value::from(b.to_vec()),
            })
        })
        .expect("queries")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// The caller's session as the gateway would expose it.
pub struct Session(pub HashMap<&'static str, LookupValue>);

impl LookupSource for Session {
    fn lookup(&self, name: &str) -> Option<LookupValue> {
        self.0.get(name).cloned()
    }
}

/// A user with `user.id` and a private `secret.key` lookup.
pub fn session(user_id: i64) -> Arc<dyn LookupSource> {
    Arc::new(Session(HashMap::from([
        (
            "user.id",
            LookupValue {
                value: Value::from(user_id),
                private: false,
            },
        ),
        (
            "secret.key",
            LookupValue {
                value: Value::from("s3cr3t"),
                private: true,
            },
        ),
    ])))
}

/// `request` as user `user_id` whose role sees `owner_id = {user.id}` and may not read
/// `hidden`.
pub fn as_owner(user_id: i64, hidden: &[&str], request: WriteRequest) -> Write {
    with_role("owner_id = {user.id}", user_id, hidden, request)
}

pub fn with_role(row_filter: &str, user_id: i64, hidden: &[&str], request: WriteRequest) -> Write {
    Write::from(request).with_access(role(row_filter, hidden).with_lookups(session(user_id)))
}

/// A role that sees `row_filter` and may not read `hidden`, without a session.
pub fn role(row_filter: &str, hidden: &[&str]) -> TableAccess {
    let row_filter = sluice_filter::parse(row_filter, &sluice_filter::Limits::default())
        .expect("role filter parses");
    let row = RowAccess::restricted(
        Some(row_filter),
        hidden.iter().map(|name| (*name).to_owned()).collect(),
    );
    TableAccess::restricted(Arc::new(row), Arc::new(Unrestricted))
}
