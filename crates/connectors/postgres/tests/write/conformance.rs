//! Writes every connector must answer alike on the shared write data set (departments,
//! employees, tags, todos, seats, reviews: the same rows in every engine's fixture).
//! Nothing here names an engine: each case is a write, the exact answer, and the exact
//! rows a read through the connector sees afterwards, so the table can move as it is into
//! one conformance suite run against SQLite, PostgreSQL and MySQL. Cases avoid what engines
//! may differ on: keys assigned after a failed insert (a PostgreSQL sequence does not give
//! back the value a failed insert took).

use serde_json::{Value, json};
use sluice_connector_core::WriteKind::{Create, Delete, Update};
use sluice_connector_core::{ConnectorError, ReadRequest, TableAccess, WriteRequest};

use crate::helpers::*;

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

fn case(
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

fn batch_error(participle: &str, rolled_back: bool, failed: Value, resource: Value) -> Value {
    let mut message = format!("Batch Error: Not all requested records could be {participle}.");
    if rolled_back {
        message.push_str(" All changes rolled back.");
    }
    json!({"status": 400, "message": message, "context": {"error": failed, "resource": resource}})
}

fn request(kind: sluice_connector_core::WriteKind, body: Value) -> WriteRequest {
    with_body(kind, body)
}

fn fields(fields: &str, request: WriteRequest) -> WriteRequest {
    WriteRequest {
        fields: Some(fields.into()),
        ..request
    }
}

const DEPARTMENTS: (&str, &str) = ("departments", "id,name");

fn departments(rows: Value) -> Option<(&'static str, &'static str, Value)> {
    Some((DEPARTMENTS.0, DEPARTMENTS.1, rows))
}

fn todos(rows: Value) -> Option<(&'static str, &'static str, Value)> {
    Some(("todos", "id,owner_id,title", rows))
}

fn untouched_todos() -> Option<(&'static str, &'static str, Value)> {
    todos(json!([
        {"id": 1, "owner_id": 1, "title": "alice 1"},
        {"id": 2, "owner_id": 2, "title": "bob 1"},
        {"id": 3, "owner_id": 1, "title": "alice 2"}
    ]))
}

const DENIED: &str = "Denied access to some of the requested fields.";

pub fn cases() -> Vec<Case> {
    let mut cases = records_cases();
    cases.extend(batch_and_constraint_cases());
    cases.extend(access_cases());
    cases
}

fn records_cases() -> Vec<Case> {
    vec![
        case(
            "create answers the assigned keys",
            "departments",
            request(
                Create,
                json!({"resource": [{"name": "Ops"}, {"name": "HR"}]}),
            ),
            json!({"resource": [{"id": 3}, {"id": 4}]}),
            departments(json!([
                {"id": 1, "name": "Engineering"}, {"id": 2, "name": "Sales"},
                {"id": 3, "name": "Ops"}, {"id": 4, "name": "HR"}
            ])),
        ),
        case(
            "create with fields reads the rows back, defaults included",
            "employees",
            fields(
                "id,first_name,salary,active,dept_id,notes",
                request(
                    Create,
                    json!([{"first_name": "Ann", "last_name": "Lee", "salary": 1234.5, "dept_id": 2}]),
                ),
            ),
            json!({"resource": [{"id": 4, "first_name": "Ann", "salary": 1234.5, "active": true, "dept_id": 2, "notes": null}]}),
            None,
        ),
        case(
            "create with related reads the parent along",
            "employees",
            WriteRequest {
                related: Some("departments_by_dept_id".into()),
                ..fields(
                    "id",
                    request(
                        Create,
                        json!([{"first_name": "Ann", "last_name": "Lee", "dept_id": 1}]),
                    ),
                )
            },
            json!({"resource": [{"id": 4, "dept_id": 1, "departments_by_dept_id": {"id": 1, "name": "Engineering"}}]}),
            None,
        ),
        case(
            "a text key is answered as given",
            "tags",
            request(Create, json!([{"code": "blue", "label": "Blue"}])),
            json!({"resource": [{"code": "blue"}]}),
            Some((
                "tags",
                "code,label",
                json!([{"code": "blue", "label": "Blue"}, {"code": "red", "label": "Red"}]),
            )),
        ),
        case(
            "a composite key is answered as given",
            "pairs",
            request(Create, json!([{"a": 2, "b": "z", "v": "third"}])),
            json!({"resource": [{"a": 2, "b": "z"}]}),
            None,
        ),
        case(
            "a table without a key answers empty objects",
            "log",
            request(Create, json!([{"msg": "one"}, {"msg": "two"}])),
            json!({"resource": [{}, {}]}),
            Some(("log", "msg", json!([{"msg": "one"}, {"msg": "two"}]))),
        ),
        case(
            "a key left to the database may be given as null",
            "departments",
            request(Create, json!([{"id": null, "name": "Ops"}])),
            json!({"resource": [{"id": 3}]}),
            None,
        ),
        case(
            "update by id answers the bare identifier",
            "departments",
            by_id(Update, "2", json!({"name": "Field Sales"})),
            json!({"id": 2}),
            departments(
                json!([{"id": 1, "name": "Engineering"}, {"id": 2, "name": "Field Sales"}]),
            ),
        ),
        case(
            "update by ids applies one change set, read back with fields",
            "todos",
            fields(
                "id,title,done",
                WriteRequest {
                    ids: Some("3,1".into()),
                    ..request(Update, json!([{"done": true}]))
                },
            ),
            json!({"resource": [{"id": 1, "title": "alice 1", "done": true}, {"id": 3, "title": "alice 2", "done": true}]}),
            None,
        ),
        case(
            "update of records carrying their keys",
            "pairs",
            request(Update, json!([{"a": 1, "b": "y", "v": "changed"}])),
            json!({"resource": [{"a": 1, "b": "y"}]}),
            Some(("pairs", "v", json!([{"v": "changed"}, {"v": "first"}]))),
        ),
        case(
            "update by filter lists the matching rows after the change",
            "employees",
            WriteRequest {
                filter: Some("salary < 60000".into()),
                ..request(Update, json!([{"notes": "review"}]))
            },
            json!({"resource": [{"id": 1}, {"id": 3}]}),
            Some((
                "employees",
                "id,notes",
                json!([
                    {"id": 1, "notes": "review"}, {"id": 2, "notes": null}, {"id": 3, "notes": "review"}
                ]),
            )),
        ),
        case(
            "update of a missing record is not found",
            "departments",
            by_id(Update, "9", json!({"name": "x"})),
            json!({"status": 404, "id": "9"}),
            None,
        ),
        case(
            "upsert inserts the record whose key no row has",
            "tags",
            Write::from(request(
                Update,
                json!([{"code": "red", "label": "Crimson"}, {"code": "green", "label": "Green"}]),
            ))
            .upsert(),
            json!({"resource": [{"code": "red"}, {"code": "green"}]}),
            Some((
                "tags",
                "code,label",
                json!([{"code": "green", "label": "Green"}, {"code": "red", "label": "Crimson"}]),
            )),
        ),
        case(
            "without upsert the missing record fails the batch",
            "tags",
            request(Update, json!([{"code": "green", "label": "Green"}])),
            batch_error(
                "updated",
                false,
                json!([0]),
                json!([record_error(
                    404,
                    "Record with identifier 'green' not found."
                )]),
            ),
            None,
        ),
        case(
            "delete by id with fields answers the row as it was",
            "employees",
            fields("id,last_name,salary", by_id(Delete, "3", Value::Null)),
            json!({"id": 3, "last_name": "Brown", "salary": 48000.0}),
            Some(("employees", "id", json!([{"id": 1}, {"id": 2}]))),
        ),
        case(
            "delete by ids stops at the missing one",
            "employees",
            WriteRequest {
                ids: Some("3,9,2".into()),
                ..request(Delete, Value::Null)
            },
            batch_error(
                "deleted",
                false,
                json!([1]),
                json!([{"id": 3}, record_error(404, "Record with identifier '9' not found.")]),
            ),
            Some(("employees", "id", json!([{"id": 1}, {"id": 2}]))),
        ),
        case(
            "delete by filter lists what it deleted",
            "todos",
            WriteRequest {
                filter: Some("owner_id = 1".into()),
                ..request(Delete, Value::Null)
            },
            json!({"resource": [{"id": 1}, {"id": 3}]}),
            todos(json!([{"id": 2, "owner_id": 2, "title": "bob 1"}])),
        ),
        case(
            "force deletes every row",
            "log",
            WriteRequest {
                force: true,
                ..request(Delete, Value::Null)
            },
            json!({"success": true}),
            Some(("log", "msg", json!([]))),
        ),
    ]
}

fn batch_and_constraint_cases() -> Vec<Case> {
    let three = || json!([{"code": "blue", "label": "Blue"}, {"code": "red", "label": "x"}, {"code": "green", "label": "Green"}]);
    let duplicate_code = || record_error(400, "Duplicate value for unique field 'code'.");
    let tags = |rows: Value| Some(("tags", "code", rows));
    vec![
        case(
            "a batch stops at the first failure and keeps what came before",
            "tags",
            request(Create, three()),
            batch_error(
                "created",
                false,
                json!([1]),
                json!([{"code": "blue"}, duplicate_code()]),
            ),
            tags(json!([{"code": "blue"}, {"code": "red"}])),
        ),
        case(
            "continue tries every record",
            "tags",
            WriteRequest {
                continue_on_error: true,
                ..request(Create, three())
            },
            batch_error(
                "created",
                false,
                json!([1]),
                json!([{"code": "blue"}, duplicate_code(), {"code": "green"}]),
            ),
            tags(json!([{"code": "blue"}, {"code": "green"}, {"code": "red"}])),
        ),
        case(
            "rollback writes nothing",
            "tags",
            WriteRequest {
                rollback: true,
                ..request(Create, three())
            },
            batch_error(
                "created",
                true,
                json!([1]),
                json!([{"code": "blue"}, duplicate_code()]),
            ),
            tags(json!([{"code": "red"}])),
        ),
        case(
            "unique violations name the field",
            "employees",
            by_id(Update, "2", json!({"email": "john@x.io"})),
            json!({"status": 400, "message": "Duplicate value for unique field 'email'."}),
            None,
        ),
        case(
            "a composite unique names its fields",
            "seats",
            request(
                Create,
                json!([{"row_no": 1, "seat_no": 1}, {"row_no": 1, "seat_no": 1}]),
            ),
            batch_error(
                "created",
                false,
                json!([1]),
                json!([{"id": 1}, record_error(400, "Duplicate value for unique fields 'row_no', 'seat_no'.")]),
            ),
            None,
        ),
        case(
            "a foreign key names its column",
            "employees",
            by_id(Update, "1", json!({"dept_id": 7})),
            json!({"status": 400, "message": "Field 'dept_id' refers to a record of 'departments' that does not exist."}),
            None,
        ),
        case(
            "a referenced record is not deleted",
            "departments",
            by_id(Delete, "1", Value::Null),
            json!({"status": 400, "message": "Record can not be deleted because other records refer to it."}),
            departments(json!([{"id": 1, "name": "Engineering"}, {"id": 2, "name": "Sales"}])),
        ),
        case(
            "a check constraint is named by its table",
            "employees",
            by_id(Update, "1", json!({"salary": -1})),
            json!({"status": 400, "message": "Record violates a check constraint of table 'employees'."}),
            None,
        ),
        case(
            "a trigger's refusal is a 400 without its text",
            "log",
            request(Create, json!([{"msg": "bad"}])),
            batch_error(
                "created",
                false,
                json!([0]),
                json!([record_error(400, "Record was rejected by the database.")]),
            ),
            Some(("log", "msg", json!([]))),
        ),
        case(
            "not null on update names the field",
            "todos",
            by_id(Update, "1", json!({"done": null})),
            json!({"status": 400, "message": "Field 'done' can not be NULL."}),
            None,
        ),
        case(
            "a deferred foreign key fails the request at commit",
            "reviews",
            request(Create, json!([{"employee_id": 1}, {"employee_id": 99}])),
            json!({"status": 400, "message": "The request violates a foreign key constraint. No changes were made."}),
            Some(("reviews", "id", json!([]))),
        ),
    ]
}

fn access_cases() -> Vec<Case> {
    vec![
        case(
            "another user's record is not found",
            "todos",
            as_owner(1, &[], by_id(Update, "2", json!({"title": "mine"}))),
            json!({"status": 404, "id": "2"}),
            untouched_todos(),
        ),
        case(
            "a record created outside the row filter is undone with 403",
            "todos",
            as_owner(
                1,
                &[],
                request(
                    Create,
                    json!([{"owner_id": 1, "title": "ok"}, {"owner_id": 2, "title": "theirs"}]),
                ),
            ),
            batch_error(
                "created",
                false,
                json!([1]),
                json!([{"id": 4}, record_error(403, DENIED)]),
            ),
            todos(json!([
                {"id": 1, "owner_id": 1, "title": "alice 1"},
                {"id": 2, "owner_id": 2, "title": "bob 1"},
                {"id": 3, "owner_id": 1, "title": "alice 2"},
                {"id": 4, "owner_id": 1, "title": "ok"}
            ])),
        ),
        case(
            "an update moving a record out of the row filter is undone with 403",
            "todos",
            as_owner(1, &[], by_id(Update, "1", json!({"owner_id": 2}))),
            json!({"status": 403, "message": DENIED}),
            untouched_todos(),
        ),
        case(
            "an update by filter moving rows out of the row filter changes nothing",
            "todos",
            as_owner(
                1,
                &[],
                WriteRequest {
                    filter: Some("id > 0".into()),
                    ..request(Update, json!([{"owner_id": 2}]))
                },
            ),
            json!({"status": 403, "message": DENIED}),
            untouched_todos(),
        ),
        case(
            "force deletes only the rows the role sees",
            "todos",
            as_owner(
                1,
                &[],
                WriteRequest {
                    force: true,
                    ..request(Delete, Value::Null)
                },
            ),
            json!({"success": true}),
            todos(json!([{"id": 2, "owner_id": 2, "title": "bob 1"}])),
        ),
        case(
            "hidden fields are not read back",
            "todos",
            as_owner(
                1,
                &["secret"],
                fields("*", by_id(Update, "3", json!({"title": "renamed"}))),
            ),
            json!({"id": 3, "owner_id": 1, "title": "renamed", "done": true}),
            None,
        ),
    ]
}

/// Runs every case on a database of its own and reports every mismatch at once.
pub async fn run(cases: Vec<Case>, fixture: impl AsyncFn() -> Fixture) {
    let mut failures = Vec::new();
    for case in cases {
        let fixture = fixture().await;
        let actual = outcome(write(&fixture, case.table, case.write).await);
        if actual != case.expected {
            failures.push(format!("{}: answered {actual}", case.name));
            continue;
        }
        if let Some((table, fields, expected)) = case.after {
            let order = fields.split(',').next().unwrap_or("id");
            let read = ReadRequest {
                fields: Some(fields.into()),
                order: Some(order.into()),
                ..ReadRequest::default()
            };
            let rows = crate::pg::get(&fixture, table, read).await;
            let rows = rows.map(|body| body["resource"].clone());
            if rows.as_ref().ok() != Some(&expected) {
                failures.push(format!("{}: then read {rows:?}", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn every_engine_neutral_write_case_answers_as_expected() {
    let _ = TableAccess::unrestricted;
    run(cases(), fixture).await;
}
