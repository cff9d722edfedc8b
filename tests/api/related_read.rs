//! `related` on `_table` reads over HTTP: DreamFactory's relationship names on the demo's
//! address book, the sub-options, the bounds, and the related tables' role permissions, row
//! filters and hidden fields.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, TestApp, df_error};

use crate::access::service_id;

fn resource(body: &Value) -> &Vec<Value> {
    body["resource"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {body}"))
}

#[tokio::test]
async fn belongs_to_is_an_object_and_has_many_an_array() {
    let (app, admin) = TestApp::with_demo_service().await;
    let owners = app
        .get(
            "/api/v2/db/_table/contact_info?filter=contact_id%3D1&fields=id&related=contact_by_contact_id&contact_by_contact_id_fields=id",
            &admin,
        )
        .await;
    assert_eq!(owners.status, StatusCode::OK, "{}", owners.body);
    // The link column is added to the parent's fields, as DreamFactory does.
    let owner = |id: i64| json!({"id": id, "contact_id": 1, "contact_by_contact_id": {"id": 1}});
    assert_eq!(
        owners.body,
        json!({"resource": [owner(1), owner(2), owner(3)]})
    );

    let contact = app
        .get(
            "/api/v2/db/_table/contact/2?fields=id&related=contact_info_by_contact_id&contact_info_by_contact_id_fields=id&contact_info_by_contact_id_order=id%20desc",
            &admin,
        )
        .await;
    assert_eq!(
        contact.body,
        json!({"id": 2, "contact_info_by_contact_id": [{"id": 6}, {"id": 5}, {"id": 4}]})
    );

    // `{rel}_limit` bounds the relationship's rows for the whole page, as DreamFactory's
    // one query per relationship does.
    let limited = app
        .get(
            "/api/v2/db/_table/contact?ids=1,2&fields=id&related=contact_info_by_contact_id&contact_info_by_contact_id.fields=id&contact_info_by_contact_id_limit=4",
            &admin,
        )
        .await;
    assert_eq!(
        limited.body,
        json!({"resource": [
            {"id": 1, "contact_info_by_contact_id": [{"id": 1}, {"id": 2}, {"id": 3}]},
            {"id": 2, "contact_info_by_contact_id": [{"id": 4}]}
        ]})
    );
}

#[tokio::test]
async fn star_reads_every_relationship_of_every_record_on_the_page() {
    let (app, admin) = TestApp::with_demo_service().await;
    let page = app
        .get(
            "/api/v2/db/_table/contact?limit=3&fields=id&related=*",
            &admin,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for contact in resource(&page.body) {
        let id = contact["id"].as_i64().expect("id");
        let keys: Vec<&String> = contact.as_object().expect("object").keys().collect();
        assert_eq!(
            keys,
            [
                "contact_group_by_contact_group_relationship",
                "contact_group_relationship_by_contact_id",
                "contact_info_by_contact_id",
                "id"
            ]
        );
        let infos = contact["contact_info_by_contact_id"]
            .as_array()
            .expect("has_many");
        assert_eq!(infos.len(), 3);
        assert!(infos.iter().all(|info| info["contact_id"] == id));
        // many_many: the groups named by this contact's junction rows.
        let memberships = contact["contact_group_relationship_by_contact_id"]
            .as_array()
            .expect("junction rows");
        let groups = contact["contact_group_by_contact_group_relationship"]
            .as_array()
            .expect("many_many");
        let group_ids = |rows: &[Value], key: &str| -> Vec<Value> {
            rows.iter().map(|row| row[key].clone()).collect()
        };
        assert_eq!(
            group_ids(groups, "id"),
            group_ids(memberships, "contact_group_id")
        );
        assert!(groups.iter().all(|group| group["name"].is_string()));
    }
}

#[tokio::test]
async fn a_path_follows_relationships_of_related_records() {
    let (app, admin) = TestApp::with_demo_service().await;
    let reply = app
        .get(
            "/api/v2/db/_table/contact_group_relationship/1?fields=id&related=contact_by_contact_id.contact_info_by_contact_id&contact_by_contact_id_fields=id&contact_by_contact_id.contact_info_by_contact_id_fields=id",
            &admin,
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"id": 1, "contact_id": 1, "contact_by_contact_id":
            {"id": 1, "contact_info_by_contact_id": [{"id": 1}, {"id": 2}, {"id": 3}]}})
    );
}

#[tokio::test]
async fn unknown_names_and_the_bounds_are_400s() {
    let app =
        TestApp::spawn_with_env(vec![("SLUICE__LIMITS__RELATED_MAX".into(), "2".into())]).await;
    let admin = app.login().await;
    let created = app
        .send(Method::POST, "/api/v2/system/service", Some(&admin),
            Some(json!({"resource":[{"name":"db","type":"sqlite","config":{"database":"demo.sqlite"}}]})))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let get = |query: &'static str| contacts(&app, &admin, query);
    let unknown = get("related=contact_info_by_contact_id,nope").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        unknown.body,
        df_error(400, "Invalid relationship 'nope' requested.")
    );
    let too_deep = get("related=a.b.c.d").await;
    assert_eq!(
        too_deep.body,
        df_error(
            400,
            "Related records can be nested at most 3 levels deep: 'a.b.c.d'."
        )
    );
    let too_many = get("related=*").await;
    assert_eq!(
        too_many.body,
        df_error(
            400,
            "Too many relationships in one request: the limit is 2."
        )
    );
    let bad_limit =
        get("related=contact_info_by_contact_id&contact_info_by_contact_id_limit=x").await;
    assert_eq!(
        bad_limit.body,
        df_error(
            400,
            "The 'contact_info_by_contact_id_limit' parameter must be an integer."
        )
    );
    let bad_field =
        get("related=contact_info_by_contact_id&contact_info_by_contact_id_fields=nope").await;
    assert_eq!(
        bad_field.body,
        df_error(400, "Invalid field requested: nope")
    );
}

async fn contacts(app: &TestApp, admin: &str, query: &str) -> sluice_tests::Reply {
    app.get(&format!("/api/v2/db/_table/contact?{query}"), admin)
        .await
}

/// An app whose role reads `contact` and, per `access`, other tables.
async fn app_with_role(access: Value) -> (TestApp, String) {
    let (app, admin) = TestApp::with_demo_service().await;
    let db = service_id(&app, &admin, "db").await;
    let mut rows = vec![
        json!({"service_id": db, "component": "_table/contact/*", "verb_mask": 1,
                               "requestor_mask": 1}),
    ];
    rows.extend(
        access
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|mut row| {
                row["service_id"] = json!(db);
                row["requestor_mask"] = json!(1);
                row
            }),
    );
    let role = app
        .create_role(
            &admin,
            json!({"name": "contacts", "is_active": true, "role_service_access_by_role_id": rows}),
        )
        .await;
    let (_, key) = app.create_app(&admin, "contacts", Some(role)).await;
    (app, key)
}

#[tokio::test]
async fn a_related_table_the_role_may_not_read_is_refused_by_name_and_left_out_of_star() {
    let (app, key) = app_with_role(json!([])).await;
    let auth = Auth::key(&key);
    let named = app
        .call(
            Method::GET,
            "/api/v2/db/_table/contact/1?related=contact_info_by_contact_id",
            auth,
            None,
        )
        .await;
    assert_eq!(named.status, StatusCode::FORBIDDEN);
    assert_eq!(
        named.body,
        df_error(
            403,
            "GET access to component '_table/contact_info' of service 'db' is not allowed by this user's role."
        )
    );
    let star = app
        .call(
            Method::GET,
            "/api/v2/db/_table/contact/1?fields=id&related=*",
            auth,
            None,
        )
        .await;
    assert_eq!(star.status, StatusCode::OK, "{}", star.body);
    assert_eq!(star.body, json!({"id": 1}), "no related data at all");
}

#[tokio::test]
async fn the_related_tables_row_filter_and_hidden_fields_apply() {
    let (app, key) = app_with_role(json!([
        {"component": "_table/contact_info", "verb_mask": 1, "hidden_fields": ["phone"],
         "filters": [{"name": "info_type", "operator": "=", "value": "home"}], "filter_op": "AND"}
    ]))
    .await;
    let auth = Auth::key(&key);
    let page = app
        .call(
            Method::GET,
            "/api/v2/db/_table/contact?limit=5&fields=id&related=contact_info_by_contact_id",
            auth,
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for contact in resource(&page.body) {
        let infos = contact["contact_info_by_contact_id"]
            .as_array()
            .expect("array");
        assert!(!infos.is_empty(), "every demo contact has a home entry");
        for info in infos {
            assert_eq!(info["info_type"], "home", "{info}");
            assert_eq!(info.get("phone"), None, "hidden: {info}");
        }
    }
    let hidden = app
        .call(
            Method::GET,
            "/api/v2/db/_table/contact?related=contact_info_by_contact_id&contact_info_by_contact_id_fields=phone",
            auth,
            None,
        )
        .await;
    assert_eq!(hidden.body, df_error(400, "Invalid field requested: phone"));
    let sorted = app
        .call(
            Method::GET,
            "/api/v2/db/_table/contact?related=contact_info_by_contact_id&contact_info_by_contact_id_order=phone",
            auth,
            None,
        )
        .await;
    assert_eq!(
        sorted.body,
        df_error(400, "Invalid field 'phone' in order by clause.")
    );
}
