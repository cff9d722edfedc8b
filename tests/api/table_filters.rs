//! Filters over HTTP: every documented operator, params, injection attempts, unknown fields
//! and the bounds of security-rules.md.

use reqwest::StatusCode;
use serde_json::json;

use crate::table_read::{get, todo_app, urlencode};

#[tokio::test]
async fn filters_cover_the_documented_operators() {
    let (app, token) = todo_app().await;
    let cases: &[(&str, &[i64])] = &[
        ("priority = 2", &[1]),
        ("(complete = true) and (priority > 1)", &[]),
        ("complete = 1 or priority >= 3", &[2, 3, 4]),
        ("(priority >= 2) AND (priority <= 3)", &[1, 3]),
        ("priority between 1 and 2", &[1, 2]),
        ("id in (1,3,9)", &[1, 3]),
        ("id not in (1,3)", &[2, 4]),
        ("priority is null", &[4]),
        ("score is not null and not (id = 1)", &[2, 4]),
        ("name like 'W%'", &[3]),
        ("name not like '%a%'", &[1, 2]),
        ("name contains '50%'", &[2]),
        ("name contains _", &[3]),
        ("name starts with 'o''brien'", &[2]),
        ("name ends with dog", &[3]),
        ("name = 'O''Brien''s 50% off'", &[2]),
        ("due >= '2024-02-01'", &[2, 4]),
        ("priority gte 2 && priority lt 3", &[1]),
        ("name != \"Read\" || id eq 4", &[1, 2, 3, 4]),
    ];
    for (filter, expected) in cases {
        let query = format!("_table/todo?fields=id&filter={}", urlencode(filter));
        let reply = get(&app, &token, &query).await;
        assert_eq!(reply.status, StatusCode::OK, "{filter}: {}", reply.body);
        let ids: Vec<i64> = reply.body["resource"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        assert_eq!(&ids, expected, "{filter}");
    }
}

#[tokio::test]
async fn filter_params_bind_named_values() {
    let (app, token) = todo_app().await;
    let reply = get(
        &app,
        &token,
        "_table/todo?fields=id&filter=name%3D%3An&params[:n]=Read",
    )
    .await;
    assert_eq!(reply.body, json!({"resource":[{"id":4}]}));
}

#[tokio::test]
async fn injection_attempts_are_values_or_400s_never_sql() {
    let (app, token) = todo_app().await;
    let reply = get(
        &app,
        &token,
        &format!("_table/todo?filter={}", urlencode("name = 'x'' OR 1=1 --'")),
    )
    .await;
    assert_eq!(reply.body, json!({"resource": []}));
    for filter in [
        "name = 'x' or 1=1 --",
        "name = 'a'; DROP TABLE todo",
        "id = (select 1)",
        "lower(name) = 'read'",
        "id = 1 union select * from sqlite_master",
    ] {
        let reply = get(
            &app,
            &token,
            &format!("_table/todo?filter={}", urlencode(filter)),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{filter}: {}",
            reply.body
        );
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("Invalid or unparsable filter request"),
            "{filter}: {message}"
        );
    }
    let reply = get(&app, &token, "_table/todo?count_only=true").await;
    assert_eq!(reply.body, json!(4));
}

#[tokio::test]
async fn unknown_fields_are_400_with_dreamfactory_wording() {
    let (app, token) = todo_app().await;
    let reply = get(&app, &token, "_table/todo?filter=nope%3D1").await;
    assert_eq!(
        reply.body["error"]["message"],
        "Invalid or unparsable field in filter request: 'nope'"
    );
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = get(&app, &token, "_table/todo?fields=id,nope").await;
    assert_eq!(
        reply.body["error"]["message"],
        "Invalid field requested: nope"
    );
    let reply = get(&app, &token, "_table/todo?order=nope").await;
    assert_eq!(
        reply.body["error"]["message"],
        "Invalid field 'nope' in order by clause."
    );
    let reply = get(&app, &token, "_table/todo?order=id;drop").await;
    assert_eq!(
        reply.body["error"]["message"],
        "Invalid order by clause in request."
    );
    let reply = get(&app, &token, "_table/todo?filter=priority%3Dabc").await;
    assert_eq!(
        reply.body["error"]["message"],
        "Field 'priority' must be a valid integer."
    );
}

#[tokio::test]
async fn filter_bounds_are_enforced_before_any_work() {
    let (app, token) = todo_app().await;
    let long = format!("name = '{}'", "x".repeat(8000));
    let reply = get(
        &app,
        &token,
        &format!("_table/todo?filter={}", urlencode(&long)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let many = vec!["id = 1"; 201].join(" or ");
    let reply = get(
        &app,
        &token,
        &format!("_table/todo?filter={}", urlencode(&many)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let list = (0..1001)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let reply = get(
        &app,
        &token,
        &format!(
            "_table/todo?filter={}",
            urlencode(&format!("id in ({list})"))
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let ids = (0..1001)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let reply = get(&app, &token, &format!("_table/todo?ids={ids}")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}
