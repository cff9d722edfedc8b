//! Writes every connector must answer alike on the shared write data set (departments,
//! employees, pairs, tags, log, todos, seats: the same rows in every engine's fixture).
//! Nothing here names an engine: each case is a write, the exact answer, and the exact
//! rows a read through the connector sees afterwards, so the table can move as it is into
//! one conformance suite run against SQLite, PostgreSQL and MySQL. Cases avoid what engines
//! may differ on: keys assigned after a failed insert (a PostgreSQL sequence does not give
//! back the value a failed insert took), deferred constraints (MySQL has none).

use std::sync::Arc;

use futures::StreamExt;
use serde_json::{Value, json};
use sluice_connector_core::{
    AuthorizedTable, ConnectorError, Database, ReadOutput, ReadRequest, TableAccess, WriteBounds,
    WriteRequest,
};

use crate::Fixture;

mod records;
pub mod request;
mod rules;

pub use request::*;

/// The rows of the shared write data set, after each engine's own `CREATE TABLE`s of
/// `departments` (id, name NOT NULL UNIQUE), `employees` (id, first_name and last_name NOT
/// NULL, email UNIQUE, salary decimal(10,2) CHECK >= 0, active boolean DEFAULT true,
/// dept_id a foreign key to departments, photo a blob, notes), `pairs` (a, b, v; key (a,
/// b)), `tags` (code a text key, label NOT NULL), `log` (msg, no key; a trigger refuses
/// `'bad'`), `todos` (id, owner_id, title NOT NULL, done boolean NOT NULL DEFAULT false,
/// secret) and `seats` (id, row_no, seat_no; UNIQUE (row_no, seat_no)). Keys given here
/// must not be assigned again: an engine whose counters do not follow them moves them on
/// afterwards.
pub const ROWS: &str = "INSERT INTO departments VALUES (1, 'Engineering'), (2, 'Sales');
INSERT INTO employees (id, first_name, last_name, email, salary, dept_id) VALUES
    (1, 'John', 'Smith', 'john@x.io', 55000, 1),
    (2, 'Jane', 'Doe', 'jane@x.io', 72000, 2),
    (3, 'Liam', 'Brown', NULL, 48000, NULL);
INSERT INTO pairs VALUES (1, 'x', 'first'), (1, 'y', 'second');
INSERT INTO tags VALUES ('red', 'Red');
INSERT INTO todos VALUES
    (1, 1, 'alice 1', false, 's1'), (2, 2, 'bob 1', false, 's2'), (3, 1, 'alice 2', true, 's3');
";

pub struct Case {
    pub name: &'static str,
    pub table: &'static str,
    pub write: Write,
    /// The answer's body, or the error as [`outcome`] writes it.
    pub expected: Value,
    /// Read afterwards: table, `fields`, and the exact `resource` (ordered by `fields`'
    /// first field).
    pub after: Option<(&'static str, &'static str, Value)>,
}

pub(crate) fn case(
    name: &'static str,
    table: &'static str,
    write: impl Into<Write>,
    expected: Value,
    after: Option<(&'static str, &'static str, Value)>,
) -> Case {
    Case {
        name,
        table,
        write: write.into(),
        expected,
        after,
    }
}

/// A write's result as one JSON value: the body, or `{"status": ..., ...}` for an error.
pub fn outcome(result: Result<Value, ConnectorError>) -> Value {
    match result {
        Ok(body) => body,
        Err(ConnectorError::Batch { message, context }) => {
            json!({"status": 400, "message": message, "context": context})
        }
        Err(ConnectorError::BadRequest { message, .. }) => {
            json!({"status": 400, "message": message})
        }
        Err(ConnectorError::RecordNotFound(id)) => json!({"status": 404, "id": id}),
        Err(ConnectorError::Forbidden(message)) => json!({"status": 403, "message": message}),
        Err(other) => json!({"unexpected": other.to_string()}),
    }
}

pub(crate) fn batch_error(
    participle: &str,
    rolled_back: bool,
    failed: Value,
    resource: Value,
) -> Value {
    let mut message = format!("Batch Error: Not all requested records could be {participle}.");
    if rolled_back {
        message.push_str(" All changes rolled back.");
    }
    json!({"status": 400, "message": message, "context": {"error": failed, "resource": resource}})
}

pub(crate) fn request(kind: sluice_connector_core::WriteKind, body: Value) -> WriteRequest {
    with_body(kind, body)
}

pub(crate) fn fields(fields: &str, request: WriteRequest) -> WriteRequest {
    WriteRequest {
        fields: Some(fields.into()),
        ..request
    }
}

pub(crate) const DEPARTMENTS: (&str, &str) = ("departments", "id,name");

pub(crate) fn departments(rows: Value) -> Option<(&'static str, &'static str, Value)> {
    Some((DEPARTMENTS.0, DEPARTMENTS.1, rows))
}

pub(crate) fn todos(rows: Value) -> Option<(&'static str, &'static str, Value)> {
    Some(("todos", "id,owner_id,title", rows))
}

pub(crate) fn untouched_todos() -> Option<(&'static str, &'static str, Value)> {
    todos(json!([
        {"id": 1, "owner_id": 1, "title": "alice 1"},
        {"id": 2, "owner_id": 2, "title": "bob 1"},
        {"id": 3, "owner_id": 1, "title": "alice 2"}
    ]))
}

pub(crate) const DENIED: &str = "Denied access to some of the requested fields.";

pub fn cases() -> Vec<Case> {
    let mut cases = records::cases();
    cases.extend(rules::batch_and_constraint_cases());
    cases.extend(rules::access_cases());
    cases
}

/// Cases run at once, each on a database of its own (a few connections each).
const CONCURRENT_CASES: usize = 4;

/// Runs every case on a fresh fixture of its own (`fixture` loads the shared write data set
/// into a new database) and reports every mismatch at once.
///
/// # Panics
///
/// When a case answers other than expected.
pub async fn run<F: Fixture>(cases: Vec<Case>, fixture: impl AsyncFn() -> F) {
    let fixture = &fixture;
    let failures: Vec<String> = futures::stream::iter(cases)
        .map(|case| async move {
            let fixture = fixture().await;
            run_case(case, &fixture.database()).await
        })
        .buffer_unordered(CONCURRENT_CASES)
        .filter_map(|failure| async move { failure })
        .collect()
        .await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The mismatch of one case, if any.
async fn run_case(case: Case, database: &Arc<Database>) -> Option<String> {
    let actual = outcome(write_to(database, case.table, case.write).await);
    if actual != case.expected {
        return Some(format!("{}: answered {actual}", case.name));
    }
    let (table, fields, expected) = case.after?;
    let rows = read_rows(database, table, fields).await;
    (rows.as_ref().ok() != Some(&expected)).then(|| format!("{}: then read {rows:?}", case.name))
}

/// `table`'s rows with `fields` as an administrator reads them, ordered by the first field.
///
/// # Errors
///
/// The read's error, or a count where rows were expected, as text.
pub(crate) async fn read_rows(
    database: &Arc<Database>,
    table: &str,
    fields: &str,
) -> Result<Value, String> {
    let order = fields.split(',').next().unwrap_or("id");
    let read = ReadRequest {
        fields: Some(fields.into()),
        order: Some(order.into()),
        ..ReadRequest::default()
    };
    let authorized = AuthorizedTable::new(
        Arc::clone(database),
        table.to_owned(),
        TableAccess::unrestricted(),
        WriteBounds::default(),
    );
    match authorized.read_records(&read).await {
        Ok(ReadOutput::Json(bytes)) => serde_json::from_slice::<Value>(&bytes)
            .map(|body| body["resource"].clone())
            .map_err(|error| error.to_string()),
        Ok(ReadOutput::Count(count)) => Err(format!("a count ({count})")),
        Err(error) => Err(error.to_string()),
    }
}
