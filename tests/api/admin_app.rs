//! What DreamFactory's admin app reads besides records: role components
//! (`?as_access_list=true`), the system resource list, related service documents, API-doc
//! info, environment and session fields, and `meta.count` on every system list.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, TestApp};

/// `GET /api/v2/db/_table?as_list=true`: the demo's tables in the schema's order.
async fn table_names(app: &TestApp, token: &str) -> Vec<String> {
    let reply = app.get("/api/v2/db/_table?as_list=true", token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let names = reply.body["resource"].as_array().expect("names").iter();
    names
        .map(|n| n.as_str().expect("name").to_string())
        .collect()
}

#[tokio::test]
async fn a_database_service_lists_its_role_components_as_plain_strings() {
    let (app, token) = TestApp::with_demo_service().await;
    let tables = table_names(&app, &token).await;
    let reply = app.get("/api/v2/db?as_access_list=true", &token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let mut expected = vec![json!(""), json!("*")];
    for resource in ["_schema", "_table"] {
        expected.push(json!(format!("{resource}/")));
        expected.push(json!(format!("{resource}/*")));
        for table in &tables {
            expected.push(json!(format!("{resource}/{table}/")));
            expected.push(json!(format!("{resource}/{table}/*")));
        }
    }
    expected.push(json!("_sql"));
    assert_eq!(reply.body, json!({ "resource": expected }));
}

#[tokio::test]
async fn a_role_sees_only_the_components_it_may_use() {
    let (app, admin) = TestApp::with_demo_service().await;
    let services = app.get("/api/v2/system/service?filter=name%3Ddb&fields=id", &admin);
    let db = services.await.body["resource"][0]["id"].as_i64().unwrap();
    let access = |component: &str| json!({"service_id": db, "component": component, "verb_mask": 1, "requestor_mask": 1});
    let role = app
        .create_role(
            &admin,
            json!({"name": "contacts", "is_active": true, "role_service_access_by_role_id":
                   [access(""), access("_table"), access("_table/contact")]}),
        )
        .await;
    let (_, key) = app.create_app(&admin, "contacts", Some(role)).await;
    let reply = app
        .call(
            Method::GET,
            "/api/v2/db?as_access_list=true",
            Auth::key(&key),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource": ["", "*", "_table/", "_table/*", "_table/contact/", "_table/contact/*"]})
    );
}

#[tokio::test]
async fn the_system_user_and_scripted_services_list_their_components() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = app.get("/api/v2/system?as_access_list=true", &token).await;
    let list = reply.body["resource"].as_array().unwrap();
    assert_eq!(
        list[..4],
        [json!(""), json!("*"), json!("admin/"), json!("admin/*")]
    );
    assert!(list.contains(&json!("email_template/*")));
    assert!(list.contains(&json!("custom/")));
    assert_eq!(list.len(), 2 + 2 * 18);

    let reply = app.get("/api/v2/user?as_access_list=true", &token).await;
    assert_eq!(reply.body, json!({"resource": ["", "*"]}));

    let script = json!({"resource": [{"name": "hello", "type": "nodejs",
                                      "config": {"content": "return {hello: 1};"}}]});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/service",
            Some(&token),
            Some(script),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let reply = app.get("/api/v2/hello?as_access_list=true", &token).await;
    assert_eq!(reply.body, json!({"resource": ["", "*"]}));
    // Without the option the script answers.
    let reply = app.get("/api/v2/hello", &token).await;
    assert_eq!(reply.body, json!({"hello": 1}));
}

#[tokio::test]
async fn the_system_root_lists_every_resource_sluice_serves() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = app
        .get("/api/v2/system?as_list=true&include_count=true", &token)
        .await;
    assert_eq!(
        reply.body,
        json!({"resource": ["admin", "app", "cache", "cors", "custom", "email_template",
            "environment", "event", "event_script", "limit", "limit_cache", "lookup", "package",
            "role", "script_type", "service", "service_type", "user"],
            "meta": {"count": 18}})
    );
}

#[tokio::test]
async fn services_carry_their_stored_document_as_null_when_asked() {
    let (app, token) = TestApp::with_demo_service().await;
    let related = "related=service_doc_by_service_id";
    let list = app
        .get(
            &format!("/api/v2/system/service?fields=name&{related}"),
            &token,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(
        list.body,
        json!({"resource": [{"name": "user", "service_doc_by_service_id": null},
                            {"name": "files", "service_doc_by_service_id": null},
                            {"name": "db", "service_doc_by_service_id": null}]})
    );
    let id = app.get("/api/v2/system/service?filter=name%3Ddb&fields=id", &token);
    let id = id.await.body["resource"][0]["id"].as_i64().unwrap();
    let one = app
        .get(
            &format!("/api/v2/system/service/{id}?fields=name&{related}"),
            &token,
        )
        .await;
    assert_eq!(
        one.body,
        json!({"name": "db", "service_doc_by_service_id": null})
    );
    // Not asked for, not there.
    let one = app
        .get(&format!("/api/v2/system/service/{id}"), &token)
        .await;
    assert!(one.body.get("service_doc_by_service_id").is_none());
}

#[tokio::test]
async fn a_service_document_names_its_label_description_version_and_group() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let service = json!({"resource": [{"name": "db", "type": "sqlite", "label": "Demo data",
        "description": "The address book", "config": {"database": "demo.sqlite"}}]});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/service",
            Some(&token),
            Some(service),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let doc = app.get("/api/v2/api_docs/db", &token).await;
    assert_eq!(
        doc.body["info"],
        json!({"title": "Demo data", "description": "The address book", "version": "2.0",
               "group": "Database"})
    );
}

#[tokio::test]
async fn every_system_list_counts_its_records_with_include_count() {
    let (app, token) = TestApp::with_demo_service().await;
    for (path, count) in [
        ("/api/v2/system/event_script", 0),
        ("/api/v2/system/limit_cache", 0),
        ("/api/v2/system/script_type", 1),
        // The seeded `files` service is one of them.
        ("/api/v2/system/cache", 3),
        ("/api/v2/system/event?services_only=true", 1),
        ("/api/v2/system/service", 3),
        ("/api/v2/system/app", 3),
        ("/api/v2/system/email_template", 0),
        ("/api/v2/system/custom", 0),
    ] {
        let joiner = if path.contains('?') { '&' } else { '?' };
        let reply = app
            .get(&format!("{path}{joiner}include_count=true"), &token)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        assert_eq!(reply.body["meta"], json!({"count": count}), "{path}");
        assert_eq!(
            reply.body["resource"].as_array().unwrap().len(),
            count,
            "{path}"
        );
    }
    let types = app
        .get("/api/v2/system/service_type?include_count=true", &token)
        .await;
    let listed = types.body["resource"].as_array().unwrap().len();
    assert_eq!(types.body["meta"], json!({"count": listed}));
    // Without the option, no meta.
    let reply = app.get("/api/v2/system/event_script", &token).await;
    assert_eq!(reply.body, json!({"resource": []}));
}

#[tokio::test]
async fn the_first_administrator_is_the_root_and_a_second_one_is_not() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let session = app.get("/api/v2/system/admin/session", &token).await;
    assert_eq!(session.body["is_root_admin"], true);
    let second = json!({"resource": [{"email": "second@example.com", "name": "Second",
                                      "password": "a long enough password", "is_active": true}]});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/admin",
            Some(&token),
            Some(second),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let login = json!({"email": "second@example.com", "password": "a long enough password"});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/admin/session",
            None,
            Some(login),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["is_root_admin"], false);
}

/// The `apps` of `GET /system/environment` for these credentials, by name.
async fn launchable(app: &TestApp, auth: Auth<'_>) -> Vec<Value> {
    let reply = app
        .call(Method::GET, "/api/v2/system/environment", auth, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let apps = reply.body["apps"].as_array().unwrap().iter();
    apps.map(|a| a["name"].clone()).collect()
}

#[tokio::test]
async fn the_environment_lists_the_apps_each_caller_may_launch() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = app.get("/api/v2/system/environment", &token).await;
    let admin_app = &reply.body["apps"][0];
    let id = admin_app["id"].clone();
    assert_eq!(
        *admin_app,
        json!({"id": id, "name": "admin",
            "description": "An application for administering this instance.",
            "url": "/dreamfactory/dist/index.html", "is_default": false,
            "allow_fullscreen_toggle": true, "requires_fullscreen": false,
            "toggle_location": "top"})
    );
    assert_eq!(reply.body["platform"]["root_admin_exists"], true);
    assert_eq!(
        launchable(&app, Auth::token(&token)).await,
        [json!("admin"), json!("api_docs"), json!("file_manager")]
    );
    // The default apps have no role: nobody else may launch them.
    let anonymous = Auth {
        token: None,
        api_key: None,
    };
    assert_eq!(launchable(&app, anonymous).await, Vec::<Value>::new());

    // An app with a URL and a default role is offered to everyone; one of type 0 to nobody.
    let role = app
        .create_role(&token, json!({"name": "visitor", "is_active": true}))
        .await;
    let portal = json!({"resource": [{"name": "portal", "is_active": true, "role_id": role,
                                      "type": 2, "url": "https://portal.example/"},
                                     {"name": "keys-only", "is_active": true, "role_id": role}]});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/app",
            Some(&token),
            Some(portal),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let anonymous = Auth {
        token: None,
        api_key: None,
    };
    assert_eq!(launchable(&app, anonymous).await, [json!("portal")]);
    let reply = app
        .send(Method::GET, "/api/v2/system/environment", None, None)
        .await;
    assert_eq!(reply.body["apps"][0]["url"], "https://portal.example/");
}
