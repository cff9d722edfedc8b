//! Upsert: with the service's `allow_upsert`, a `PUT` or `PATCH` of an
//! identified record that does not exist inserts it; without it, the record is not found.
//! Rows outside the role's filter are never "missing": they are
//! not found, and never inserted over.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{Auth, df_error};

use crate::access::{role, service_id};
use crate::write_support::{batch_error, failed, fixture_todos, tables, todos, write};

#[tokio::test]
async fn without_allow_upsert_a_missing_record_is_not_found() {
    let (app, token) = tables(json!({})).await;
    let reply = write(
        &app,
        &token,
        Method::PUT,
        "_table/todo/9",
        Some(json!({"name": "new"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.body,
        df_error(404, "Record with identifier '9' not found.")
    );
    let body = json!([{"id": 1, "priority": 5}, {"id": 10, "name": "ten"}]);
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?rollback=true",
        Some(body),
    )
    .await;
    assert_eq!(
        reply.body,
        batch_error(
            "updated",
            true,
            json!([1]),
            json!([{"id": 1}, failed(404, "Record with identifier '10' not found.")])
        )
    );
    assert_eq!(todos(&app, &token).await, fixture_todos());
}

#[tokio::test]
async fn with_allow_upsert_put_and_patch_insert_missing_records() {
    let (app, token) = tables(json!({"allow_upsert": true})).await;
    let reply = write(
        &app,
        &token,
        Method::PUT,
        "_table/todo/9",
        Some(json!({"name": "nine"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"id": 9}));
    let body = json!([{"id": 1, "priority": 5}, {"id": 10, "name": "ten", "priority": 1}]);
    let reply = write(&app, &token, Method::PATCH, "_table/todo", Some(body)).await;
    assert_eq!(reply.body, json!({"resource": [{"id": 1}, {"id": 10}]}));
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?ids=2,11&fields=id,name,priority",
        Some(json!([{"name": "same", "priority": 0}])),
    )
    .await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"id": 2, "name": "same", "priority": 0},
                            {"id": 11, "name": "same", "priority": 0}]})
    );
    let mut expected = fixture_todos();
    expected[0]["priority"] = json!(5);
    expected[1]["name"] = json!("same");
    expected[1]["priority"] = json!(0);
    expected.as_array_mut().unwrap().extend([
        json!({"id": 9, "name": "nine", "complete": null, "priority": null, "note": null}),
        json!({"id": 10, "name": "ten", "complete": null, "priority": 1, "note": null}),
        json!({"id": 11, "name": "same", "complete": null, "priority": 0, "note": null}),
    ]);
    assert_eq!(todos(&app, &token).await, expected);

    // The inserted row must be valid; filter updates never insert.
    let reply = write(
        &app,
        &token,
        Method::PUT,
        "_table/todo/12",
        Some(json!({"priority": 1})),
    )
    .await;
    assert_eq!(reply.body, df_error(400, "Field 'name' can not be NULL."));
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?filter=id%3D13",
        Some(json!([{"name": "thirteen"}])),
    )
    .await;
    assert_eq!(reply.body, json!({"resource": []}));
    assert_eq!(todos(&app, &token).await, expected);
}

#[tokio::test]
async fn an_upsert_of_a_composite_key_inserts_the_key_and_the_changes() {
    let (app, token) = tables(json!({"allow_upsert": true})).await;
    let body = json!([{"student": "ann", "course": "math", "grade": 1},
                      {"student": "dan", "course": "art", "grade": 2}]);
    let reply = write(&app, &token, Method::PUT, "_table/enrolment", Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource": [{"student": "ann", "course": "math"},
                            {"student": "dan", "course": "art"}]})
    );
    let rows = app
        .get("/api/v2/db/_table/enrolment?order=student,course", &token)
        .await;
    assert_eq!(
        rows.body["resource"],
        json!([{"student": "ann", "course": "art", "grade": 5},
               {"student": "ann", "course": "math", "grade": 1},
               {"student": "bob", "course": "math", "grade": 3},
               {"student": "dan", "course": "art", "grade": 2}])
    );
}

#[tokio::test]
async fn an_upsert_never_inserts_beside_a_row_outside_the_role_filter() {
    let (app, admin) = tables(json!({"allow_upsert": true})).await;
    let db = service_id(&app, &admin, "db").await;
    let done_only = json!({"filters": [{"name": "complete", "operator": "=", "value": "true"}]});
    let role_id = app
        .create_role(&admin, role("done", db, "_table/todo/*", 31, done_only))
        .await;
    let (_, key) = app.create_app(&admin, "done", Some(role_id)).await;
    let auth = Auth::key(&key);

    let hidden = app
        .call(
            Method::PUT,
            "/api/v2/db/_table/todo/1",
            auth,
            Some(json!({"name": "mine"})),
        )
        .await;
    assert_eq!(
        hidden.body,
        df_error(404, "Record with identifier '1' not found.")
    );
    let outside = app
        .call(
            Method::PUT,
            "/api/v2/db/_table/todo/20",
            auth,
            Some(json!({"name": "open"})),
        )
        .await;
    assert_eq!(
        outside.body,
        df_error(403, "Denied access to some of the requested fields.")
    );
    assert_eq!(todos(&app, &admin).await, fixture_todos());

    let inside = app
        .call(
            Method::PATCH,
            "/api/v2/db/_table/todo/21",
            auth,
            Some(json!({"name": "closed", "complete": true})),
        )
        .await;
    assert_eq!(inside.body, json!({"id": 21}));
    let row = app
        .get("/api/v2/db/_table/todo/21?fields=name,complete", &admin)
        .await;
    assert_eq!(row.body, json!({"name": "closed", "complete": true}));
}

#[tokio::test]
async fn turning_allow_upsert_on_takes_effect_without_a_restart() {
    let (app, token) = tables(json!({})).await;
    let db = service_id(&app, &token, "db").await;
    let refused = write(
        &app,
        &token,
        Method::PUT,
        "_table/todo/9",
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let config = json!({"config": {"database": "demo.sqlite", "allow_upsert": true}});
    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/service/{db}"),
            Some(&token),
            Some(config),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let inserted = write(
        &app,
        &token,
        Method::PUT,
        "_table/todo/9",
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(inserted.body, json!({"id": 9}));

    let bad = json!({"config": {"database": "demo.sqlite", "allow_upsert": "yes"}});
    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/service/{db}"),
            Some(&token),
            Some(bad),
        )
        .await;
    assert_eq!(
        reply.body,
        df_error(
            400,
            "Invalid data supplied. The config field 'allow_upsert' must be true or false."
        )
    );
}
