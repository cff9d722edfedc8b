//! Body shapes and targets of `POST`, `PUT` and `PATCH` on `_table`:
//! wrapped and bare lists, `{"resource":{..}}`, bare objects on `/{id}`, records carrying
//! their ids, `ids`, `filter`, and the precedence between them.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::df_error;

use crate::write_support::{NO_RECORDS, batch_error, failed, fixture_todos, tables, todos, write};

#[tokio::test]
async fn post_takes_a_wrapped_list_a_bare_list_or_one_wrapped_object() {
    let (app, token) = tables(json!({})).await;
    let wrapped = json!({"resource": [{"name": "a"}, {"name": "b", "priority": 7}]});
    let reply = write(&app, &token, Method::POST, "_table/todo", Some(wrapped)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"id": 5}, {"id": 6}]}));

    let bare = json!([{"name": "c"}]);
    let reply = write(&app, &token, Method::POST, "_table/todo", Some(bare)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"id": 7}]}));

    let one = json!({"resource": {"name": "d", "complete": true}});
    let reply = write(&app, &token, Method::POST, "_table/todo", Some(one)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"id": 8}]}));

    let mut expected = fixture_todos();
    expected.as_array_mut().unwrap().extend([
        json!({"id": 5, "name": "a", "complete": null, "priority": null, "note": null}),
        json!({"id": 6, "name": "b", "complete": null, "priority": 7, "note": null}),
        json!({"id": 7, "name": "c", "complete": null, "priority": null, "note": null}),
        json!({"id": 8, "name": "d", "complete": true, "priority": null, "note": null}),
    ]);
    assert_eq!(todos(&app, &token).await, expected);
}

#[tokio::test]
async fn post_without_records_is_refused_and_writes_nothing() {
    let (app, token) = tables(json!({})).await;
    for body in [
        json!({"name": "bare object"}),
        json!([]),
        json!({"resource": []}),
        json!({"resource": null}),
    ] {
        let reply = write(
            &app,
            &token,
            Method::POST,
            "_table/todo",
            Some(body.clone()),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.body, df_error(400, NO_RECORDS), "{body}");
    }
    let reply = write(&app, &token, Method::POST, "_table/todo", None).await;
    assert_eq!(reply.body, df_error(400, NO_RECORDS));
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/todo",
        Some(json!([{"name": "ok"}, 7])),
    )
    .await;
    assert_eq!(
        reply.body,
        df_error(400, "The request contains no valid record sets.")
    );
    assert_eq!(todos(&app, &token).await, fixture_todos());
}

#[tokio::test]
async fn post_to_a_record_url_is_refused() {
    let (app, token) = tables(json!({})).await;
    for body in [json!({"name": "x"}), json!({"resource": [{"name": "x"}]})] {
        let reply = write(&app, &token, Method::POST, "_table/todo/9", Some(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            reply.body,
            df_error(400, "Create record by identifier not currently supported.")
        );
    }
    assert_eq!(todos(&app, &token).await, fixture_todos());
}

#[tokio::test]
async fn put_and_patch_on_a_record_url_change_only_the_fields_of_the_bare_object() {
    let (app, token) = tables(json!({})).await;
    let reply = write(
        &app,
        &token,
        Method::PUT,
        "_table/todo/2",
        Some(json!({"priority": 5})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"id": 2}));
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo/3",
        Some(json!({"name": "Walk the dog", "complete": true})),
    )
    .await;
    assert_eq!(reply.body, json!({"id": 3}));

    // PUT is a partial update like PATCH: the columns it leaves out keep their values.
    let full = app.get("/api/v2/db/_table/todo/2", &token).await;
    assert_eq!(
        full.body,
        json!({"id": 2, "name": "O'Brien's 50% off", "complete": true, "priority": 5,
               "score": 2.0, "note": "text", "data": "AP8=", "due": "2024-02-01"})
    );
    let mut expected = fixture_todos();
    expected[1]["priority"] = json!(5);
    expected[2]["name"] = json!("Walk the dog");
    expected[2]["complete"] = json!(true);
    assert_eq!(todos(&app, &token).await, expected);

    let missing = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo/99",
        Some(json!({"priority": 1})),
    )
    .await;
    assert_eq!(
        missing.body,
        df_error(404, "Record with identifier '99' not found.")
    );
}

#[tokio::test]
async fn a_wrapped_body_on_a_record_url_is_one_record_without_usable_fields() {
    let (app, token) = tables(json!({})).await;
    for method in [Method::PUT, Method::PATCH] {
        let body = json!({"resource": [{"name": "x"}]});
        let reply = write(&app, &token, method, "_table/todo/1", Some(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            reply.body,
            df_error(400, "No valid fields were found in record.")
        );
    }
    assert_eq!(todos(&app, &token).await, fixture_todos());
}

#[tokio::test]
async fn put_and_patch_on_the_table_update_each_record_by_the_id_it_carries() {
    let (app, token) = tables(json!({})).await;
    let body = json!({"resource": [{"id": 1, "complete": true}, {"id": 3, "note": "later"}]});
    let reply = write(&app, &token, Method::PATCH, "_table/todo", Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"id": 1}, {"id": 3}]}));
    let body = json!([{"id": "4", "priority": 8}]);
    let reply = write(&app, &token, Method::PUT, "_table/todo", Some(body)).await;
    assert_eq!(reply.body, json!({"resource": [{"id": 4}]}));

    let mut expected = fixture_todos();
    expected[0]["complete"] = json!(true);
    expected[2]["note"] = json!("later");
    expected[3]["priority"] = json!(8);
    assert_eq!(todos(&app, &token).await, expected);

    let no_records = write(&app, &token, Method::PUT, "_table/todo", Some(json!([]))).await;
    assert_eq!(no_records.body, df_error(400, NO_RECORDS));
    let bare = json!({"id": 1, "priority": 1});
    let no_records = write(&app, &token, Method::PATCH, "_table/todo", Some(bare)).await;
    assert_eq!(no_records.body, df_error(400, NO_RECORDS));
}

#[tokio::test]
async fn an_update_record_without_its_id_fails_in_the_batch() {
    let (app, token) = tables(json!({})).await;
    let body = json!([{"id": 1, "priority": 9}, {"priority": 9}, {"id": null, "priority": 9}]);
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?continue=true",
        Some(body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        batch_error(
            "updated",
            false,
            json!([1, 2]),
            json!([
                {"id": 1},
                failed(400, "Required id field(s) not found in record 1."),
                failed(400, "Required id field(s) not found in record 2.")
            ])
        )
    );
    let mut expected = fixture_todos();
    expected[0]["priority"] = json!(9);
    assert_eq!(todos(&app, &token).await, expected);
}

#[tokio::test]
async fn ids_apply_the_first_record_to_each_id() {
    let (app, token) = tables(json!({})).await;
    let body = json!([{"complete": true, "note": "done"}, {"complete": false}]);
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?ids=3,1",
        Some(body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"id": 3}, {"id": 1}]}));
    let mut expected = fixture_todos();
    for index in [0, 2] {
        expected[index]["complete"] = json!(true);
        expected[index]["note"] = json!("done");
    }
    assert_eq!(todos(&app, &token).await, expected);

    let bare = json!({"complete": false});
    let reply = write(&app, &token, Method::PUT, "_table/todo?ids=3,1", Some(bare)).await;
    assert_eq!(reply.body, df_error(400, NO_RECORDS));
    assert_eq!(todos(&app, &token).await, expected);

    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?ids=2,99",
        Some(json!([{"priority": 4}])),
    )
    .await;
    assert_eq!(
        reply.body,
        batch_error(
            "updated",
            false,
            json!([1]),
            json!([{"id": 2}, failed(404, "Record with identifier '99' not found.")])
        )
    );
}

#[tokio::test]
async fn filter_updates_every_match_and_lists_the_rows_still_matching() {
    let (app, token) = tables(json!({})).await;
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?filter=complete%3Dfalse",
        Some(json!([{"priority": 7}])),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"id": 1}, {"id": 3}]}));

    // Rows the change moves out of the filter are changed but no longer listed.
    let reply = write(
        &app,
        &token,
        Method::PUT,
        "_table/todo?filter=complete%3Dfalse&fields=name",
        Some(json!({"resource": [{"complete": true}]})),
    )
    .await;
    assert_eq!(reply.body, json!({"resource": []}));
    let mut expected = fixture_todos();
    for index in [0, 2] {
        expected[index]["priority"] = json!(7);
        expected[index]["complete"] = json!(true);
    }
    assert_eq!(todos(&app, &token).await, expected);
}

#[tokio::test]
async fn updates_prefer_the_url_id_then_ids_then_filter_then_records() {
    let (app, token) = tables(json!({})).await;
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo/1?ids=2&filter=id%3D3",
        Some(json!({"note": "url"})),
    )
    .await;
    assert_eq!(reply.body, json!({"id": 1}));
    // The id a change set carries is not a target, and never changed.
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?ids=2&filter=id%3D3",
        Some(json!([{"id": 4, "note": "ids"}])),
    )
    .await;
    assert_eq!(reply.body, json!({"resource": [{"id": 2}]}));
    let reply = write(
        &app,
        &token,
        Method::PATCH,
        "_table/todo?filter=id%3D3",
        Some(json!([{"id": 4, "note": "filter"}])),
    )
    .await;
    assert_eq!(reply.body, json!({"resource": [{"id": 3}]}));
    let notes: Vec<_> = todos(&app, &token)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["note"].clone())
        .collect();
    assert_eq!(
        notes,
        [json!("url"), json!("ids"), json!("filter"), json!(1.5)]
    );
}
