//! Records created, updated and deleted in every way a request can name them.

use serde_json::{Value, json};
use sluice_connector_core::WriteKind::{Create, Delete, Update};
use sluice_connector_core::WriteRequest;

use super::*;

pub(crate) fn cases() -> Vec<Case> {
    vec![
        case(
            "values are typed by their column: text numbers, booleans, base64",
            "employees",
            fields(
                "salary,active,dept_id,photo",
                request(
                    Create,
                    json!([{"first_name": "A", "last_name": "B", "salary": "12.5", "active": "no", "dept_id": "2", "photo": "AAEC"}]),
                ),
            ),
            json!({"resource": [{"salary": 12.5, "active": false, "dept_id": 2, "photo": "AAEC"}]}),
            None,
        ),
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
