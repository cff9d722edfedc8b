//! `_schema` and DreamFactory's types: every type round-trips through create and describe,
//! the server-filled types (`user_id_on_*`, `timestamp_on_*`) take the user and the time on
//! writes, and picklists are enforced, described and documented.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, TestApp, df_error};

use crate::schema_alter::{call, field, refused};

#[tokio::test]
async fn server_filled_fields_take_the_user_and_the_time() {
    let (app, token) = TestApp::with_demo_service().await;
    call(
        &app,
        &token,
        Method::POST,
        "_schema",
        json!([{"name": "note", "field": [
            {"name": "id", "type": "id"},
            {"name": "body", "type": "text"},
            {"name": "created_by", "type": "user_id_on_create", "allow_null": true},
            {"name": "updated_by", "type": "user_id_on_update", "allow_null": true},
            {"name": "created_at", "type": "timestamp_on_create"},
            {"name": "updated_at", "type": "timestamp_on_update"}
        ]}]),
    )
    .await;
    let schema = app.get("/api/v2/db/_schema/note", &token).await.body;
    for (name, df_type) in [
        ("created_by", "user_id_on_create"),
        ("updated_by", "user_id_on_update"),
        ("created_at", "timestamp_on_create"),
        ("updated_at", "timestamp_on_update"),
    ] {
        assert_eq!(field(&schema, name)["type"], df_type, "{name}");
    }
    let admin_id = app
        .get(
            "/api/v2/system/admin?filter=email%3Dadmin%40example.com",
            &token,
        )
        .await
        .body["resource"][0]["id"]
        .clone();

    // Client values for server-filled fields are ignored.
    let created = call(
        &app,
        &token,
        Method::POST,
        "_table/note?fields=*",
        json!({"resource": [{"body": "hi", "created_by": 999, "updated_by": 999,
                              "created_at": "1999-01-01 00:00:00"}]}),
    )
    .await;
    let note = &created["resource"][0];
    assert_eq!(
        (&note["created_by"], &note["updated_by"]),
        (&admin_id, &admin_id)
    );
    let stamp = note["created_at"].as_str().expect("a timestamp").to_owned();
    assert_eq!(stamp.len(), "2026-01-01 00:00:00".len(), "{stamp}");
    assert!(stamp.as_str() > "2026-01-01", "{stamp}");

    // An update by another user changes only the on_update fields.
    let user = app
        .create_user(&token, "writer@example.com", "a long password 1", "Writer")
        .await;
    let role = app
        .create_role(
            &token,
            json!({"name": "writers", "is_active": true, "role_service_access_by_role_id": [
                {"service_id": crate::access::service_id(&app, &token, "db").await,
                 "component": "_table/*", "verb_mask": 31, "requestor_mask": 1}]}),
        )
        .await;
    let (_, key) = app.create_app(&token, "notes", Some(role)).await;
    let writer = app
        .user_login("writer@example.com", "a long password 1", Some(&key))
        .await;
    let reply = app
        .call(
            Method::PATCH,
            "/api/v2/db/_table/note/1?fields=*",
            Auth::both(&writer, &key),
            Some(json!({"body": "edited", "created_by": 5})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        (
            &reply.body["body"],
            &reply.body["created_by"],
            &reply.body["updated_by"],
            &reply.body["created_at"]
        ),
        (&json!("edited"), &admin_id, &json!(user), &json!(stamp))
    );
    assert!(reply.body["updated_at"].as_str().unwrap() >= stamp.as_str());
}

#[tokio::test]
async fn picklists_are_enforced_described_and_documented() {
    let (app, token) = TestApp::with_demo_service().await;
    call(
        &app,
        &token,
        Method::POST,
        "_schema",
        json!([{"name": "ticket", "field": [
            {"name": "id", "type": "id"},
            {"name": "state", "type": "string", "length": 10, "picklist": ["open", "closed"]},
            {"name": "size", "type": "string", "allow_null": true, "picklist": "S, M"}
        ]}]),
    )
    .await;
    let ticket = app.get("/api/v2/db/_schema/ticket", &token).await.body;
    assert_eq!(
        field(&ticket, "state")["picklist"],
        json!(["open", "closed"])
    );
    assert_eq!(field(&ticket, "size")["picklist"], json!(["S", "M"]));
    assert_eq!(field(&ticket, "id")["picklist"], Value::Null);

    call(
        &app,
        &token,
        Method::POST,
        "_table/ticket",
        json!({"resource": [{"state": "open", "size": "M"}]}),
    )
    .await;
    let body = refused(
        &app,
        &token,
        Method::POST,
        "_table/ticket",
        json!({"resource": [{"state": "lost"}]}),
    )
    .await;
    assert_eq!(
        body["error"]["context"]["resource"][0],
        df_error(400, "Record violates a check constraint of table 'ticket'.")["error"]
    );

    let doc = app.get("/api/v2/api_docs/db", &token).await.body;
    let properties = &doc["components"]["schemas"]["ticket.Record"]["properties"];
    assert_eq!(properties["state"]["enum"], json!(["open", "closed"]));
    assert_eq!(properties["size"]["enum"], json!(["S", "M", null]));

    // A rebuild carries the picklists over; a new picklist replaces the old.
    call(
        &app,
        &token,
        Method::PATCH,
        "_schema/ticket/_field/size",
        json!({"length": 4, "picklist": ["S", "M", "L"]}),
    )
    .await;
    let ticket = app.get("/api/v2/db/_schema/ticket", &token).await.body;
    assert_eq!(
        field(&ticket, "state")["picklist"],
        json!(["open", "closed"])
    );
    assert_eq!(field(&ticket, "size")["picklist"], json!(["S", "M", "L"]));
    refused(
        &app,
        &token,
        Method::POST,
        "_table/ticket",
        json!({"resource": [{"state": "lost"}]}),
    )
    .await;
    call(
        &app,
        &token,
        Method::POST,
        "_table/ticket",
        json!({"resource": [{"state": "closed", "size": "L"}]}),
    )
    .await;
    for bad in [json!([]), json!([1, 2]), json!({"a": 1})] {
        refused(
            &app,
            &token,
            Method::POST,
            "_schema",
            json!([{"name": "bad", "field": [{"name": "x", "type": "string", "picklist": bad}]}]),
        )
        .await;
    }
}

#[tokio::test]
async fn every_dreamfactory_type_round_trips_through_describe() {
    let (app, token) = TestApp::with_demo_service().await;
    // (type written, type described, db_type described)
    let types = [
        ("id", "id", "integer"),
        ("string", "string", "varchar(255)"),
        ("text", "text", "text"),
        ("integer", "integer", "integer"),
        ("bigint", "bigint", "bigint"),
        ("smallint", "integer", "smallint"),
        ("boolean", "boolean", "tinyint(1)"),
        ("money", "decimal", "decimal(19,4)"),
        ("decimal", "decimal", "decimal(10,0)"),
        ("float", "float", "float"),
        ("double", "double", "double"),
        ("date", "date", "date"),
        ("time", "time", "time"),
        ("datetime", "datetime", "datetime"),
        ("timestamp", "timestamp", "timestamp"),
        ("binary", "binary", "blob"),
        ("uuid", "string", "varchar(36)"),
        ("json", "text", "text"),
        ("reference", "reference", "integer"),
        ("user_id", "user_id", "user_id"),
        (
            "user_id_on_create",
            "user_id_on_create",
            "user_id_on_create",
        ),
        (
            "user_id_on_update",
            "user_id_on_update",
            "user_id_on_update",
        ),
        (
            "timestamp_on_create",
            "timestamp_on_create",
            "timestamp_on_create",
        ),
        (
            "timestamp_on_update",
            "timestamp_on_update",
            "timestamp_on_update",
        ),
    ];
    let fields: Vec<Value> = types
        .iter()
        .map(|(df_type, _, _)| {
            json!({"name": format!("f_{df_type}"), "type": df_type, "allow_null": true,
                   "ref_table": if *df_type == "reference" { json!("contact") } else { json!(null) }})
        })
        .map(|mut f| {
            if f["ref_table"].is_null() {
                f.as_object_mut().unwrap().remove("ref_table");
            }
            f
        })
        .collect();
    call(
        &app,
        &token,
        Method::POST,
        "_schema",
        json!([{"name": "every_type", "field": fields}]),
    )
    .await;
    let table = app.get("/api/v2/db/_schema/every_type", &token).await.body;
    let expected: Vec<(String, Value, Value)> = types
        .iter()
        .map(|(df_type, described, db_type)| {
            ((*df_type).to_owned(), json!(described), json!(db_type))
        })
        .collect();
    let actual: Vec<(String, Value, Value)> = types
        .iter()
        .map(|(df_type, _, _)| {
            let described = field(&table, &format!("f_{df_type}"));
            (
                (*df_type).to_owned(),
                described["type"].clone(),
                described["db_type"].clone(),
            )
        })
        .collect();
    assert_eq!(actual, expected);
    // Each type can be changed into another by a rebuild, rows kept.
    call(
        &app,
        &token,
        Method::POST,
        "_table/every_type",
        json!({"resource": [{"f_string": "12", "f_integer": 7}]}),
    )
    .await;
    call(
        &app,
        &token,
        Method::PATCH,
        "_schema/every_type/_field",
        json!([{"name": "f_string", "type": "integer"}, {"name": "f_integer", "type": "string",
                "length": 5}]),
    )
    .await;
    let rows = app
        .get(
            "/api/v2/db/_table/every_type?fields=f_string,f_integer",
            &token,
        )
        .await
        .body;
    assert_eq!(
        rows["resource"],
        json!([{"f_string": 12, "f_integer": "7"}])
    );
}
