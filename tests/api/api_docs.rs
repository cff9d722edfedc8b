//! `GET /api/v2/api_docs[/{service}]`: generated OpenAPI documents filtered by role.

use reqwest::Method;
use serde_json::{Value, json};
use sluice_docs::check::structural_errors;
use sluice_tests::{Auth, TestApp};

use crate::access::service_id;

/// `"{verb} {path}"` for every operation of a document.
fn operations(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for verb in item.as_object().expect("path item").keys() {
            out.push(format!("{verb} {path}"));
        }
    }
    out
}

/// An app whose role reads `_table` and `contact` only.
async fn contact_reader(app: &TestApp, admin: &str) -> String {
    let db = service_id(app, admin, "db").await;
    let role = json!({"name": "contacts", "is_active": true, "role_service_access_by_role_id": [
        {"service_id": db, "component": "_table", "verb_mask": 1, "requestor_mask": 1},
        {"service_id": db, "component": "_table/contact/*", "verb_mask": 1, "requestor_mask": 1}
    ]});
    let role_id = app.create_role(admin, role).await;
    app.create_app(admin, "contacts", Some(role_id)).await.1
}

#[tokio::test]
async fn a_read_only_role_sees_only_get_operations_on_its_tables() {
    let (app, admin) = TestApp::with_demo_service().await;
    let key = contact_reader(&app, &admin).await;
    let reply = app
        .call(Method::GET, "/api/v2/api_docs/db", Auth::key(&key), None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(structural_errors(&reply.body), Vec::<String>::new());
    assert_eq!(
        operations(&reply.body),
        [
            "get /_table",
            "get /_table/contact",
            "get /_table/contact/{id}"
        ]
    );
    let contact = &reply.body["components"]["schemas"]["contact.Record"]["properties"];
    assert_eq!(contact["id"]["type"], "integer", "{contact}");

    let combined = app
        .call(Method::GET, "/api/v2/api_docs", Auth::key(&key), None)
        .await;
    assert_eq!(combined.status, 200, "{}", combined.body);
    assert_eq!(structural_errors(&combined.body), Vec::<String>::new());
    assert_eq!(
        operations(&combined.body),
        [
            "get /db/_table",
            "get /db/_table/contact",
            "get /db/_table/contact/{id}"
        ]
    );
}

#[tokio::test]
async fn an_admin_sees_every_verb_on_every_table() {
    let (app, admin) = TestApp::with_demo_service().await;
    let reply = app.get("/api/v2/api_docs/db?refresh=true", &admin).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(structural_errors(&reply.body), Vec::<String>::new());
    let ops = operations(&reply.body);
    let tables = app.get("/api/v2/db/_table?as_list=true", &admin).await;
    for table in tables.body["resource"].as_array().expect("tables") {
        let table = table.as_str().expect("name");
        for verb in ["get", "post", "put", "patch", "delete"] {
            let op = format!("{verb} /_table/{table}");
            assert!(ops.contains(&op), "{op} missing");
        }
    }
    let list = app.get("/api/v2/api_docs?as_list=true", &admin).await;
    assert_eq!(list.body, json!({"resource": ["db"]}));
}

#[tokio::test]
async fn a_role_without_access_is_refused_its_document() {
    let (app, admin) = TestApp::with_demo_service().await;
    let role = json!({"name": "nothing", "is_active": true, "role_service_access_by_role_id": []});
    let role_id = app.create_role(&admin, role).await;
    let (_, key) = app.create_app(&admin, "elsewhere", Some(role_id)).await;
    let reply = app
        .call(Method::GET, "/api/v2/api_docs/db", Auth::key(&key), None)
        .await;
    // DreamFactory's denial order: an API key alone, not logged in, is 401.
    assert_eq!(reply.status, 401, "{}", reply.body);
    let combined = app
        .call(Method::GET, "/api/v2/api_docs", Auth::key(&key), None)
        .await;
    assert_eq!(combined.body["paths"], json!({}));
}

/// An app whose role reads and writes `employees` but may not see `salary` on reads (and
/// `twitter` of `contact` when it changes them); returns its API key.
async fn salary_hider(app: &TestApp, admin: &str) -> String {
    let db = service_id(app, admin, "db").await;
    let role = json!({"name": "hr", "is_active": true, "role_service_access_by_role_id": [
        {"service_id": db, "component": "_table/employees", "verb_mask": 1,
         "requestor_mask": 1, "hidden_fields": ["SALARY"]},
        {"service_id": db, "component": "_table/employees", "verb_mask": 2,
         "requestor_mask": 1},
        {"service_id": db, "component": "_table/contact", "verb_mask": 1, "requestor_mask": 1},
        {"service_id": db, "component": "_table/contact", "verb_mask": 8, "requestor_mask": 1,
         "hidden_fields": ["twitter"]},
        {"service_id": db, "component": "_schema/*", "verb_mask": 1, "requestor_mask": 1}
    ]});
    let role_id = app.create_role(admin, role).await;
    app.create_app(admin, "hr", Some(role_id)).await.1
}

#[tokio::test]
async fn a_document_never_names_a_field_the_role_hides() {
    let (app, admin) = TestApp::with_demo_service().await;
    let key = salary_hider(&app, &admin).await;
    for path in ["/api/v2/api_docs/db", "/api/v2/api_docs"] {
        let reply = app.call(Method::GET, path, Auth::key(&key), None).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.headers["content-type"], "application/json", "{path}");
        assert_eq!(structural_errors(&reply.body), Vec::<String>::new());
        let text = reply.body.to_string();
        for hidden in ["salary", "twitter"] {
            assert!(!text.contains(hidden), "{path} names {hidden}");
        }
        let prefix = if path.ends_with("db") { "" } else { "db." };
        let schemas = &reply.body["components"]["schemas"];
        let employees = &schemas[format!("{prefix}employees.Record")]["properties"];
        assert_eq!(employees["hire_date"]["format"], "date", "{employees}");
        let contact = &schemas[format!("{prefix}contact.Record")]["properties"];
        assert_eq!(contact["skype"]["type"], "string", "{contact}");
    }

    let full = app.get("/api/v2/api_docs/db", &admin).await;
    assert_eq!(full.status, 200, "{}", full.body);
    let schemas = &full.body["components"]["schemas"];
    assert_eq!(
        schemas["employees.Record"]["properties"]["salary"]["type"],
        "integer"
    );
    assert_eq!(
        schemas["contact.Record"]["properties"]["twitter"]["type"],
        "string"
    );
}

#[tokio::test]
async fn a_file_service_documents_dreamfactorys_file_api_with_the_callers_verbs() {
    let (app, admin) = TestApp::with_demo_service().await;
    let reply = app.get("/api/v2/api_docs/files", &admin).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(structural_errors(&reply.body), Vec::<String>::new());
    assert_eq!(
        operations(&reply.body),
        [
            "get /",
            "post /",
            "delete /{file_path}",
            "get /{file_path}",
            "patch /{file_path}",
            "post /{file_path}",
            "put /{file_path}",
            "delete /{folder_path}/",
            "get /{folder_path}/",
            "post /{folder_path}/",
        ]
    );
    let files = service_id(&app, &admin, "files").await;
    let role = json!({"name": "file-reader", "is_active": true, "role_service_access_by_role_id": [
        {"service_id": files, "component": "*", "verb_mask": 1, "requestor_mask": 1}
    ]});
    let role_id = app.create_role(&admin, role).await;
    let key = app.create_app(&admin, "file-reader", Some(role_id)).await.1;
    let reply = app
        .call(Method::GET, "/api/v2/api_docs/files", Auth::key(&key), None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        operations(&reply.body),
        ["get /", "get /{file_path}", "get /{folder_path}/"]
    );
}
