//! Write options: `fields` re-selecting the written rows,
//! `id_field` for a composite key, and options in the JSON body, where the query string
//! wins.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::df_error;

use crate::write_support::{batch_error, failed, fixture_todos, tables, todos, write};

#[tokio::test]
async fn fields_reads_the_created_rows_back() {
    let (app, token) = tables(json!({})).await;
    let body = json!([{"name": "b", "priority": 2}, {"name": "a"}]);
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/todo?fields=name,priority",
        Some(body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource": [{"name": "b", "priority": 2}, {"name": "a", "priority": null}]})
    );
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/todo?fields=*",
        Some(json!([{"name": "c", "data": "AQI=", "due": "2025-12-31", "score": 1}])),
    )
    .await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"id": 7, "name": "c", "complete": null, "priority": null,
            "score": 1.0, "note": null, "data": "AQI=", "due": "2025-12-31"}]})
    );
}

#[tokio::test]
async fn fields_reads_updated_rows_back_in_database_order() {
    let (app, token) = tables(json!({})).await;
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?ids=3,1&fields=name,complete",
        Some(json!([{"complete": true}])),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource": [{"name": "Buy milk", "complete": true},
                            {"name": "Walk_dog", "complete": true}]})
    );
    let reply = write(
        &app,
        &token,
        Method::PUT,
        "_table/todo/4?fields=id,priority,note",
        Some(json!({"priority": 1})),
    )
    .await;
    assert_eq!(reply.body, json!({"id": 4, "priority": 1, "note": 1.5}));
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?fields=nope",
        Some(json!([{"id": 1, "priority": 1}])),
    )
    .await;
    assert_eq!(reply.body, df_error(400, "Invalid field requested: nope"));
}

#[tokio::test]
async fn id_field_names_the_columns_of_a_composite_key() {
    let (app, token) = tables(json!({})).await;
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/enrolment",
        Some(json!([{"student": "cat", "course": "art", "grade": 2}])),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource": [{"student": "cat", "course": "art"}]})
    );

    let body = json!([{"student": "ann", "course": "art", "grade": 1},
                      {"student": "bob", "course": "art", "grade": 1}]);
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/enrolment?id_field=student,course&continue=true",
        Some(body),
    )
    .await;
    assert_eq!(
        reply.body,
        batch_error(
            "updated",
            false,
            json!([1]),
            json!([{"student": "ann", "course": "art"},
                   failed(404, "Record with identifier 'bob,art' not found.")])
        )
    );
    let reply = write(
        &app,
        &token,
        Method::DELETE,
        "_table/enrolment?id_field=student,course&fields=*",
        Some(json!([{"student": "bob", "course": "math"}])),
    )
    .await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"student": "bob", "course": "math", "grade": 3}]})
    );
    let reply = write(
        &app,
        &token,
        Method::DELETE,
        "_table/enrolment?id_field=student,course",
        Some(json!([{"student": "ann"}])),
    )
    .await;
    assert_eq!(
        reply.body,
        batch_error(
            "deleted",
            false,
            json!([0]),
            json!([failed(400, "Required id field(s) not found in record 0.")])
        )
    );
    let rows = app
        .get("/api/v2/db/_table/enrolment?order=student,course", &token)
        .await;
    assert_eq!(
        rows.body["resource"],
        json!([{"student": "ann", "course": "art", "grade": 1},
               {"student": "ann", "course": "math", "grade": 4},
               {"student": "cat", "course": "art", "grade": 2}])
    );
}

#[tokio::test]
async fn id_field_on_a_single_column_updates_by_that_column() {
    let (app, token) = tables(json!({})).await;
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/player?id_field=email&fields=id,level",
        Some(json!([{"email": "bob@example.com", "level": 5}])),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"id": 2, "level": 5}]}));
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/player?id_field=colour",
        Some(json!([{"colour": "x", "level": 5}])),
    )
    .await;
    assert_eq!(
        reply.body,
        df_error(400, "Invalid identifier field 'colour' requested.")
    );
}

#[tokio::test]
async fn options_in_the_json_body_apply_unless_the_query_string_has_them() {
    let (app, token) = tables(json!({})).await;
    let body = json!({"resource": [{"complete": true}], "ids": "1,3", "fields": "id,complete"});
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo",
        Some(body.clone()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource": [{"id": 1, "complete": true}, {"id": 3, "complete": true}]})
    );
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?ids=4&fields=name",
        Some(body),
    )
    .await;
    assert_eq!(reply.body, json!({"resource": [{"name": "Read"}]}));

    // `rollback` from the body, unless the query string says otherwise.
    let records = json!([{"name": "kept?"}, {"name": null}]);
    let body = json!({"resource": records, "rollback": true});
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/todo",
        Some(body.clone()),
    )
    .await;
    assert_eq!(
        reply.body["error"]["message"],
        "Batch Error: Not all requested records could be created. All changes rolled back."
    );
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/todo?rollback=false",
        Some(body),
    )
    .await;
    assert_eq!(
        reply.body["error"]["message"],
        "Batch Error: Not all requested records could be created."
    );
    let reply = write(
        &app,
        &token,
        Method::DELETE,
        "_table/todo",
        Some(json!({"filter": "name = :n", "params": {":n": "kept?"}, "fields": "name"})),
    )
    .await;
    assert_eq!(reply.body, json!({"resource": [{"name": "kept?"}]}));

    let mut expected = fixture_todos();
    for index in [0, 2, 3] {
        expected[index]["complete"] = json!(true);
    }
    assert_eq!(todos(&app, &token).await, expected);
}

#[tokio::test]
async fn filter_writes_change_every_match_but_list_at_most_max_records() {
    let (app, token) = tables(json!({"max_records": 2})).await;
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?filter=id%3E0&fields=id,note",
        Some(json!([{"note": "all"}])),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource": [{"id": 1, "note": "all"}, {"id": 2, "note": "all"}]})
    );
    let notes: Vec<_> = (1..=4)
        .map(|id| format!("/api/v2/db/_table/todo/{id}?fields=note"))
        .collect();
    for path in &notes {
        assert_eq!(
            app.get(path, &token).await.body,
            json!({"note": "all"}),
            "{path}"
        );
    }
    let reply = write(
        &app,
        &token,
        Method::DELETE,
        "_table/todo?filter=id%3E1",
        None,
    )
    .await;
    assert_eq!(reply.body, json!({"resource": [{"id": 2}, {"id": 3}]}));
    let left = app.get("/api/v2/db/_table/todo?fields=id", &token).await;
    assert_eq!(left.body, json!({"resource": [{"id": 1}]}));
}
