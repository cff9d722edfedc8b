//! Values as JSON: filters on each engine's `typed` table (the filters differ, the answer
//! does not), NULLs of every type, and aggregates on the shared data set, byte for byte.

use std::sync::Arc;

use serde_json::{Value, json};
use sluice_connector_core::{
    ConnectorError, Database, ReadBounds, ReadOutput, ReadRequest, TableAccess,
};

use crate::read::authorized;

/// `GET /_table/{table}` as an administrator, as parsed JSON (a count as a number).
///
/// # Errors
///
/// The read's error, as the connector answered it.
///
/// # Panics
///
/// When the body is not JSON.
pub async fn get(
    database: &Arc<Database>,
    table: &str,
    request: ReadRequest,
) -> Result<Value, ConnectorError> {
    let table = authorized(
        database,
        table,
        TableAccess::unrestricted(),
        ReadBounds::default(),
    );
    match table.read_records(&request).await? {
        ReadOutput::Json(bytes) => Ok(serde_json::from_slice(&bytes).expect("valid JSON")),
        ReadOutput::Count(count) => Ok(Value::from(count)),
    }
}

/// The raw body of `GET /_table/{table}` as an administrator, to check the exact bytes.
///
/// # Panics
///
/// When the read fails or the body is not UTF-8.
pub async fn get_text(database: &Arc<Database>, table: &str, request: ReadRequest) -> String {
    let table = authorized(
        database,
        table,
        TableAccess::unrestricted(),
        ReadBounds::default(),
    );
    match table.read_records(&request).await.expect("read succeeds") {
        ReadOutput::Json(bytes) => String::from_utf8(bytes).expect("utf-8"),
        ReadOutput::Count(count) => count.to_string(),
    }
}

fn filtered(filter: &str, fields: &str) -> ReadRequest {
    ReadRequest {
        filter: Some(filter.into()),
        fields: Some(fields.into()),
        ..ReadRequest::default()
    }
}

/// Each of `filters` (values written as a client writes them, compared as the column's
/// type) selects exactly the first row of the engine's `typed` table.
///
/// # Panics
///
/// When a filter selects anything else.
pub async fn check_filters_select_the_first_typed_row(database: &Arc<Database>, filters: &[&str]) {
    for filter in filters {
        let body = get(database, "typed", filtered(filter, "id"))
            .await
            .unwrap_or_else(|error| panic!("{filter}: {error:?}"));
        assert_eq!(body, json!({"resource": [{"id": 1}]}), "{filter}");
    }
}

/// The second row of the engine's `typed` table, NULL in every column but `feeling`, is
/// JSON `null` in each of `fields`.
///
/// # Panics
///
/// When the answer differs by a byte.
pub async fn check_nulls_are_json_null(database: &Arc<Database>, fields: &[&str]) {
    let request = ReadRequest {
        filter: Some("id = 2".into()),
        fields: Some(fields.join(",")),
        ..ReadRequest::default()
    };
    let nulls: Vec<String> = fields.iter().map(|f| format!(r#""{f}":null"#)).collect();
    assert_eq!(
        get_text(database, "typed", request).await,
        format!(r#"{{"resource":[{{{}}}]}}"#, nulls.join(","))
    );
}

/// Grouped aggregates on the shared data set are JSON numbers (averages of decimals
/// included) under DreamFactory's keys.
///
/// # Panics
///
/// When the answer differs by a byte.
pub async fn check_aggregates_are_numbers(database: &Arc<Database>) {
    let request = ReadRequest {
        fields: Some("dept_id,count(id),sum(id),avg(salary),max(hire_date)".into()),
        group: Some("dept_id".into()),
        filter: Some("dept_id is not null".into()),
        order: Some("dept_id".into()),
        ..ReadRequest::default()
    };
    assert_eq!(
        get_text(database, "employees", request).await,
        concat!(
            r#"{"resource":["#,
            r#"{"dept_id":1,"COUNT_id":3,"SUM_id":11,"AVG_salary":72333.5,"MAX_hire_date":"2010-03-03"},"#,
            r#"{"dept_id":2,"COUNT_id":3,"SUM_id":16,"AVG_salary":51333.333333333336,"MAX_hire_date":"2015-06-06"},"#,
            r#"{"dept_id":3,"COUNT_id":2,"SUM_id":13,"AVG_salary":55000.0,"MAX_hire_date":"1990-01-01"}"#,
            r#"]}"#
        )
    );
}
