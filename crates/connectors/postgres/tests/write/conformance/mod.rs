//! Writes every connector must answer alike on the shared write data set (departments,
//! employees, tags, todos, seats, reviews: the same rows in every engine's fixture).
//! Nothing here names an engine: each case is a write, the exact answer, and the exact
//! rows a read through the connector sees afterwards, so the table can move as it is into
//! one conformance suite run against SQLite, PostgreSQL and MySQL. Cases avoid what engines
//! may differ on: keys assigned after a failed insert (a PostgreSQL sequence does not give
//! back the value a failed insert took).

use futures::StreamExt;
use serde_json::{Value, json};
use sluice_connector_core::{ConnectorError, ReadRequest, WriteRequest};

use crate::helpers::*;

mod records;
mod rules;

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

pub(super) fn case(
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

pub(super) fn batch_error(
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

pub(super) fn request(kind: sluice_connector_core::WriteKind, body: Value) -> WriteRequest {
    with_body(kind, body)
}

pub(super) fn fields(fields: &str, request: WriteRequest) -> WriteRequest {
    WriteRequest {
        fields: Some(fields.into()),
        ..request
    }
}

pub(super) const DEPARTMENTS: (&str, &str) = ("departments", "id,name");

pub(super) fn departments(rows: Value) -> Option<(&'static str, &'static str, Value)> {
    Some((DEPARTMENTS.0, DEPARTMENTS.1, rows))
}

pub(super) fn todos(rows: Value) -> Option<(&'static str, &'static str, Value)> {
    Some(("todos", "id,owner_id,title", rows))
}

pub(super) fn untouched_todos() -> Option<(&'static str, &'static str, Value)> {
    todos(json!([
        {"id": 1, "owner_id": 1, "title": "alice 1"},
        {"id": 2, "owner_id": 2, "title": "bob 1"},
        {"id": 3, "owner_id": 1, "title": "alice 2"}
    ]))
}

pub(super) const DENIED: &str = "Denied access to some of the requested fields.";

pub fn cases() -> Vec<Case> {
    let mut cases = records::cases();
    cases.extend(rules::batch_and_constraint_cases());
    cases.extend(rules::access_cases());
    cases
}

/// Cases run at once, each on a database of its own (a few connections each).
const CONCURRENT_CASES: usize = 4;

/// Runs every case on a database of its own and reports every mismatch at once.
pub async fn run(cases: Vec<Case>, fixture: impl AsyncFn() -> Fixture) {
    let fixture = &fixture;
    let failures: Vec<String> = futures::stream::iter(cases)
        .map(|case| async move { run_case(case, fixture().await).await })
        .buffer_unordered(CONCURRENT_CASES)
        .filter_map(|failure| async move { failure })
        .collect()
        .await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The mismatch of one case, if any.
async fn run_case(case: Case, fixture: Fixture) -> Option<String> {
    let actual = outcome(write(&fixture, case.table, case.write).await);
    if actual != case.expected {
        return Some(format!("{}: answered {actual}", case.name));
    }
    let (table, fields, expected) = case.after?;
    let order = fields.split(',').next().unwrap_or("id");
    let read = ReadRequest {
        fields: Some(fields.into()),
        order: Some(order.into()),
        ..ReadRequest::default()
    };
    let rows = crate::pg::get(&fixture, table, read)
        .await
        .map(|body| body["resource"].clone());
    (rows.as_ref().ok() != Some(&expected)).then(|| format!("{}: then read {rows:?}", case.name))
}

#[tokio::test]
async fn every_engine_neutral_write_case_answers_as_expected() {
    run(cases(), fixture).await;
}
