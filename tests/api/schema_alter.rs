//! `_schema` changes beyond add / rename / drop: a field's type, nullability or default
//! changed by rebuilding the table (rows, keys, indexes and references kept; a failure
//! changes nothing), and table-level PUT / PATCH / POST.

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

pub async fn call(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    expect(app, token, StatusCode::OK, (method, path), body).await
}

pub async fn refused(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    expect(app, token, StatusCode::BAD_REQUEST, (method, path), body).await
}

pub fn field<'t>(table: &'t Value, name: &str) -> &'t Value {
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
