//! The default apps on a PostgreSQL system database that several nodes start on at once:
//! created once, by whichever node gets there first.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::postgres::ThrowawayDatabase;
use sluice_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Auth, create_admin, request, settings_for, start};
use tempfile::TempDir;

#[tokio::test]
async fn nodes_starting_together_on_a_new_postgresql_database_create_the_default_apps_once() {
    let data_dir = TempDir::new().unwrap();
    let database = ThrowawayDatabase::create().await;
    let env = || vec![("SLUICE__SYSTEM_DB__URL".to_string(), database.url.clone())];
    create_admin(&settings_for(data_dir.path(), env())).await;
    let (a, b, c) = tokio::join!(
        start(settings_for(data_dir.path(), env())),
        start(settings_for(data_dir.path(), env())),
        start(settings_for(data_dir.path(), env()))
    );
    let client = reqwest::Client::new();
    let login = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    let url = format!("{a}/api/v2/system/admin/session");
    let reply = request(&client, Method::POST, &url, Auth::default(), Some(login)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let token = reply.body["session_token"].as_str().unwrap().to_string();
    for node in [a, b, c] {
        let url = format!("{node}/api/v2/system/app?fields=name");
        let reply = request(&client, Method::GET, &url, Auth::token(&token), None).await;
        assert_eq!(
            reply.body,
            json!({"resource": [{"name": "admin"}, {"name": "api_docs"},
                                {"name": "file_manager"}]})
        );
    }
}
