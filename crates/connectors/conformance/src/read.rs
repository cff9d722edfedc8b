//! Reads every connector must answer alike on the shared data set (departments and
//! employees, the same rows in every engine's fixture). Nothing here names an engine: the
//! cases avoid what the databases may differ on (NULL ordering, collation of non-ASCII
//! text, case sensitivity of `=` and `LIKE`).

use std::sync::Arc;

use serde_json::{Value, json};
use sluice_connector_core::{
    AuthorizedTable, ConnectorError, Database, ReadBounds, ReadOutput, ReadRequest, RowAccess,
    TableAccess, Unrestricted, WriteBounds,
};

pub struct Case {
    pub name: &'static str,
    pub table: &'static str,
    pub request: ReadRequest,
    /// `ReadBounds::max_records` when the case is about the service's maximum.
    pub max_records: Option<u64>,
    pub expected: Value,
}

fn case(name: &'static str, table: &'static str, request: ReadRequest, expected: Value) -> Case {
    Case {
        name,
        table,
        request,
        max_records: None,
        expected,
    }
}

fn with(fields: &str, filter: Option<&str>, order: Option<&str>) -> ReadRequest {
    ReadRequest {
        fields: Some(fields.into()),
        filter: filter.map(Into::into),
        order: order.map(Into::into),
        ..ReadRequest::default()
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "equality on text, fields",
            "employees",
            with("id,first_name", Some("last_name = 'Smith'"), None),
            json!({"resource": [{"id": 1, "first_name": "John"}, {"id": 2, "first_name": "Jane"}]}),
        ),
        case(
            "decimal comparison, descending order, decimals as JSON numbers",
            "employees",
            with("id,salary", Some("salary > 60000"), Some("salary desc")),
            json!({"resource": [
                {"id": 8, "salary": 90000.0}, {"id": 2, "salary": 72000.5},
                {"id": 3, "salary": 61000.0}
            ]}),
        ),
        case(
            "contains matches wildcards literally",
            "employees",
            with("id,notes", Some("notes contains '%'"), None),
            json!({"resource": [{"id": 4, "notes": "50%_off"}, {"id": 5, "notes": "100% sure"}]}),
        ),
        case(
            "starts with and ends with",
            "employees",
            with(
                "id",
                Some("(first_name starts with 'J') and (last_name ends with 'th')"),
                None,
            ),
            json!({"resource": [{"id": 1}, {"id": 2}]}),
        ),
        case(
            "or with is null",
            "employees",
            with("id", Some("(dept_id = 1) or (dept_id is null)"), None),
            json!({"resource": [{"id": 1}, {"id": 2}, {"id": 5}, {"id": 8}, {"id": 10}]}),
        ),
        case(
            "in and a boolean",
            "employees",
            with(
                "id,active",
                Some("(dept_id in (2,3)) and (active = true)"),
                None,
            ),
            json!({"resource": [{"id": 4, "active": true}, {"id": 7, "active": true}]}),
        ),
        case(
            "not in and a boolean written as 0",
            "employees",
            with("id", Some("(dept_id not in (1,2)) and (active = 0)"), None),
            json!({"resource": [{"id": 6}]}),
        ),
        case(
            "between on a date",
            "employees",
            with(
                "id,hire_date",
                Some("hire_date between '1990-01-01' and '1999-12-31'"),
                None,
            ),
            json!({"resource": [
                {"id": 2, "hire_date": "1991-02-11"}, {"id": 3, "hire_date": "1995-07-21"},
                {"id": 6, "hire_date": "1990-01-01"}
            ]}),
        ),
        case(
            "limit, offset and include_count",
            "employees",
            ReadRequest {
                fields: Some("id".into()),
                limit: Some("3".into()),
                offset: Some("2".into()),
                include_count: true,
                ..ReadRequest::default()
            },
            json!({"resource": [{"id": 3}, {"id": 4}, {"id": 5}], "meta": {"count": 10, "next": 5}}),
        ),
        Case {
            max_records: Some(4),
            ..case(
                "no limit: the service maximum, with count and next",
                "employees",
                with("id", None, None),
                json!({"resource": [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}],
                       "meta": {"count": 10, "next": 4}}),
            )
        },
        case(
            "count_only",
            "employees",
            ReadRequest {
                filter: Some("active = false".into()),
                count_only: true,
                ..ReadRequest::default()
            },
            json!(3),
        ),
        case(
            "ids in request order",
            "employees",
            ReadRequest {
                ids: Some("3,1".into()),
                fields: Some("id,first_name".into()),
                ..ReadRequest::default()
            },
            json!({"resource": [{"id": 3, "first_name": "Zoë"}, {"id": 1, "first_name": "John"}]}),
        ),
        case(
            "id_field",
            "departments",
            ReadRequest {
                ids: Some("Ops".into()),
                id_field: Some("name".into()),
                ..ReadRequest::default()
            },
            json!({"resource": [{"id": 3, "name": "Ops"}]}),
        ),
        case(
            "as_list names the rows",
            "departments",
            ReadRequest {
                as_list: true,
                ..ReadRequest::default()
            },
            json!({"resource": ["Engineering", "Sales", "Ops"]}),
        ),
        case(
            "group",
            "employees",
            ReadRequest {
                fields: Some("dept_id".into()),
                group: Some("dept_id".into()),
                filter: Some("dept_id is not null".into()),
                order: Some("dept_id".into()),
                ..ReadRequest::default()
            },
            json!({"resource": [{"dept_id": 1}, {"dept_id": 2}, {"dept_id": 3}]}),
        ),
        case(
            "a view",
            "high_earners",
            with("id,last_name,salary", None, Some("salary desc")),
            json!({"resource": [
                {"id": 8, "last_name": "Miller", "salary": 90000.0},
                {"id": 2, "last_name": "Smith", "salary": 72000.5},
                {"id": 3, "last_name": "Åström", "salary": 61000.0}
            ]}),
        ),
        case(
            "every column, in table order",
            "employees",
            with("*", Some("id = 2"), None),
            json!({"resource": [{
                "id": 2, "first_name": "Jane", "last_name": "Smith", "hire_date": "1991-02-11",
                "salary": 72000.5, "active": true, "dept_id": 1, "notes": "team lead"
            }]}),
        ),
    ]
}

/// `table` of `database` read with `access` and `bounds`.
pub(crate) fn authorized(
    database: &Arc<Database>,
    table: &str,
    access: TableAccess,
    bounds: ReadBounds,
) -> AuthorizedTable {
    let bounds = WriteBounds {
        read: bounds,
        ..WriteBounds::default()
    };
    AuthorizedTable::new(Arc::clone(database), table.to_owned(), access, bounds)
}

pub(crate) fn body(output: ReadOutput) -> Value {
    match output {
        ReadOutput::Json(bytes) => serde_json::from_slice::<Value>(&bytes).expect("valid JSON"),
        ReadOutput::Count(count) => Value::from(count),
    }
}

/// Runs every case of [`cases`] against `database`, which serves the shared data set, and
/// panics at the first answer that differs from the expected JSON.
pub async fn check_cases(database: &Arc<Database>) {
    for case in cases() {
        let bounds = ReadBounds {
            max_records: case
                .max_records
                .unwrap_or(ReadBounds::default().max_records),
            ..ReadBounds::default()
        };
        let output = authorized(database, case.table, TableAccess::unrestricted(), bounds)
            .read_records(&case.request)
            .await
            .unwrap_or_else(|error| panic!("{}: {error:?}", case.name));
        assert_eq!(body(output), case.expected, "{}", case.name);
    }
}

/// A role that sees only `row_filter` and may not read `hidden`.
fn role(row_filter: &str, hidden: &[&str]) -> TableAccess {
    let row_filter = sluice_filter::parse(row_filter, &sluice_filter::Limits::default())
        .expect("role filter parses");
    let row = RowAccess::restricted(
        Some(row_filter),
        hidden.iter().map(|name| (*name).to_owned()).collect(),
    );
    TableAccess::restricted(Arc::new(row), Arc::new(Unrestricted))
}

/// A role sees its rows without its hidden fields, and a record outside its rows is not
/// found, like a missing one.
pub async fn check_role_case(database: &Arc<Database>) {
    let access = role("dept_id = 1", &["salary", "notes"]);
    let table = authorized(database, "employees", access, ReadBounds::default());
    let request = ReadRequest {
        fields: Some("*".into()),
        filter: Some("active = true".into()),
        include_count: true,
        ..ReadRequest::default()
    };
    let output = table.read_records(&request).await.expect("read");
    assert_eq!(
        body(output),
        json!({"resource": [
            {"id": 1, "first_name": "John", "last_name": "Smith", "hire_date": "1989-05-01",
             "active": true, "dept_id": 1},
            {"id": 2, "first_name": "Jane", "last_name": "Smith", "hire_date": "1991-02-11",
             "active": true, "dept_id": 1},
            {"id": 8, "first_name": "Olivia", "last_name": "Miller", "hire_date": "2010-03-03",
             "active": true, "dept_id": 1}
        ], "meta": {"count": 3}})
    );
    assert!(matches!(
        table.read_record("3", &ReadRequest::default()).await,
        Err(ConnectorError::RecordNotFound(_))
    ));
}
