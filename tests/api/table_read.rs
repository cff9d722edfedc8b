//! `GET /api/v2/{service}/_table...`: every read parameter, value typing, meta, errors.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{TestApp, df_error};

pub async fn todo_app() -> (TestApp, String) {
    TestApp::with_todo_service(json!({})).await
}

pub async fn get(app: &TestApp, token: &str, path_and_query: &str) -> sluice_tests::Reply {
    app.get(&format!("/api/v2/db/{path_and_query}"), token)
        .await
}

fn names(body: &Value) -> Vec<String> {
    body["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_service_root_lists_schema_and_table() {
    let (app, token) = todo_app().await;
    let reply = app.get("/api/v2/db", &token).await;
    assert_eq!(
        reply.body,
        json!({"resource":[{"name":"_schema"},{"name":"_table"}]})
    );
}

#[tokio::test]
async fn table_listing_shows_tables_and_views_but_never_sqlite_internals() {
    let (app, token) = todo_app().await;
    let reply = get(&app, &token, "_table").await;
    assert_eq!(
        names(&reply.body),
        [
            "contact",
            "contact_group",
            "contact_group_relationship",
            "contact_info",
            "departments",
            "dept_manager",
            "done",
            "employees",
            "todo"
        ]
    );
    assert_eq!(reply.body["resource"][0], json!({"name":"contact"}));
    let reply = get(&app, &token, "_table?as_list=true&ids=todo,done").await;
    assert_eq!(reply.body, json!({"resource":["done","todo"]}));
    let reply = get(&app, &token, "_table?fields=*&ids=contact_info").await;
    assert_eq!(reply.body["resource"][0]["label"], "Contact Info");
    assert_eq!(reply.body["resource"][0]["name"], "contact_info");
    let reply = get(&app, &token, "_table/sqlite_master").await;
    assert_eq!(
        reply.body,
        df_error(
            404,
            "Table \"sqlite_master\" does not exist in the database."
        )
    );
}

#[tokio::test]
async fn a_plain_read_returns_every_row_typed_by_column() {
    let (app, token) = todo_app().await;
    let reply = get(&app, &token, "_table/todo").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({"resource":[
            {"id":1,"name":"Buy milk","complete":false,"priority":2,"score":1.5,"note":null,"data":null,"due":"2024-01-05"},
            {"id":2,"name":"O'Brien's 50% off","complete":true,"priority":1,"score":2.0,"note":"text","data":"AP8=","due":"2024-02-01"},
            {"id":3,"name":"Walk_dog","complete":false,"priority":3,"score":null,"note":42,"data":null,"due":null},
            {"id":4,"name":"Read","complete":true,"priority":null,"score":3.25,"note":1.5,"data":null,"due":"2024-03-10"}
        ]})
    );
}

#[tokio::test]
async fn table_names_match_case_insensitively_and_keep_db_spelling() {
    let (app, token) = todo_app().await;
    let reply = get(&app, &token, "_table/TODO?fields=ID,Name&limit=1").await;
    assert_eq!(reply.body, json!({"resource":[{"id":1,"name":"Buy milk"}]}));
}

#[tokio::test]
async fn views_are_readable_like_tables() {
    let (app, token) = todo_app().await;
    let reply = get(&app, &token, "_table/done").await;
    assert_eq!(
        reply.body,
        json!({"resource":[{"id":2,"name":"O'Brien's 50% off"},{"id":4,"name":"Read"}]})
    );
}

#[tokio::test]
async fn fields_limit_offset_and_order_shape_the_page() {
    let (app, token) = todo_app().await;
    let reply = get(&app, &token, "_table/todo?fields=id,name&limit=2&offset=1").await;
    assert_eq!(
        reply.body,
        json!({"resource":[{"id":2,"name":"O'Brien's 50% off"},{"id":3,"name":"Walk_dog"}]})
    );
    let reply = get(
        &app,
        &token,
        "_table/todo?fields=id&order=complete%20desc,id%20desc",
    )
    .await;
    assert_eq!(
        reply.body,
        json!({"resource":[{"id":4},{"id":2},{"id":3},{"id":1}]})
    );
    let reply = get(
        &app,
        &token,
        "_table/todo?fields=id&order=priority%20asc%20nulls%20last",
    )
    .await;
    assert_eq!(
        reply.body,
        json!({"resource":[{"id":2},{"id":1},{"id":3},{"id":4}]})
    );
    let reply = get(&app, &token, "_table/todo?fields=&limit=1").await;
    assert_eq!(reply.body, json!({"resource":[{"id":1}]}));
}

#[tokio::test]
async fn include_count_count_only_and_the_default_limit_follow_dreamfactory_meta() {
    let (app, token) = TestApp::with_todo_service(json!({"max_records": 3})).await;
    let reply = get(&app, &token, "_table/todo?fields=id").await;
    assert_eq!(
        reply.body,
        json!({"resource":[{"id":1},{"id":2},{"id":3}],"meta":{"count":4,"next":3}})
    );
    let reply = get(
        &app,
        &token,
        "_table/todo?fields=id&limit=2&include_count=true",
    )
    .await;
    assert_eq!(
        reply.body,
        json!({"resource":[{"id":1},{"id":2}],"meta":{"count":4,"next":2}})
    );
    let reply = get(&app, &token, "_table/todo?fields=id&limit=2").await;
    assert_eq!(reply.body, json!({"resource":[{"id":1},{"id":2}]}));
    let reply = get(
        &app,
        &token,
        "_table/todo?count_only=true&filter=complete%3Dtrue",
    )
    .await;
    assert_eq!(reply.body, json!(2));
    let reply = get(
        &app,
        &token,
        "_table/todo?fields=id&filter=id%3D99&include_count=true",
    )
    .await;
    assert_eq!(reply.body, json!({"resource":[],"meta":{"count":0}}));
    let reply = get(&app, &token, "_table/todo?fields=id&limit=1000").await;
    assert_eq!(reply.body["resource"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn bad_paging_values_are_400() {
    let (app, token) = todo_app().await;
    assert_eq!(
        get(&app, &token, "_table/todo?offset=-1").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&app, &token, "_table/todo?limit=abc").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&app, &token, "_table/todo?offset=abc").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn ids_read_several_records_and_report_missing_ones() {
    let (app, token) = todo_app().await;
    let reply = get(&app, &token, "_table/todo?ids=3,1&fields=id").await;
    assert_eq!(reply.body, json!({"resource":[{"id":3},{"id":1}]}));
    let reply = get(&app, &token, "_table/todo?ids=1,9&fields=id").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["error"]["code"], 1000);
    let reply = get(&app, &token, "_table/todo?ids=").await;
    assert_eq!(
        reply.body["error"]["message"],
        "The request contains no valid identifiers."
    );
    let reply = get(&app, &token, "_table/todo?ids=abc").await;
    assert_eq!(
        reply.body["error"]["message"],
        "Field 'id' must be a valid integer."
    );
}

#[tokio::test]
async fn a_record_by_id_is_a_bare_object_or_404() {
    let (app, token) = todo_app().await;
    let reply = get(&app, &token, "_table/todo/4?fields=id,name").await;
    assert_eq!(reply.body, json!({"id":4,"name":"Read"}));
    let reply = get(&app, &token, "_table/todo/99").await;
    assert_eq!(
        reply.body,
        df_error(404, "Record with identifier '99' not found.")
    );
}

#[tokio::test]
async fn group_with_aggregates_counts_per_group() {
    let (app, token) = todo_app().await;
    let reply = get(
        &app,
        &token,
        "_table/todo?group=complete&fields=complete,COUNT(*)&order=complete",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource":[{"complete":false,"COUNT_ALL":2},{"complete":true,"COUNT_ALL":2}]})
    );
}

#[tokio::test]
async fn include_schema_adds_the_table_descriptor() {
    let (app, token) = todo_app().await;
    let reply = get(&app, &token, "_table/todo?include_schema=true&limit=1").await;
    let schema = &reply.body["meta"]["schema"];
    assert_eq!(schema["name"], "todo");
    let fields: Vec<&str> = schema["field"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "id", "name", "complete", "priority", "score", "note", "data", "due"
        ]
    );
}

#[tokio::test]
async fn options_in_a_tunnelled_post_body_work_like_a_get() {
    let (app, token) = todo_app().await;
    let response = app
        .client
        .post(format!("{}/api/v2/db/_table/todo?limit=1", app.url))
        .header("X-DreamFactory-Session-Token", &token)
        .header("X-HTTP-Method", "GET")
        .json(&json!({"filter": "complete = true", "fields": ["id", "name"], "limit": 5}))
        .send()
        .await
        .unwrap();
    let reply = TestApp::reply(response).await;
    assert_eq!(
        reply.body,
        json!({"resource":[{"id":2,"name":"O'Brien's 50% off"}]})
    );
}

#[tokio::test]
async fn unknown_tables_and_resources_are_404() {
    let (app, token) = todo_app().await;
    let reply = get(&app, &token, "_table/nope").await;
    assert_eq!(
        reply.body,
        df_error(404, "Table \"nope\" does not exist in the database.")
    );
    let reply = get(&app, &token, "_proc").await;
    assert_eq!(
        reply.body,
        df_error(404, "Resource '_proc' not found for service 'db'.")
    );
    let reply = app.get("/api/v2/nope/_table", &token).await;
    assert_eq!(
        reply.body,
        df_error(404, "Could not find a service for nope")
    );
}

#[tokio::test]
async fn an_unknown_resource_is_named_whatever_the_service_is_called() {
    let (app, token) = TestApp::with_demo_service().await;
    let reply = app
        .send(Method::POST, "/api/v2/system/service", Some(&token),
            Some(json!({"resource":[{"name":"api","type":"sqlite","config":{"database":"demo.sqlite"}}]})))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    for path in ["/api/v2/api/_proc", "/api/api/_proc/x"] {
        let reply = app.get(path, &token).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            reply.body,
            df_error(404, "Resource '_proc' not found for service 'api'."),
            "{path}"
        );
    }
}

#[tokio::test]
async fn reads_need_credentials() {
    let (app, _) = todo_app().await;
    let reply = app
        .send(Method::GET, "/api/v2/db/_table/todo", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("No session token (JWT) or API Key detected")
    );
}

#[tokio::test]
async fn the_unversioned_prefix_and_trailing_slashes_work() {
    let (app, token) = todo_app().await;
    let reply = app
        .get("/api/db/_table/todo/?fields=id&limit=1", &token)
        .await;
    assert_eq!(reply.body, json!({"resource":[{"id":1}]}));
}

/// The examples of the guide's "Interacting with the API" section, on the demo's employees.
#[tokio::test]
async fn the_guides_examples_work_on_the_demo_employees() {
    let (app, token) = todo_app().await;
    let reply = get(&app, &token, "_table/employees?limit=10").await;
    assert_eq!(reply.body["resource"].as_array().unwrap().len(), 10);
    let reply = get(
        &app,
        &token,
        "_table/employees?limit=10&offset=10&fields=id",
    )
    .await;
    assert_eq!(reply.body["resource"][0]["id"], 11);
    let reply = get(
        &app,
        &token,
        "_table/employees?order=id%20desc&limit=1&fields=id",
    )
    .await;
    assert_eq!(reply.body, json!({"resource":[{"id":100000}]}));
    let reply = get(&app, &token, "_table/employees?fields=id,last_name&limit=1").await;
    assert_eq!(reply.body["resource"][0].as_object().unwrap().len(), 2);
    let reply = get(
        &app,
        &token,
        "_table/employees?filter=gender%3D'M'&limit=5&fields=gender",
    )
    .await;
    assert!(
        reply.body["resource"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["gender"] == "M")
    );
    let reply = get(
        &app,
        &token,
        "_table/employees?filter=last_name%20like%20'G%25'&order=id&limit=20&fields=id,last_name",
    )
    .await;
    let rows = reply.body["resource"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["last_name"].as_str().unwrap().starts_with('G'))
    );
    assert!(
        rows.windows(2)
            .all(|w| w[0]["id"].as_i64() < w[1]["id"].as_i64())
    );
    let reply = get(&app, &token, "_table/employees/5?fields=id").await;
    assert_eq!(reply.body, json!({"id":5}));
    let reply = get(&app, &token, "_table/employees?fields=id").await;
    assert_eq!(reply.body["meta"], json!({"count":100000,"next":1000}));
}

pub fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
