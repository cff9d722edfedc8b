//! Nested writes over HTTP: the seed's stapler example with and without `rollback=true`,
//! nested inserts on all three relationship kinds of the demo's address book, `related` on
//! the answer, and the related tables' permissions.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, TestApp};

use crate::access::service_id;

/// The seed's `supplies` and `locations` ("Using Database Transactions in API Calls").
const SUPPLIES: &str = "
CREATE TABLE supplies (id INTEGER PRIMARY KEY, name VARCHAR(255));
CREATE TABLE locations (
    id INTEGER PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    supply_id INTEGER REFERENCES supplies (id)
);
";

async fn supplies_app() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    app.exec_on_demo(SUPPLIES);
    let admin = app.login().await;
    let created = app
        .send(
            Method::POST,
            "/api/v2/system/service",
            Some(&admin),
            Some(json!({"resource":[{"name":"db","type":"sqlite","config":{"database":"demo.sqlite"}}]})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    (app, admin)
}

fn stapler(location: Value) -> Value {
    json!({"resource": [{"name": "Stapler", "locations_by_supply_id": [location]}]})
}

async fn staplers(app: &TestApp, admin: &str) -> Value {
    app.get(
        "/api/v2/db/_table/supplies?filter=name%3D%27Stapler%27&count_only=true",
        admin,
    )
    .await
    .body
}

#[tokio::test]
async fn the_stapler_and_its_location_are_added_in_one_call() {
    let (app, admin) = supplies_app().await;
    let reply = app
        .send(
            Method::POST,
            "/api/v2/db/_table/supplies",
            Some(&admin),
            Some(stapler(json!({"name": "Closet"}))),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"id": 1}]}));
    let read = app
        .get(
            "/api/v2/db/_table/supplies/1?related=locations_by_supply_id",
            &admin,
        )
        .await;
    assert_eq!(
        read.body,
        json!({"id": 1, "name": "Stapler",
               "locations_by_supply_id": [{"id": 1, "name": "Closet", "supply_id": 1}]})
    );
}

fn failed_location(rolled_back: bool) -> Value {
    let mut message = "Batch Error: Not all requested records could be created.".to_owned();
    if rolled_back {
        message.push_str(" All changes rolled back.");
    }
    json!({"error": {
        "code": 1000,
        "context": {"error": [0], "resource": [{
            "code": 400,
            "context": {"related": "locations_by_supply_id", "index": 0,
                        "error": {"code": 400, "context": null,
                                  "message": "Required field 'name' can not be NULL.",
                                  "status_code": 400}},
            "message": "Failed to update many to one assignment.\nBatch Error: Not all requested records could be created.",
            "status_code": 400}]},
        "message": message,
        "status_code": 400}})
}

#[tokio::test]
async fn without_rollback_a_failed_location_leaves_an_orphaned_stapler() {
    let (app, admin) = supplies_app().await;
    let reply = app
        .send(
            Method::POST,
            "/api/v2/db/_table/supplies",
            Some(&admin),
            Some(stapler(json!({"title": "Closet"}))),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, failed_location(false));
    assert_eq!(staplers(&app, &admin).await, json!(1), "as the guide warns");
}

#[tokio::test]
async fn with_rollback_a_failed_location_leaves_nothing() {
    let (app, admin) = supplies_app().await;
    let reply = app
        .send(
            Method::POST,
            "/api/v2/db/_table/supplies?rollback=true",
            Some(&admin),
            Some(stapler(json!({"title": "Closet"}))),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, failed_location(true));
    assert_eq!(staplers(&app, &admin).await, json!(0));
    let locations = app
        .get("/api/v2/db/_table/locations?count_only=true", &admin)
        .await;
    assert_eq!(locations.body, json!(0));
}

#[tokio::test]
async fn nested_inserts_work_on_all_three_kinds_of_the_address_book() {
    let (app, admin) = TestApp::with_demo_service().await;
    // has_many and many_many (a new group and an existing one) with the contact.
    let contact = json!({"resource": [{
        "first_name": "Ada", "last_name": "Lovelace",
        "contact_info_by_contact_id": [{"info_type": "home", "email": "ada@example.com"}],
        "contact_group_by_contact_group_relationship": [{"name": "Mathematicians"}, {"id": 1}]
    }]});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/db/_table/contact?fields=first_name&related=contact_info_by_contact_id,contact_group_by_contact_group_relationship&contact_info_by_contact_id_fields=email&contact_group_by_contact_group_relationship_order=id",
            Some(&admin),
            Some(contact),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource": [{
            "first_name": "Ada", "id": 101,
            "contact_info_by_contact_id": [{"email": "ada@example.com"}],
            "contact_group_by_contact_group_relationship":
                [{"id": 1, "name": "Family"}, {"id": 10, "name": "Mathematicians"}]
        }]})
    );
    // belongs_to: the contact is created first and the new info points at it.
    let info = json!({"resource": [{"info_type": "work", "email": "charles@example.com",
        "contact_by_contact_id": {"first_name": "Charles", "last_name": "Babbage"}}]});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/db/_table/contact_info?fields=email&related=contact_by_contact_id&contact_by_contact_id_fields=last_name",
            Some(&admin),
            Some(info),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource": [{"email": "charles@example.com", "contact_id": 102,
                             "contact_by_contact_id": {"last_name": "Babbage"}}]})
    );
    // Unlinking a group removes the junction row only.
    let unlink =
        json!({"contact_group_by_contact_group_relationship": [{"id": 10, "contact.id": null}]});
    let reply = app
        .send(
            Method::PATCH,
            "/api/v2/db/_table/contact/101?related=contact_group_by_contact_group_relationship&contact_group_by_contact_group_relationship_fields=id",
            Some(&admin),
            Some(unlink),
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"id": 101, "contact_group_by_contact_group_relationship": [{"id": 1}]})
    );
}

#[tokio::test]
async fn a_nested_write_needs_the_related_tables_permission_for_its_verb() {
    let (app, admin) = TestApp::with_demo_service().await;
    let db = service_id(&app, &admin, "db").await;
    let rows = json!([
        {"service_id": db, "component": "_table/contact", "verb_mask": 3, "requestor_mask": 1},
        {"service_id": db, "component": "_table/contact_info", "verb_mask": 1, "requestor_mask": 1}
    ]);
    let role = app
        .create_role(
            &admin,
            json!({"name": "writers", "is_active": true, "role_service_access_by_role_id": rows}),
        )
        .await;
    let (_, key) = app.create_app(&admin, "writers", Some(role)).await;
    let body = json!({"resource": [{"first_name": "Ada", "last_name": "Lovelace",
        "contact_info_by_contact_id": [{"info_type": "home"}]}]});
    let reply = app
        .call(
            Method::POST,
            "/api/v2/db/_table/contact?rollback=true",
            Auth::key(&key),
            Some(body),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let denial = "POST access to component '_table/contact_info' of service 'db' is not allowed by this user's role.";
    assert_eq!(
        reply.body["error"]["context"]["resource"][0]["message"],
        format!("Failed to update many to one assignment.\n{denial}")
    );
    assert_eq!(
        reply.body["error"]["context"]["resource"][0]["context"]["error"]["status_code"],
        403
    );
    let contacts = app
        .get("/api/v2/db/_table/contact?count_only=true", &admin)
        .await;
    assert_eq!(contacts.body, json!(100), "rolled back");
}
