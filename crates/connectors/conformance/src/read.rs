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

/// The rows of the shared read data set, after each engine's own `CREATE TABLE`s of
/// `departments` (id, name NOT NULL UNIQUE), `employees` (id, first_name, last_name,
/// hire_date, salary decimal(10,2), active boolean, dept_id a foreign key to departments
/// with ON DELETE SET NULL, notes), `projects` (id, title), the junction
/// `employee_projects` (id, employee_id, project_id), `pairs` (a, b, v; key (a, b)) and
/// the view `high_earners` (id, last_name, salary of the rows with `salary > 60000`).
pub const ROWS: &str =
    "INSERT INTO departments (id, name) VALUES (1, 'Engineering'), (2, 'Sales'), (3, 'Ops');
INSERT INTO employees (id, first_name, last_name, hire_date, salary, active, dept_id, notes) VALUES
    (1, 'John', 'Smith', '1989-05-01', 55000, true, 1, NULL),
    (2, 'Jane', 'Smith', '1991-02-11', 72000.5, true, 1, 'team lead'),
    (3, 'Zoë', 'Åström', '1995-07-21', 61000, false, 2, 'naïve café'),
    (4, 'Liam', 'O''Brien', NULL, 48000, true, 2, '50%_off'),
    (5, 'Mia', 'Garcia', '2001-01-01', NULL, true, NULL, '100% sure'),
    (6, 'Noah', 'Brown', '1990-01-01', 50000, false, 3, NULL),
    (7, 'Emma', 'Jones', '1988-12-31', 60000, true, 3, 'x_y'),
    (8, 'Olivia', 'Miller', '2010-03-03', 90000, true, 1, NULL),
    (9, 'Ava', 'Davis', '2015-06-06', 45000, false, 2, NULL),
    (10, 'Lucas', 'Wilson', '2020-09-09', 52000, true, NULL, NULL);
INSERT INTO projects (id, title) VALUES (1, 'Apollo'), (2, 'Zephyr');
INSERT INTO employee_projects (employee_id, project_id) VALUES (1, 1), (1, 2), (2, 1);
INSERT INTO pairs VALUES (1, 'x', 'first'), (1, 'y', 'second'), (2, 'x', 'third');
";

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

/// A record by id is a bare object in the order of `fields`, a decimal keeps its fraction,
/// and a missing one is not found with its id.
///
/// # Panics
///
/// When the connector answers otherwise.
pub async fn check_record_by_id(database: &Arc<Database>) {
    let table = authorized(
        database,
        "employees",
        TableAccess::unrestricted(),
        ReadBounds::default(),
    );
    let request = ReadRequest {
        fields: Some("first_name,salary".into()),
        ..ReadRequest::default()
    };
    let bytes = table.read_record("3", &request).await.expect("found");
    assert_eq!(
        String::from_utf8(bytes).expect("utf-8"),
        r#"{"first_name":"Zoë","salary":61000.0}"#
    );
    assert!(matches!(
        table.read_record("99", &ReadRequest::default()).await,
        Err(ConnectorError::RecordNotFound(id)) if id == "99"
    ));
}

/// `ids` by a decimal column (`id_field=salary`) match whatever scale the client wrote.
///
/// # Panics
///
/// When the connector answers otherwise.
pub async fn check_ids_by_a_decimal_column(database: &Arc<Database>) {
    let request = ReadRequest {
        ids: Some("61000,72000.5".into()),
        id_field: Some("salary".into()),
        fields: Some("id".into()),
        ..ReadRequest::default()
    };
    let body = crate::values::get(database, "employees", request)
        .await
        .expect("read");
    assert_eq!(body, json!({"resource": [{"id": 3}, {"id": 2}]}));
}

/// `include_schema` describes `departments` in `meta.schema`; `id_db_type` is the engine's
/// name for the type of its key.
///
/// # Panics
///
/// When the connector answers otherwise.
pub async fn check_include_schema(database: &Arc<Database>, id_db_type: &str) {
    let request = ReadRequest {
        include_schema: true,
        limit: Some("1".into()),
        ..ReadRequest::default()
    };
    let body = crate::values::get(database, "departments", request)
        .await
        .expect("read");
    assert_eq!(body["resource"], json!([{"id": 1, "name": "Engineering"}]));
    let schema = &body["meta"]["schema"];
    assert_eq!(schema["name"], json!("departments"));
    assert_eq!(schema["primary_key"], json!(["id"]));
    assert_eq!(schema["field"][0]["type"], json!("id"));
    assert_eq!(schema["field"][0]["db_type"], json!(id_db_type));
    assert_eq!(schema["field"][0]["auto_increment"], json!(true));
}
