//! Record values on writes: unknown keys, required and NOT NULL
//! columns, type errors, unique / foreign-key / check violations named by field (never
//! SQLite's text), client SQL expressions refused.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{TestApp, df_error};

use crate::write_support::{batch_error, failed, fixture_todos, tables, todos, write};

/// A one-record POST to `table` and its 400 batch error's message for record 0.
async fn refused_create(app: &TestApp, token: &str, table: &str, record: Value) -> String {
    let path = format!("_table/{table}");
    let reply = write(app, token, Method::POST, &path, Some(json!([record]))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let message = reply.body["error"]["context"]["resource"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", reply.body))
        .to_string();
    assert_eq!(
        reply.body,
        batch_error("created", false, json!([0]), json!([failed(400, &message)]))
    );
    message
}

#[tokio::test]
async fn unknown_keys_are_ignored_and_names_match_case_insensitively() {
    let (app, token) = tables(json!({})).await;
    let body = json!([{"NAME": "Upper", "Priority": 3, "colour": "red", "resource": 1}]);
    let reply = write(&app, &token, Method::POST, "_table/todo", Some(body)).await;
    assert_eq!(reply.body, json!({"resource": [{"id": 5}]}));
    let row = app
        .get("/api/v2/db/_table/todo/5?fields=name,priority", &token)
        .await;
    assert_eq!(row.body, json!({"name": "Upper", "priority": 3}));

    let message = refused_create(&app, &token, "tag", json!({"colour": "red"})).await;
    assert_eq!(message, "No valid fields were found in record.");
    // Missing required fields are reported first, in column order, as DreamFactory does.
    let message = refused_create(&app, &token, "todo", json!({"colour": "red"})).await;
    assert_eq!(message, "Required field 'name' can not be NULL.");
    let body = json!([{"id": 1, "colour": "red"}]);
    let reply = write(&app, &token, Method::PATCH, "_table/todo", Some(body)).await;
    assert_eq!(
        reply.body,
        batch_error(
            "updated",
            false,
            json!([0]),
            json!([failed(400, "No valid fields were found in record.")])
        )
    );
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo/1",
        Some(json!({"colour": "red"})),
    )
    .await;
    assert_eq!(
        reply.body,
        df_error(400, "No valid fields were found in record.")
    );
    // The key of an update is not a change.
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo/1",
        Some(json!({"id": 7})),
    )
    .await;
    assert_eq!(
        reply.body,
        df_error(400, "No valid fields were found in record.")
    );
}

#[tokio::test]
async fn required_and_not_null_columns_are_checked_before_any_sql() {
    let (app, token) = tables(json!({})).await;
    let message = refused_create(&app, &token, "todo", json!({"priority": 1})).await;
    assert_eq!(message, "Required field 'name' can not be NULL.");
    let message = refused_create(&app, &token, "todo", json!({"name": null})).await;
    assert_eq!(message, "Field 'name' can not be NULL.");
    let message = refused_create(
        &app,
        &token,
        "player",
        json!({"email": "c@example.com", "level": null}),
    )
    .await;
    assert_eq!(message, "Field 'level' can not be NULL.");
    let reply = write(
        &app,
        &token,
        Method::PUT,
        "_table/todo/1",
        Some(json!({"name": null})),
    )
    .await;
    assert_eq!(reply.body, df_error(400, "Field 'name' can not be NULL."));

    // A NOT NULL column with a default, and a nullable foreign key, may be left out.
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/player?fields=*",
        Some(json!([{"email": "c@example.com"}])),
    )
    .await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"id": 3, "email": "c@example.com", "team_id": null, "level": 1}]})
    );
    assert_eq!(todos(&app, &token).await, fixture_todos());
}

#[tokio::test]
async fn values_of_the_wrong_type_get_dreamfactorys_messages() {
    let (app, token) = tables(json!({})).await;
    for (record, message) in [
        (
            json!({"name": "x", "priority": "high"}),
            "Field 'priority' must be a valid integer.",
        ),
        (
            json!({"name": "x", "priority": true}),
            "Field 'priority' must be a valid integer.",
        ),
        (
            json!({"name": "x", "priority": 1.5}),
            "Field 'priority' must be a valid integer.",
        ),
        (
            json!({"name": "x", "priority": "1e3"}),
            "Field 'priority' must be a valid integer.",
        ),
        (
            json!({"name": ["x"]}),
            "Field 'name' must be a single value, not an array or object.",
        ),
        (
            json!({"name": "x", "note": {"text": "x"}}),
            "Field 'note' must be a single value, not an array or object.",
        ),
        (
            json!({"name": "x", "complete": "maybe"}),
            "Field 'complete' must be a valid boolean.",
        ),
        (
            json!({"name": "x", "complete": 2}),
            "Field 'complete' must be a valid boolean.",
        ),
        (
            json!({"name": "x", "score": "1,5"}),
            "Field 'score' must be a valid number.",
        ),
        (
            json!({"name": "x", "data": "not base64!"}),
            "Field 'data' must be a valid base64 value.",
        ),
    ] {
        assert_eq!(
            refused_create(&app, &token, "todo", record.clone()).await,
            message,
            "{record}"
        );
    }
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo/1",
        Some(json!({"priority": "soon"})),
    )
    .await;
    assert_eq!(
        reply.body,
        df_error(400, "Field 'priority' must be a valid integer.")
    );
    // DreamFactory's words and numeric text are accepted.
    let body = json!([{"name": "typed", "complete": "yes", "priority": "4", "score": "0.5"}]);
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/todo?fields=complete,priority,score",
        Some(body),
    )
    .await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"complete": true, "priority": 4, "score": 0.5}]})
    );
}

#[tokio::test]
async fn unique_violations_name_the_field() {
    let (app, token) = tables(json!({})).await;
    let body = json!([{"name": "Green"}, {"name": "Red"}, {"name": "Black"}]);
    let reply = write(&app, &token, Method::POST, "_table/team", Some(body)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        batch_error(
            "created",
            false,
            json!([1]),
            json!([{"id": 3}, failed(400, "Duplicate value for unique field 'name'.")])
        )
    );
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/team/2",
        Some(json!({"name": "Red"})),
    )
    .await;
    assert_eq!(
        reply.body,
        df_error(400, "Duplicate value for unique field 'name'.")
    );
    let message = refused_create(&app, &token, "todo", json!({"id": 1, "name": "again"})).await;
    assert_eq!(message, "Duplicate value for unique field 'id'.");
    let message = refused_create(
        &app,
        &token,
        "enrolment",
        json!({"student": "ann", "course": "math"}),
    )
    .await;
    assert_eq!(
        message,
        "Duplicate value for unique fields 'student', 'course'."
    );
    let teams = app.get("/api/v2/db/_table/team", &token).await;
    assert_eq!(
        teams.body["resource"],
        json!([{"id": 1, "name": "Red"}, {"id": 2, "name": "Blue"}, {"id": 3, "name": "Green"}])
    );
}

#[tokio::test]
async fn foreign_key_and_check_violations_are_400s_without_sqlite_text() {
    let (app, token) = tables(json!({})).await;
    let message = refused_create(
        &app,
        &token,
        "player",
        json!({"email": "c@example.com", "team_id": 99}),
    )
    .await;
    assert_eq!(
        message,
        "Field 'team_id' refers to a record of 'team' that does not exist."
    );
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/player/1",
        Some(json!({"team_id": 42})),
    )
    .await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "Field 'team_id' refers to a record of 'team' that does not exist."
        )
    );
    let reply = write(&app, &token, Method::DELETE, "_table/team/1", None).await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "Record can not be deleted because other records refer to it."
        )
    );
    let message = refused_create(
        &app,
        &token,
        "contact_info",
        json!({"contact_id": 1, "info_type": "fax"}),
    )
    .await;
    assert_eq!(
        message,
        "Record violates a check constraint of table 'contact_info'."
    );
    let players = app
        .get("/api/v2/db/_table/player?fields=id,team_id", &token)
        .await;
    assert_eq!(
        players.body["resource"],
        json!([{"id": 1, "team_id": 1}, {"id": 2, "team_id": 2}])
    );
}

#[tokio::test]
async fn sql_expressions_in_values_are_refused() {
    let (app, token) = tables(json!({})).await;
    let message = refused_create(
        &app,
        &token,
        "todo",
        json!({"name": {"expression": "sqlite_version()"}}),
    )
    .await;
    assert_eq!(message, "SQL expression is not permitted.");
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo/1",
        Some(json!({"due": {"expression": {"value": "date('now')", "params": []}}})),
    )
    .await;
    assert_eq!(
        reply.body,
        df_error(400, "SQL expression is not permitted.")
    );
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?filter=id%3E0",
        Some(json!([{"note": {"expression": "1"}}])),
    )
    .await;
    assert_eq!(
        reply.body,
        df_error(400, "SQL expression is not permitted.")
    );
    assert_eq!(todos(&app, &token).await, fixture_todos());
}
