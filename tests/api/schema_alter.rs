//! `_schema` changes beyond add / rename / drop: a field's type, nullability or default
//! changed by rebuilding the table (rows, keys, indexes and references kept; a failure
//! changes nothing), table-level PUT / PATCH / POST, and the server-filled DreamFactory
//! types (`user_id_on_*`, `timestamp_on_*`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::database::{integrity_check, rows};
use sluice_tests::{Auth, TestApp, df_error};

/// The body of a request to the `db` service that must answer `status`.
async fn expect(
    app: &TestApp,
    token: &str,
    status: StatusCode,
    (method, path): (Method, &str),
    body: Value,
) -> Value {
    let reply = app
        .call(
            method,
            &format!("/api/v2/db/{path}"),
            Auth::token(token),
            Some(body),
        )
        .await;
    assert_eq!(reply.status, status, "{path}: {}", reply.body);
    reply.body
}

async fn call(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    expect(app, token, StatusCode::OK, (method, path), body).await
}

async fn refused(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    expect(app, token, StatusCode::BAD_REQUEST, (method, path), body).await
}

fn field<'t>(table: &'t Value, name: &str) -> &'t Value {
    table["field"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name} in {table}"))
}

/// `item`: an AUTOINCREMENT key, a reference to `contact`, a text column holding numbers,
/// and three rows.
async fn item_table(app: &TestApp, token: &str) {
    call(
        app,
        token,
        Method::POST,
        "_schema",
        json!([{"name": "item", "field": [
            {"name": "id", "type": "id"},
            {"name": "code", "type": "string", "length": 10, "is_unique": true},
            {"name": "qty", "type": "string", "length": 20, "allow_null": true},
            {"name": "owner", "type": "reference", "ref_table": "contact", "ref_field": "id",
             "allow_null": true}
        ]}]),
    )
    .await;
    call(
        app,
        token,
        Method::POST,
        "_table/item",
        json!({"resource": [
            {"code": "a", "qty": "5", "owner": 1},
            {"code": "b", "qty": "12", "owner": 2},
            {"code": "c", "qty": null, "owner": null}
        ]}),
    )
    .await;
}

#[tokio::test]
async fn a_type_change_rebuilds_the_table_and_keeps_its_rows_and_keys() {
    let (app, token) = TestApp::with_demo_service().await;
    item_table(&app, &token).await;

    // NOT NULL with a null in the rows: refused, nothing changed.
    let before = app.get("/api/v2/db/_schema/item", &token).await.body;
    let body = refused(
        &app,
        &token,
        Method::PATCH,
        "_schema/item/_field/qty",
        json!({"type": "integer", "allow_null": false}),
    )
    .await;
    assert!(!body.to_string().contains("CREATE"), "{body}");
    assert_eq!(
        app.get("/api/v2/db/_schema/item?refresh=true", &token)
            .await
            .body,
        before
    );

    let changed = call(
        &app,
        &token,
        Method::PATCH,
        "_schema/item/_field/qty",
        json!({"name": "quantity", "type": "integer", "allow_null": true, "default": 0}),
    )
    .await;
    assert_eq!(changed, json!({"success": true}));
    let item = app.get("/api/v2/db/_schema/item", &token).await.body;
    let quantity = field(&item, "quantity");
    assert_eq!(
        (
            &quantity["type"],
            &quantity["default"],
            &quantity["allow_null"]
        ),
        (&json!("integer"), &json!(0), &json!(true))
    );
    // The untouched fields keep their keys and references.
    assert_eq!(field(&item, "id")["auto_increment"], true);
    assert_eq!(field(&item, "code")["is_unique"], true);
    assert_eq!(field(&item, "owner")["ref_table"], "contact");
    assert_eq!(item["related"][0]["name"], "contact_by_owner");

    // Rows copied, numbers stored as numbers now, ids kept and continued.
    let rows = app
        .get(
            "/api/v2/db/_table/item?fields=id,code,quantity,owner",
            &token,
        )
        .await
        .body;
    assert_eq!(
        rows["resource"],
        json!([
            {"id": 1, "code": "a", "quantity": 5, "owner": 1},
            {"id": 2, "code": "b", "quantity": 12, "owner": 2},
            {"id": 3, "code": "c", "quantity": null, "owner": null}
        ])
    );
    let created = call(
        &app,
        &token,
        Method::POST,
        "_table/item",
        json!({"resource": [{"code": "d"}]}),
    )
    .await;
    assert_eq!(created["resource"][0]["id"], 4);
    // The unique constraint survived the copy.
    let duplicate = app
        .call(
            Method::POST,
            "/api/v2/db/_table/item",
            Auth::token(&token),
            Some(json!({"resource": [{"code": "a"}]})),
        )
        .await;
    assert_eq!(
        duplicate.status,
        StatusCode::BAD_REQUEST,
        "{}",
        duplicate.body
    );
    assert_eq!(integrity_check(&app.demo_path()), "ok");
}

#[tokio::test]
async fn rebuilding_a_referenced_table_keeps_the_rows_referring_to_it() {
    let (app, token) = TestApp::with_demo_service().await;
    let count = "SELECT COUNT(*) FROM contact_info";
    let infos = rows(&app.demo_path(), count);
    assert_ne!(infos, json!([[0]]));
    let before = app.get("/api/v2/db/_schema/contact", &token).await.body;
    let notes = field(&before, "notes").clone();
    call(
        &app,
        &token,
        Method::PUT,
        "_schema/contact/_field/notes",
        json!({"type": "string", "length": 2000, "allow_null": true}),
    )
    .await;
    let after = app.get("/api/v2/db/_schema/contact", &token).await.body;
    assert_eq!(field(&after, "notes")["db_type"], "varchar(2000)");
    assert_ne!(field(&after, "notes"), &notes);
    // contact_info rows point at contacts with ON DELETE CASCADE: dropping the old table
    // must not have deleted them.
    assert_eq!(rows(&app.demo_path(), count), infos);
    assert_eq!(before["related"], after["related"]);
    assert_eq!(integrity_check(&app.demo_path()), "ok");
}

#[tokio::test]
async fn a_change_that_breaks_a_reference_changes_nothing() {
    let (app, token) = TestApp::with_demo_service().await;
    item_table(&app, &token).await;
    // Owners 1 and 2 are contacts, not contact groups 1000 and up.
    call(
        &app,
        &token,
        Method::POST,
        "_schema",
        json!([{"name": "bucket", "field": [{"name": "id", "type": "id"}]}]),
    )
    .await;
    let body = refused(
        &app,
        &token,
        Method::PATCH,
        "_schema/item/_field/owner",
        json!({"ref_table": "bucket"}),
    )
    .await;
    assert_eq!(
        body,
        df_error(
            400,
            "The change breaks a foreign key of existing records; nothing was changed."
        )
    );
    let item = app
        .get("/api/v2/db/_schema/item?refresh=true", &token)
        .await
        .body;
    assert_eq!(field(&item, "owner")["ref_table"], "contact");
    assert_eq!(integrity_check(&app.demo_path()), "ok");
}

#[tokio::test]
async fn table_level_put_patch_and_post() {
    let (app, token) = TestApp::with_demo_service().await;
    item_table(&app, &token).await;

    // PATCH /_schema changes listed fields, adds new ones and creates missing tables.
    let reply = call(
        &app,
        &token,
        Method::PATCH,
        "_schema",
        json!({"resource": [
            {"name": "item", "field": [
                {"name": "code", "type": "string", "length": 40, "is_unique": true},
                {"name": "note", "type": "text", "allow_null": true}]},
            {"name": "shelf", "field": [{"name": "id", "type": "id"},
                                        {"name": "label", "type": "string"}]}
        ]}),
    )
    .await;
    assert_eq!(
        reply,
        json!({"resource": [{"name": "item"}, {"name": "shelf"}]})
    );
    let item = app.get("/api/v2/db/_schema/item", &token).await.body;
    assert_eq!(field(&item, "code")["length"], 40);
    let names: Vec<&str> = item["field"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["id", "code", "qty", "owner", "note"]);
    assert_eq!(
        app.get("/api/v2/db/_schema/shelf", &token).await.status,
        StatusCode::OK
    );

    // POST /_schema/{table} adds only what is missing; the table must exist.
    call(
        &app,
        &token,
        Method::POST,
        "_schema/item",
        json!({"field": [{"name": "code", "type": "integer"},
                         {"name": "weight", "type": "float", "allow_null": true}]}),
    )
    .await;
    let item = app.get("/api/v2/db/_schema/item", &token).await.body;
    assert_eq!(field(&item, "code")["type"], "string");
    assert_eq!(field(&item, "weight")["type"], "float");
    let missing = app
        .call(
            Method::POST,
            "/api/v2/db/_schema/nothing",
            Auth::token(&token),
            Some(json!({"field": [{"name": "x", "type": "integer"}]})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // PUT /_schema/{table} keeps only the fields it lists.
    call(
        &app,
        &token,
        Method::PUT,
        "_schema/item",
        json!({"field": [{"name": "id"}, {"name": "code"}, {"name": "owner"}]}),
    )
    .await;
    let rows = app.get("/api/v2/db/_table/item", &token).await.body;
    assert_eq!(
        rows["resource"][0],
        json!({"id": 1, "code": "a", "owner": 1})
    );
    assert_eq!(integrity_check(&app.demo_path()), "ok");
}

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
