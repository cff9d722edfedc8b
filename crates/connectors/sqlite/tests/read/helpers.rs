use std::path::PathBuf;
use std::sync::Arc;

use rusqlite::Connection;
use serde_json::Value;
use sluice_connector_conformance::read::ROWS;
use sluice_connector_core::{
    AuthorizedTable, ConnectorError, Database, ReadBounds, ReadOutput, ReadRequest, TableAccess,
    WriteBounds,
};
use sluice_connector_sqlite::{SqliteConnector, SqliteOptions};
use tempfile::TempDir;

/// The tables of the shared data set in SQLite's dialect (its rows are
/// `sluice_connector_conformance::read::ROWS`): departments, employees (with a foreign
/// key), projects through a junction, a view, a composite key; plus what only SQLite has: a
/// table of every column type, a WITHOUT ROWID table with an awkward name, an
/// `INT PRIMARY KEY`, and the internal `sqlite_sequence` / `sqlite_stat1` tables.
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
CREATE TABLE projects (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
CREATE TABLE employee_projects (
    id INTEGER PRIMARY KEY,
    employee_id INTEGER NOT NULL REFERENCES employees(id),
    project_id INTEGER NOT NULL REFERENCES projects(id)
);
CREATE VIEW high_earners AS SELECT id, last_name, salary FROM employees WHERE salary > 60000;
CREATE TABLE "we""ird name" ("k""ey" TEXT PRIMARY KEY, v) WITHOUT ROWID;
CREATE TABLE pairs (a INTEGER, b TEXT, v, PRIMARY KEY (a, b));
CREATE TABLE counters (id INTEGER PRIMARY KEY AUTOINCREMENT, n INT);
CREATE TABLE legacy (code INT PRIMARY KEY, dept INTEGER REFERENCES departments);
"#;

/// The rows of SQLite's own tables, after the shared ones.
const OWN_ROWS: &str = r#"
INSERT INTO "we""ird name" VALUES ('a', 1), ('b', 'two');
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

impl sluice_connector_conformance::Fixture for Fixture {
    fn database(&self) -> Arc<Database> {
        Arc::clone(&self.database)
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
        .and_then(|c| c.execute_batch(&format!("{SCHEMA}{ROWS}{OWN_ROWS}")))
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

pub use sluice_connector_conformance::values::get_text;
pub use sluice_connector_conformance::write::bad_request;

/// The `id` of each record in `resource`.
pub fn ids(body: &Value) -> Vec<i64> {
    body["resource"]
        .as_array()
        .expect("resource list")
        .iter()
        .map(|record| record["id"].as_i64().expect("integer id"))
        .collect()
}
