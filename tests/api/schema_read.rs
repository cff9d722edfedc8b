//! `GET /api/v2/{service}/_schema...` on the demo schema: listings, exact descriptors of a
//! few fields and relations, and the role's components and hidden fields.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, TestApp, df_error};

use crate::access::service_id;

/// A role on service `db` with the given `(component, verb_mask, hidden_fields)` rows.
async fn app_with_role(rows: &[(&str, u32, &[&str])]) -> (TestApp, String, i64) {
    let (app, admin) = TestApp::with_demo_service().await;
    let db = service_id(&app, &admin, "db").await;
    let access: Vec<Value> = rows
        .iter()
        .map(|(component, verbs, hidden)| {
            json!({"service_id": db, "component": component, "verb_mask": verbs,
                   "requestor_mask": 1, "filters": [], "filter_op": "AND",
                   "hidden_fields": hidden})
        })
        .collect();
    let role = json!({"name": "schema reader", "is_active": true,
                      "role_service_access_by_role_id": access});
    let role_id = app.create_role(&admin, role).await;
    let (_, key) = app.create_app(&admin, "schema", Some(role_id)).await;
    (app, key, db)
}

async fn get_key(app: &TestApp, key: &str, path: &str) -> sluice_tests::Reply {
    app.call(
        Method::GET,
        &format!("/api/v2/db/{path}"),
        Auth::key(key),
        None,
    )
    .await
}

fn contact_id_field() -> Value {
    json!({"alias": null, "name": "contact_id", "label": "Contact Id", "description": null,
           "native": [], "type": "reference", "db_type": "integer", "length": null,
           "precision": null, "scale": null, "default": null, "required": true,
           "allow_null": false, "fixed_length": false, "supports_multibyte": false,
           "auto_increment": false, "is_primary_key": false, "is_unique": false,
           "is_index": false, "is_foreign_key": true, "ref_table": "contact", "ref_field": "id",
           "ref_on_update": "NO ACTION", "ref_on_delete": "CASCADE", "picklist": null,
           "validation": null, "db_function": null, "is_virtual": false,
           "is_aggregate": false})
}

fn contact_by_contact_id(service: i64) -> Value {
    json!({"alias": null, "name": "contact_by_contact_id", "label": "Contact By Contact Id",
           "description": null, "native": [], "type": "belongs_to", "field": "contact_id",
           "is_virtual": false, "ref_service_id": service, "ref_table": "contact",
           "ref_field": "id", "ref_on_update": "NO ACTION", "ref_on_delete": "CASCADE",
           "junction_service_id": null, "junction_table": null, "junction_field": null,
           "junction_ref_field": null, "always_fetch": false, "flatten": false,
           "flatten_drop_prefix": false})
}

#[tokio::test]
async fn the_list_has_names_summaries_and_plain_names() {
    let (app, token) = TestApp::with_demo_service().await;
    let reply = app.get("/api/v2/db/_schema", &token).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["resource"][0], json!({"name": "contact"}));
    assert!(!reply.body.to_string().contains("sqlite_"));

    let reply = app.get("/api/v2/db/_schema?as_list=true", &token).await;
    assert_eq!(reply.body["resource"][1], json!("contact_group"));

    let reply = app.get("/api/v2/db/_schema?fields=*", &token).await;
    assert_eq!(
        reply.body["resource"][1],
        json!({"alias": null, "name": "contact_group", "label": "Contact Group",
               "description": null, "native": [], "plural": "Contact Groups",
               "is_view": false, "access": ["GET", "POST", "PUT", "PATCH", "DELETE"]})
    );

    let reply = app
        .get("/api/v2/db/_schema?ids=contact_group,departments", &token)
        .await;
    let tables = reply.body["resource"].as_array().expect("list");
    assert_eq!(tables.len(), 2);
    assert_eq!(tables[1]["name"], "departments");
    assert_eq!(tables[1]["primary_key"], json!(["dept_no"]));
}

#[tokio::test]
async fn a_table_descriptor_has_dreamfactory_keys_fields_and_relations() {
    let (app, token) = TestApp::with_demo_service().await;
    let db = service_id(&app, &token, "db").await;
    let reply = app.get("/api/v2/db/_schema/contact_info", &token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body = &reply.body;
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "alias",
        "name",
        "label",
        "description",
        "native",
        "plural",
        "is_view",
        "primary_key",
        "name_field",
        "field",
        "related",
        "constraints",
        "access",
    ];
    expected.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(body["label"], "Contact Info");
    assert_eq!(body["plural"], "Contact Infos");
    assert_eq!(body["primary_key"], json!(["id"]));
    assert_eq!(body["access"], 31);
    assert_eq!(body["field"][2], contact_id_field());
    assert_eq!(body["related"], json!([contact_by_contact_id(db)]));

    let id = &body["field"][0];
    assert_eq!(
        (&id["type"], &id["is_primary_key"], &id["required"]),
        (&json!("id"), &json!(true), &json!(false))
    );
    let unique = app
        .get("/api/v2/db/_schema/contact_group/_field/name", &token)
        .await;
    assert_eq!(unique.body["is_unique"], true);
    assert_eq!(unique.body["type"], "text");
    assert_eq!(unique.body["required"], true);
}

#[tokio::test]
async fn fields_and_relations_have_their_own_resources() {
    let (app, token) = TestApp::with_demo_service().await;
    let db = service_id(&app, &token, "db").await;
    let reply = app
        .get("/api/v2/db/_schema/contact_info/_field", &token)
        .await;
    assert_eq!(reply.body["resource"][2], contact_id_field());
    let reply = app
        .get("/api/v2/db/_schema/contact_info/_field/CONTACT_ID", &token)
        .await;
    assert_eq!(reply.body, contact_id_field());
    // The legacy form without `_field`.
    let reply = app
        .get("/api/v2/db/_schema/contact_info/contact_id", &token)
        .await;
    assert_eq!(reply.body, contact_id_field());

    let reply = app
        .get("/api/v2/db/_schema/contact_info/_related", &token)
        .await;
    assert_eq!(reply.body, json!({"resource": [contact_by_contact_id(db)]}));
    let reply = app
        .get(
            "/api/v2/db/_schema/contact_info/_related/contact_by_contact_id",
            &token,
        )
        .await;
    assert_eq!(reply.body, contact_by_contact_id(db));

    let reply = app.get("/api/v2/db/_schema/contact", &token).await;
    let related = reply.body["related"].as_array().expect("relations");
    let many = related
        .iter()
        .find(|r| r["name"] == "contact_group_by_contact_group_relationship")
        .expect("many_many");
    assert_eq!(many["type"], "many_many");
    assert_eq!(many["junction_service_id"], db);
    assert_eq!(many["junction_table"], "contact_group_relationship");
    assert_eq!(many["junction_field"], "contact_id");
    assert_eq!(many["junction_ref_field"], "contact_group_id");
}

#[tokio::test]
async fn missing_tables_fields_and_sqlite_internals_are_not_found() {
    let (app, token) = TestApp::with_demo_service().await;
    for path in [
        "_schema/nope",
        "_schema/sqlite_master",
        "_schema/sqlite_schema/_field",
        "_schema/contact/_field/nope",
        "_schema/contact/_related/nope",
    ] {
        let reply = app.get(&format!("/api/v2/db/{path}"), &token).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.body
        );
    }
    let reply = app.get("/api/v2/db/_schema/nope", &token).await;
    assert_eq!(
        reply.body,
        df_error(404, "Table \"nope\" does not exist in the database.")
    );
}

#[tokio::test]
async fn the_role_decides_tables_access_and_hidden_fields() {
    let (app, key, _) = app_with_role(&[
        ("_schema", 1, &[]),
        ("_schema/contact", 3, &[]),
        ("_schema/contact/*", 1, &[]),
        ("_table/contact", 1, &["notes", "skype"]),
    ])
    .await;
    let reply = get_key(&app, &key, "_schema").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"name": "contact"}]}));
    let reply = get_key(&app, &key, "_schema?fields=name,access").await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"name": "contact", "access": ["GET", "POST"]}]})
    );

    let reply = get_key(&app, &key, "_schema/contact").await;
    assert_eq!(reply.body["access"], 3);
    let names: Vec<&str> = reply.body["field"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["id", "first_name", "last_name", "image_url", "twitter"]
    );
    let reply = get_key(&app, &key, "_schema/contact/_field/notes").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Denied (401: an API key without a session, as for `_table`).
    let reply = get_key(&app, &key, "_schema/employees").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    let reply = get_key(&app, &key, "_schema?ids=employees").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
}
