//! The in-memory listings (`GET /{service}/_table`, `GET /{service}/_schema`, `/system/*`,
//! `GET /user/custom`): one inflector for labels and plurals, and the same list options
//! behaving the same on each (docs/COMPATIBILITY.md, "Listings").

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Reply, TestApp, df_error};

const FIXTURE: &str = "CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE child (id INTEGER PRIMARY KEY, person_id INTEGER REFERENCES person (id));
CREATE TABLE order_status (id INTEGER PRIMARY KEY);";

async fn app() -> (TestApp, String) {
    TestApp::with_tables(TestApp::spawn().await, json!({}), FIXTURE).await
}

/// The item named `name` of a wrapped list.
fn item<'a>(reply: &'a Reply, name: &str) -> &'a Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["resource"]
        .as_array()
        .expect("a wrapped list")
        .iter()
        .find(|item| item["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {}", reply.body))
}

#[tokio::test]
async fn tables_and_schemas_agree_on_labels_and_irregular_plurals() {
    let (app, admin) = app().await;
    let tables = app.get("/api/v2/db/_table?fields=*", &admin).await;
    let schemas = app.get("/api/v2/db/_schema?fields=*", &admin).await;
    for (name, label, plural) in [
        ("person", "Person", "People"),
        ("child", "Child", "Children"),
        ("order_status", "Order Status", "Order Statuses"),
    ] {
        let table = item(&tables, name);
        assert_eq!(
            table,
            &json!({"name": name, "label": label, "description": null, "native": [],
                    "plural": plural, "is_view": false,
                    "access": ["GET", "POST", "PUT", "PATCH", "DELETE"]})
        );
        let mut schema = item(&schemas, name).clone();
        assert_eq!(schema["alias"], Value::Null);
        schema.as_object_mut().expect("object").remove("alias");
        assert_eq!(
            &schema, table,
            "the _schema item is the _table item plus alias"
        );

        let descriptor = app.get(&format!("/api/v2/db/_schema/{name}"), &admin).await;
        assert_eq!(descriptor.status, StatusCode::OK, "{}", descriptor.body);
        assert_eq!(descriptor.body["label"], label);
        assert_eq!(descriptor.body["plural"], plural);
    }
    let meta = app
        .get("/api/v2/db/_table/person?include_schema=true", &admin)
        .await;
    assert_eq!(meta.body["meta"]["schema"]["plural"], "People");
}

/// Stores three values for the signed-in administrator under `/user/custom`.
async fn store_custom_values(app: &TestApp, admin: &str) {
    let values = json!({"resource": [{"name": "alpha", "value": "1"},
                                     {"name": "beta", "value": "2"},
                                     {"name": "gamma", "value": "3"}]});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/user/custom",
            Some(admin),
            Some(values),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

/// Each listing, a query that selects three of its records, and their keys in their default
/// order, which is also `name` order here.
async fn listings(app: &TestApp, admin: &str) -> Vec<(&'static str, Vec<Value>)> {
    let mut role_ids = Vec::new();
    for name in ["alpha", "beta", "gamma"] {
        role_ids.push(json!(app.create_role(admin, json!({"name": name})).await));
    }
    store_custom_values(app, admin).await;
    let tables = vec![json!("child"), json!("order_status"), json!("person")];
    vec![
        (
            "/api/v2/db/_table?ids=child,order_status,person",
            tables.clone(),
        ),
        (
            "/api/v2/db/_schema?filter=name%20in%20('child','order_status','person')",
            tables,
        ),
        (
            "/api/v2/system/role?filter=name%20in%20('alpha','beta','gamma')",
            role_ids,
        ),
        (
            "/api/v2/user/custom?ids=alpha,beta,gamma",
            vec![json!("alpha"), json!("beta"), json!("gamma")],
        ),
    ]
}

#[tokio::test]
async fn the_same_list_options_behave_the_same_on_every_listing() {
    let (app, admin) = app().await;
    for (list, keys) in listings(&app, &admin).await {
        let get = |options: &str| {
            let url = format!("{list}&{options}");
            let (app, admin) = (&app, &admin);
            async move { app.get(&url, admin).await }
        };

        let reply = get("as_list=true").await;
        assert_eq!(reply.body, json!({"resource": keys}), "{list} as_list");

        let reply = get("as_list=true&limit=1&offset=1&include_count=true").await;
        assert_eq!(
            reply.body,
            json!({"resource": [keys[1]], "meta": {"count": 3}}),
            "{list} limit/offset"
        );

        let reply = get("fields=name&limit=1").await;
        let first = reply.body["resource"][0].as_object().expect("a record");
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            ["name"],
            "{list} fields=name"
        );

        let reply = get("as_list=true&order=name%20desc").await;
        let reversed: Vec<Value> = keys.iter().rev().cloned().collect();
        assert_eq!(reply.body, json!({"resource": reversed}), "{list} order");

        let reply = get("count_only=true").await;
        assert_eq!(reply.body, json!(3), "{list} count_only");

        let reply = get("fields=nope").await;
        assert_eq!(
            (reply.status, reply.body),
            (
                StatusCode::BAD_REQUEST,
                df_error(400, "Invalid field requested: nope")
            ),
            "{list} unknown field"
        );

        let reply = get("limit=many").await;
        assert_eq!(
            reply.body,
            df_error(400, "The limit parameter must be an integer."),
            "{list} bad limit"
        );
    }
}

#[tokio::test]
async fn table_listings_show_only_names_by_default_and_key_only_for_empty_fields() {
    let (app, admin) = app().await;
    let reply = app.get("/api/v2/db/_table?ids=person", &admin).await;
    assert_eq!(reply.body, json!({"resource": [{"name": "person"}]}));
    let reply = app
        .get("/api/v2/db/_table?ids=PERSON&fields=", &admin)
        .await;
    assert_eq!(reply.body, json!({"resource": [{"name": "person"}]}));
    store_custom_values(&app, &admin).await;
    let reply = app
        .get("/api/v2/user/custom?ids=beta&fields=", &admin)
        .await;
    assert_eq!(reply.body, json!({"resource": [{"name": "beta"}]}));
    let reply = app
        .get(
            "/api/v2/user/custom?filter=value%3D'3'&fields=name,value",
            &admin,
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"name": "gamma", "value": "3"}]})
    );
}
