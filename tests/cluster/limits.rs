//! A rate limit holds across the nodes together: with `redis.url` set, every node counts in
//! the same Redis, so N requests per minute pass in total, whichever node serves them, and
//! then both refuse.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{Auth, Reply};

use crate::harness::{Cluster, Node, PROPAGATION, eventually};
use crate::propagation::{Notes, expect};

const RATE: i64 = 4;

async fn read(node: &Node, notes: &Notes) -> Reply {
    node.call(Method::GET, &notes.path, Auth::key(&notes.key), None)
        .await
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
}

#[tokio::test]
async fn a_limit_of_n_per_minute_holds_across_both_nodes_together() {
    let cluster = Cluster::start().await;
    let notes = Notes::on(&cluster, 1).await;
    let limit = json!({"resource": [{"type": "instance.service", "service_id": notes.service,
                                     "rate": RATE, "period": "minute", "name": "shared"}]});
    expect(
        cluster.node_a(),
        Method::POST,
        "/api/v2/system/limit",
        &notes.admin,
        limit,
        StatusCode::CREATED,
    )
    .await;

    // The first read node B counts is the first one it answers with the limit's headers:
    // before the limit reached it, node B counted nothing.
    let (remaining, _) = eventually("node B applies the limit", PROPAGATION, || async {
        let reply = read(cluster.node_b(), &notes).await;
        match (reply.status, header(&reply, "x-ratelimit-limit")) {
            (StatusCode::OK, Some("4")) => {
                Ok(header(&reply, "x-ratelimit-remaining").map(str::to_owned))
            }
            _ => Err((reply.status, reply.body)),
        }
    })
    .await;
    assert_eq!(remaining.as_deref(), Some("3"));

    // Alternating nodes, one counter: A sees what B counted and the other way round.
    let nodes = [cluster.node_a(), cluster.node_b(), cluster.node_a()];
    for (node, left) in nodes.into_iter().zip(["2", "1", "0"]) {
        let reply = read(node, &notes).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{}: {}",
            node.name,
            reply.body
        );
        assert_eq!(
            header(&reply, "x-ratelimit-remaining"),
            Some(left),
            "{}",
            node.name
        );
    }
    for node in [cluster.node_b(), cluster.node_a()] {
        let reply = read(node, &notes).await;
        assert_eq!(
            reply.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}: {}",
            node.name,
            reply.body
        );
        assert_eq!(reply.body["error"]["message"], "API limit(s) exceeded. ");
        assert_eq!(header(&reply, "x-ratelimit-remaining"), Some("0"));
    }
}
