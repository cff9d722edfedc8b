//! Batch modes, constraint violations, and the role's row filter and hidden fields.

use serde_json::{Value, json};
use sluice_connector_core::WriteKind::{Create, Delete, Update};
use sluice_connector_core::WriteRequest;

use super::*;

pub(crate) fn batch_and_constraint_cases() -> Vec<Case> {
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
    ]
}

pub(crate) fn access_cases() -> Vec<Case> {
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
        case(
            "a hidden field in a record is ignored",
            "todos",
            as_owner(
                1,
                &["SECRET"],
                by_id(Update, "1", json!({"title": "t", "secret": "leak"})),
            ),
            json!({"id": 1}),
            Some((
                "todos",
                "id,secret",
                json!([
                    {"id": 1, "secret": "s1"}, {"id": 2, "secret": "s2"}, {"id": 3, "secret": "s3"}
                ]),
            )),
        ),
        case(
            "an upsert never takes over another user's row",
            "todos",
            as_owner(
                1,
                &[],
                by_id(Update, "2", json!({"owner_id": 1, "title": "stolen"})),
            )
            .upsert(),
            json!({"status": 404, "id": "2"}),
            untouched_todos(),
        ),
        case(
            "an upsert outside the row filter is refused",
            "todos",
            as_owner(
                1,
                &[],
                by_id(Update, "9", json!({"owner_id": 2, "title": "x"})),
            )
            .upsert(),
            json!({"status": 403, "message": DENIED}),
            untouched_todos(),
        ),
        case(
            "an upsert inside the row filter inserts the record",
            "todos",
            as_owner(
                1,
                &[],
                by_id(Update, "9", json!({"owner_id": 1, "title": "new"})),
            )
            .upsert(),
            json!({"id": 9}),
            todos(json!([
                {"id": 1, "owner_id": 1, "title": "alice 1"},
                {"id": 2, "owner_id": 2, "title": "bob 1"},
                {"id": 3, "owner_id": 1, "title": "alice 2"},
                {"id": 9, "owner_id": 1, "title": "new"}
            ])),
        ),
    ]
}
