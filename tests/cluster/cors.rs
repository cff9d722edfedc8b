//! A CORS rule created on node A is answered with on node B within [`PROPAGATION`]: the
//! rules are a cache every node drops when the change feed brings a `cors` change.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{TestApp, unique_name};

use crate::harness::{Cluster, Node, PROPAGATION, eventually};
use crate::propagation::expect;

const ORIGIN: &str = "https://app.example";

/// A browser's preflight for a `GET` of `path` from [`ORIGIN`], sent to `node`.
async fn preflight(node: &Node, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(Method::OPTIONS, format!("{}{path}", node.url))
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .expect("preflight")
}

#[tokio::test]
async fn a_cors_rule_created_on_node_a_answers_preflights_on_node_b_within_a_second() {
    let cluster = Cluster::start().await;
    let admin = cluster.admin_login(cluster.node_a()).await;
    // A path of its own, so the rule touches no other test sharing the cluster.
    let prefix = unique_name("cors");
    let path = format!("/api/v2/{prefix}/_table/note");
    let before = preflight(cluster.node_b(), &path).await;
    assert!(!before.headers().contains_key("access-control-allow-origin"));

    let rule = json!({"resource": [{"path": format!("api/v2/{prefix}/*"), "origin": ORIGIN,
                                    "method": 1, "max_age": 60}]});
    let body = expect(
        cluster.node_a(),
        Method::POST,
        "/api/v2/system/cors",
        &admin,
        rule,
        StatusCode::CREATED,
    )
    .await;
    let id = body["resource"][0]["id"].as_i64().expect("id");

    eventually("node B answers the preflight", PROPAGATION, || async {
        let reply = TestApp::reply(preflight(cluster.node_b(), &path).await).await;
        let origin = reply.headers.get("access-control-allow-origin");
        match (reply.status, origin) {
            (StatusCode::NO_CONTENT, Some(origin)) if origin == ORIGIN => Ok(()),
            _ => Err((reply.status, reply.headers)),
        }
    })
    .await;

    expect(
        cluster.node_a(),
        Method::DELETE,
        &format!("/api/v2/system/cors/{id}"),
        &admin,
        json!(null),
        StatusCode::OK,
    )
    .await;
    eventually("node B stops answering it", PROPAGATION, || async {
        let reply = TestApp::reply(preflight(cluster.node_b(), &path).await).await;
        match reply.headers.get("access-control-allow-origin") {
            None => Ok(()),
            Some(_) => Err((reply.status, reply.headers)),
        }
    })
    .await;
}
