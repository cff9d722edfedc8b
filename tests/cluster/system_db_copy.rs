//! `sluice system-db copy`: one node's embedded SQLite system database moved into an empty
//! PostgreSQL one, then served by two nodes: the administrator's password, the services,
//! roles and API keys all work on both, and the URL's password is never shown.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_gateway::system_db_copy::copy_system_db;
use sluice_tests::postgres::ThrowawayDatabase;
use sluice_tests::{Auth, TestApp, settings_for};

use crate::harness::Cluster;

#[tokio::test]
async fn a_single_node_database_copied_to_postgresql_serves_two_nodes() {
    let (single, token) = TestApp::with_demo_service().await;
    let services = single
        .get(
            "/api/v2/system/service?filter=name%3D%27db%27&fields=id",
            &token,
        )
        .await;
    let db_id = services.body["resource"][0]["id"].clone();
    let access = json!([{"service_id": db_id, "component": "_table/*", "verb_mask": 1,
                         "requestor_mask": 1}]);
    let role = json!({"name": "reader", "is_active": true,
                      "role_service_access_by_role_id": access});
    let role_id = single.create_role(&token, role).await;
    let (_, api_key) = single.create_app(&token, "reader", Some(role_id)).await;
    let database = ThrowawayDatabase::create().await;
    let (to, password) = with_password(&database.url);
    let settings = settings_for(single.data_dir.path(), Vec::new());

    let report = copy_system_db(&settings, &to).await.expect("copy");

    assert!(!report.contains(&password), "{report}");
    assert!(
        report.starts_with("copied the system database into postgres://"),
        "{report}"
    );
    for line in [
        "  service                    3 rows",
        "  role                       1 row",
    ] {
        assert!(report.lines().any(|l| l == line), "{line:?} in {report}");
    }
    let refused = copy_system_db(&settings, &to)
        .await
        .expect_err("second copy");
    let refused = format!("{refused:#}");
    assert!(!refused.contains(&password), "{refused}");
    assert!(refused.contains(": the target database is not empty: it holds 1 row in user, 3 rows in service, 1 row in role, 1 row in role_service_access, 4 rows in app"), "{refused}");

    // The single node keeps running on its SQLite database; the cluster opens the same
    // directory of service files (demo.sqlite) over the copy.
    let TestApp { data_dir, .. } = single;
    let cluster = Cluster::in_process(data_dir, database).await;
    for node in [cluster.node_a(), cluster.node_b()] {
        cluster.admin_login(node).await;
        let reply = node
            .call(
                Method::GET,
                "/api/v2/db/_table/contact?limit=1&fields=id",
                Auth::key(&api_key),
                None,
            )
            .await;
        let expected = (StatusCode::OK, json!({"resource": [{"id": 1}]}));
        assert_eq!((reply.status, reply.body), expected, "{}", node.name);
    }
}

/// `url` with a password for its user, and that password: the loopback server's trust
/// authentication ignores it, and the test checks it is never shown. A URL that already
/// carries one is kept as it is.
fn with_password(url: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").expect("scheme");
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    match authority.rsplit_once('@') {
        Some((user_info, _)) if user_info.contains(':') => {
            let password = user_info
                .split_once(':')
                .map(|(_, p)| p)
                .unwrap_or_default();
            (url.to_string(), password.to_string())
        }
        Some((user, _)) => {
            let password = "hunter2-not-to-be-shown".to_string();
            let with = format!("{scheme}://{user}:{password}@{}", &rest[user.len() + 1..]);
            (with, password)
        }
        None => panic!("the test database URL names no user: {url}"),
    }
}
