//! Write plans without a database: targets and their precedence, record checking, and the
//! responses and batch errors assembled from per-record results.

mod records;
mod responses;
mod targets;

use std::sync::Arc;

use serde_json::Value;

use super::*;
use crate::access::test_support::Session;
use crate::access::{RowAccess, TableAccess};
use crate::condition::{ComparisonOp, Condition};
use crate::df_type::DfType;
use crate::error::ConnectorError;
use crate::schema::{ColumnSchema, TableSchema};
use crate::value::BoundValue;

/// `todos(id INTEGER PRIMARY KEY, owner_id NOT NULL, title NOT NULL, done DEFAULT 0, secret)`.
pub(super) fn todos() -> Arc<TableSchema> {
    let mut id = ColumnSchema::from_declared("id", "INTEGER");
    id.is_primary_key = true;
    id.df_type = DfType::Id;
    id.auto_increment = true;
    id.allow_null = false;
    let mut owner = ColumnSchema::from_declared("owner_id", "integer");
    owner.allow_null = false;
    let mut title = ColumnSchema::from_declared("Title", "text");
    title.allow_null = false;
    let mut done = ColumnSchema::from_declared("done", "boolean");
    done.allow_null = false;
    done.default = Some("0".into());
    let secret = ColumnSchema::from_declared("secret", "text");
    Arc::new(TableSchema::new(
        "todos",
        false,
        vec![id, owner, title, done, secret],
        vec![],
    ))
}

pub(super) fn record(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

pub(super) fn with_records(kind: WriteKind, records: Value) -> WriteRequest {
    WriteRequest {
        records: unwrap_records(records).expect("records"),
        ..WriteRequest::new(kind)
    }
}

pub(super) fn plan(request: WriteRequest) -> Result<WritePlan, ConnectorError> {
    plan_as(request, &TableAccess::unrestricted())
}

/// Plans `request` on `todos` for a caller with `access`.
pub(super) fn plan_as(
    request: WriteRequest,
    access: &TableAccess,
) -> Result<WritePlan, ConnectorError> {
    WritePlan::new(
        &Default::default(),
        todos(),
        &request,
        access,
        &WriteBounds::default(),
    )
}

/// A role with `row_filter` and `hidden` fields on the table, every related table open.
pub(super) fn role(row_filter: Option<&str>, hidden: &[&str]) -> TableAccess {
    let row_filter = row_filter.map(|filter| {
        sluice_filter::parse(filter, &sluice_filter::Limits::default()).expect("parses")
    });
    let hidden = hidden.iter().map(|name| (*name).to_owned()).collect();
    TableAccess::restricted(
        Arc::new(RowAccess::restricted(row_filter, hidden)),
        Arc::new(crate::Unrestricted),
    )
}

pub(super) fn message(result: Result<WritePlan, ConnectorError>) -> String {
    match result {
        Err(ConnectorError::BadRequest { message, .. }) => message,
        other => panic!("expected a 400, got {other:?}"),
    }
}

/// The values of each planned insert as `name=value` text.
pub(super) fn inserts(plan: &WritePlan) -> Vec<Result<Vec<String>, String>> {
    let WriteAction::Insert(records) = &plan.action else {
        panic!("not an insert: {:?}", plan.action);
    };
    records
        .iter()
        .map(|record| match record {
            Ok(record) => Ok(record
                .values
                .iter()
                .map(|v| format!("{}={:?}", plan.table.column(v.column).name, v.value))
                .collect()),
            Err(error) => Err(error.message()),
        })
        .collect()
}
