//! What a cluster does without any change having to travel between nodes: every endpoint
//! answers, a session from one node is good on the other, the balancer spreads requests.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::json;
use sluice_tests::unique_name;

use crate::harness::{Cluster, create_sqlite_service};

#[tokio::test]
async fn every_node_and_the_load_balancer_describe_the_environment_to_anyone() {
    let cluster = Cluster::start().await;

    for node in cluster.endpoints() {
        let reply = node.get_anonymously("/api/v2/system/environment").await;

        assert_eq!(reply.status, StatusCode::OK, "{}", node.name);
        let login = |path: &str| {
            json!({"path": path, "verb": "POST",
                   "payload": {"email": "string", "password": "string", "remember_me": "bool"}})
        };
        assert_eq!(
            reply.body,
            json!({
                "authentication": {
                    "admin": login("system/admin/session"),
                    "user": login("user/session"),
                    "oauth": [],
                    "adldap": [],
                    "saml": [],
                    "allow_open_registration": false,
                    "open_reg_email_service_id": null,
                    "allow_forever_sessions": false,
                    "login_attribute": "email",
                },
                "apps": [],
                "platform": {"root_admin_exists": true},
            }),
            "{}",
            node.name
        );
    }
}

#[tokio::test]
async fn a_session_started_on_one_node_is_good_on_the_other() {
    let cluster = Cluster::start().await;
    let from_a = cluster.admin_login(cluster.node_a()).await;
    let from_b = cluster.admin_login(cluster.node_b()).await;

    for (token, node) in [
        (&from_a, cluster.node_b()),
        (&from_b, cluster.node_a()),
        (&from_a, cluster.lb()),
    ] {
        let reply = node.get("/api/v2/system/admin/session", token).await;

        let seen = (
            reply.status,
            &reply.body["email"],
            &reply.body["session_token"],
        );
        let expected = (StatusCode::OK, &json!(cluster.admin_email), &json!(token));
        assert_eq!(seen, expected, "{}: {}", node.name, reply.body);
    }
}

#[tokio::test]
async fn a_service_created_on_a_node_answers_there_at_once() {
    let cluster = Cluster::start().await;
    let token = cluster.admin_login(cluster.node_a()).await;
    let name = unique_name("notes");

    create_sqlite_service(cluster.node_a(), &token, &name).await;
    let reply = cluster
        .node_a()
        .get(&format!("/api/v2/{name}/_table"), &token)
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": []}));
    assert!(cluster.data_dir.join(format!("{name}.sqlite")).is_file());
}

#[tokio::test]
async fn the_load_balancer_sends_requests_to_both_nodes_in_turn() {
    let cluster = Cluster::start().await;
    if !cluster.is_balanced() {
        // An in-process cluster has no balancer: `lb` is node A, and nothing is to spread.
        assert_eq!(cluster.lb().url, cluster.node_a().url);
        return;
    }

    let mut served_by = Vec::new();
    for _ in 0..4 {
        let reply = cluster
            .lb()
            .get_anonymously("/api/v2/system/environment")
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let node = reply
            .headers
            .get("x-served-by")
            .expect("x-served-by header");
        served_by.push(node.to_str().expect("header text").to_string());
    }

    let nodes: BTreeSet<&str> = served_by.iter().map(String::as_str).collect();
    assert_eq!(nodes, BTreeSet::from(["node-a", "node-b"]), "{served_by:?}");
    assert!(
        served_by.windows(2).all(|pair| pair[0] != pair[1]),
        "round robin alternates: {served_by:?}"
    );
}
