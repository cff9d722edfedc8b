//! DreamFactory's default apps `admin`, `api_docs` and `file_manager`: created once per
//! system database, with random keys unless `dreamfactory.compat_default_app_keys` asks
//! for DreamFactory's published ones, on every node at once without duplicates.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{
    ADMIN_EMAIL, ADMIN_PASSWORD, Auth, TestApp, create_admin, request, settings_for, start,
};
use tempfile::TempDir;

const ADMIN_KEY: &str = "6498a8ad1beb9d84d63035c5d1120c007fad6de706734db9689f8996707e0f7d";
const PUBLISHED: [&str; 3] = [
    ADMIN_KEY,
    "36fda24fe5588fa4285ac6c6c2fdfbdb6b6bc9834699774c9bf777f706d05a88",
    "b5cb82af7b5d4130f36149f90aa2746782e59a872ac70454ac188743cb55b0ba",
];
const FIELDS: &str = "name,description,is_active,type,path,role_id";

async fn apps(app: &TestApp, token: &str, fields: &str) -> Value {
    let reply = app
        .get(&format!("/api/v2/system/app?fields={fields}"), token)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

#[tokio::test]
async fn a_new_instance_has_dreamfactorys_default_apps_with_random_keys() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    assert_eq!(
        apps(&app, &token, FIELDS).await,
        json!({"resource": [
            {"name": "admin", "description": "An application for administering this instance.",
             "is_active": true, "type": 3, "path": "dreamfactory/dist/index.html", "role_id": null},
            {"name": "api_docs",
             "description": "An OpenAPI-based application allowing documentation viewing and testing of the API.",
             "is_active": true, "type": 3, "path": "df-api-docs-ui/dist/index.html", "role_id": null},
            {"name": "file_manager", "description": "An application for managing file services.",
             "is_active": true, "type": 3, "path": "filemanager/index.html", "role_id": null}]})
    );
    let keys = apps(&app, &token, "api_key").await;
    for app_key in keys["resource"].as_array().unwrap() {
        let key = app_key["api_key"].as_str().unwrap();
        assert_eq!(key.len(), 64);
        assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(
            !PUBLISHED.contains(&key),
            "a published key without the option"
        );
    }
}

#[tokio::test]
async fn with_the_option_the_default_apps_have_dreamfactorys_published_keys() {
    let env = vec![(
        "SLUICE__DREAMFACTORY__COMPAT_DEFAULT_APP_KEYS".to_string(),
        "true".to_string(),
    )];
    let app = TestApp::spawn_with_env(env).await;
    let token = app.login().await;
    let keys = apps(&app, &token, "name,api_key").await;
    let keys: Vec<&str> = keys["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["api_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, PUBLISHED);
    // The admin app's built-in key identifies the admin app. It has no role, so the key
    // alone reaches no service.
    let fields = format!("name,role_id&filter=api_key%3D'{ADMIN_KEY}'");
    assert_eq!(
        apps(&app, &token, &fields).await,
        json!({"resource": [{"name": "admin", "role_id": null}]})
    );
    let reply = app
        .call(Method::GET, "/api/v2", Auth::key(ADMIN_KEY), None)
        .await;
    assert_eq!(reply.body["services"], json!([]), "{}", reply.body);
}

/// The names (and ids) of the apps of the server at `url`, as an administrator sees them.
async fn app_names(client: &reqwest::Client, url: &str, token: &str) -> Value {
    let url = format!("{url}/api/v2/system/app?fields=id,name");
    let reply = request(client, Method::GET, &url, Auth::token(token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

fn names(apps: &Value) -> Vec<Value> {
    let apps = apps["resource"].as_array().unwrap().iter();
    apps.map(|a| a["name"].clone()).collect()
}

#[tokio::test]
async fn the_default_apps_are_created_once_even_by_several_nodes_starting_together() {
    let dir = TempDir::new().unwrap();
    create_admin(&settings_for(dir.path(), Vec::new())).await;
    // Two nodes on the same new system database at once.
    let (first, second) = tokio::join!(
        start(settings_for(dir.path(), Vec::new())),
        start(settings_for(dir.path(), Vec::new()))
    );
    let client = reqwest::Client::new();
    let login = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    let url = format!("{first}/api/v2/system/admin/session");
    let reply = request(
        &client,
        Method::POST,
        &url,
        Auth {
            token: None,
            api_key: None,
        },
        Some(login),
    )
    .await;
    let token = reply.body["session_token"].as_str().unwrap().to_string();
    let defaults = [json!("admin"), json!("api_docs"), json!("file_manager")];
    assert_eq!(names(&app_names(&client, &first, &token).await), defaults);
    assert_eq!(names(&app_names(&client, &second, &token).await), defaults);

    // An administrator removes one: a restart does not bring it back.
    let id = app_names(&client, &first, &token).await["resource"][2]["id"].clone();
    let url = format!("{first}/api/v2/system/app/{id}");
    let reply = request(&client, Method::DELETE, &url, Auth::token(&token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let third = start(settings_for(dir.path(), Vec::new())).await;
    assert_eq!(
        names(&app_names(&client, &third, &token).await),
        [json!("admin"), json!("api_docs")]
    );
}
