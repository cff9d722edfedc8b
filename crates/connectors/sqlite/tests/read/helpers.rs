use std::path::PathBuf;
use std::sync::Arc;

use rusqlite::Connection;
use serde_json::Value;
use sluice_connector_core::{
    AuthorizedTable, ConnectorError, Database, ReadBounds, ReadOutput, ReadRequest, TableAccess,
    WriteBounds,
};
use sluice_connector_sqlite::{SqliteConnector, SqliteOptions};
use tempfile::TempDir;

/// Departments, employees (with a foreign key), a table of every column type, a view, a
/// table with an awkward name, a composite key, a WITHOUT ROWID table, and the internal
/// `sqlite_sequence` / `sqlite_stat1` tables.
pub const SCHEMA: &str = r#"
CREATE TABLE departments (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE employees (
    id INTEGER PRIMARY KEY,
    first_name VARCHAR(40) NOT NULL,
    last_name VARCHAR(40) NOT NULL,
    hire_date DATE,
    salary DECIMAL(10,2),
    active BOOLEAN DEFAULT 1,
    dept_id INTEGER REFERENCES departments(id) ON DELETE SET NULL,
    notes TEXT
);
CREATE TABLE typed (
    id INTEGER PRIMARY KEY, i INTEGER, big BIGINT, b BOOLEAN, tiny TINYINT(1), d DECIMAL(5,2),
    f REAL, dbl DOUBLE, s VARCHAR(10), t TEXT, dt DATETIME, ts TIMESTAMP, bin BLOB, untyped
);
CREATE VIEW high_earners AS SELECT id, last_name, salary FROM employees WHERE salary > 60000;
CREATE TABLE "we""ird name" ("k""ey" TEXT PRIMARY KEY, v) WITHOUT ROWID;
CREATE TABLE pairs (a INTEGER, b TEXT, v, PRIMARY KEY (a, b));
CREATE TABLE counters (id INTEGER PRIMARY KEY AUTOINCREMENT, n INT);
CREATE TABLE legacy (code INT PRIMARY KEY, dept INTEGER REFERENCES departments);
INSERT INTO departments (id, name) VALUES (1, 'Engineering'), (2, 'Sales'), (3, 'Ops');
INSERT INTO employees (id, first_name, last_name, hire_date, salary, active, dept_id, notes) VALUES
    (1, 'John', 'Smith', '1989-05-01', 55000, 1, 1, NULL),
    (2, 'Jane', 'Smith', '1991-02-11', 72000.5, 1, 1, 'team lead'),
    (3, 'Zoë', 'Åström', '1995-07-21', 61000, 0, 2, 'naïve café'),
    (4, 'Liam', 'O''Brien', NULL, 48000, 1, 2, '50%_off'),
    (5, 'Mia', 'Garcia', '2001-01-01', NULL, 1, NULL, '100% sure'),
    (6, 'Noah', 'Brown', '1990-01-01', 50000, 0, 3, NULL),
    (7, 'Emma', 'Jones', '1988-12-31', 60000, 1, 3, 'x_y'),
    (8, 'Olivia', 'Miller', '2010-03-03', 90000, 1, 1, NULL),
    (9, 'Ava', 'Davis', '2015-06-06', 45000, 0, 2, NULL),
    (10, 'Lucas', 'Wilson', '2020-09-09', 52000, 1, NULL, NULL);
INSERT INTO "we""ird name" VALUES ('a', 1), ('b', 'two');
INSERT INTO pairs VALUES (1, 'x', 'first'), (1, 'y', 'second'), (2, 'x', 'third');
INSERT INTO counters (n) VALUES (1), (2);
INSERT INTO legacy VALUES (10, 1);
ANALYZE;
"#;

pub struct Fixture {
    _dir: TempDir,
    pub path: PathBuf,
    pub database: Arc<Database>,
}

impl Fixture {
    /// `name` as a caller with `access` reaches it, within `bounds`.
    pub fn table(&self, name: &str, access: TableAccess, bounds: ReadBounds) -> AuthorizedTable {
        let bounds = WriteBounds {
            read: bounds,
            ..WriteBounds::default()
        };
        AuthorizedTable::new(Arc::clone(&self.database), name.to_owned(), access, bounds)
    }

    /// `name` as an administrator reaches it, with default bounds.
    pub fn admin(&self, name: &str) -> AuthorizedTable {
        self.table(name, TableAccess::unrestricted(), ReadBounds::default())
    }
}

/// A read as a caller makes it: the client's options and the access the gateway decided
/// for the caller (an administrator's unless a test says otherwise).
#[derive(Debug, Clone)]
pub struct Read {
    pub request: ReadRequest,
    pub access: TableAccess,
}

impl From<ReadRequest> for Read {
    fn from(request: ReadRequest) -> Self {
        Self {
            request,
            access: TableAccess::unrestricted(),
        }
    }
}

pub fn fixture() -> Fixture {
    fixture_with(SqliteOptions::default())
}

pub fn fixture_with(options: SqliteOptions) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("test.sqlite");
    Connection::open(&path)
        .and_then(|c| c.execute_batch(SCHEMA))
        .expect("fixture created");
    let connector = SqliteConnector::open(&path, options).expect("connector opens");
    Fixture {
        _dir: dir,
        path,
        database: Arc::new(Database::new(connector)),
    }
}

/// A second connection for changing the database behind the connector's back.
pub fn writer(fixture: &Fixture) -> Connection {
    Connection::open(&fixture.path).expect("writer opens")
}

pub fn request() -> ReadRequest {
    ReadRequest::default()
}

pub fn bounds(max_records: u64) -> ReadBounds {
    ReadBounds {
        max_records,
        ..ReadBounds::default()
    }
}

/// `GET /_table/{table}` with default bounds, as parsed JSON.
pub async fn get(
    fixture: &Fixture,
    table: &str,
    read: impl Into<Read>,
) -> Result<Value, ConnectorError> {
    get_with(fixture, table, read, ReadBounds::default()).await
}

pub async fn get_with(
    fixture: &Fixture,
    table: &str,
    read: impl Into<Read>,
    bounds: ReadBounds,
) -> Result<Value, ConnectorError> {
    let Read { request, access } = read.into();
    match fixture
        .table(table, access, bounds)
        .read_records(&request)
        .await?
    {
        ReadOutput::Json(bytes) => Ok(serde_json::from_slice(&bytes).expect("valid JSON")),
        ReadOutput::Count(count) => Ok(Value::from(count)),
    }
}

/// The raw body, to check the exact bytes.
pub async fn get_text(fixture: &Fixture, table: &str, request: ReadRequest) -> String {
    match fixture
        .admin(table)
        .read_records(&request)
        .await
        .expect("read succeeds")
    {
        ReadOutput::Json(bytes) => String::from_utf8(bytes).expect("utf-8"),
        ReadOutput::Count(count) => count.to_string(),
    }
}

/// The 400 message of a failed read.
pub fn bad_request(result: Result<Value, ConnectorError>) -> String {
    match result {
        Err(ConnectorError::BadRequest { message, .. }) => message,
        other => panic!("expected a 400, got {other:?}"),
    }
}

/// The `id` of each record in `resource`.
pub fn ids(body: &Value) -> Vec<i64> {
    body["resource"]
        .as_array()
        .expect("resource list")
        .iter()
        .map(|record| record["id"].as_i64().expect("integer id"))
        .collect()
}
