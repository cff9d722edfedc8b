//! Changes made on one node, in force on the other within [`PROPAGATION`]: what the change
//! feed delivers. Each test measures the time with `eventually` (a deadline, never a sleep).

use reqwest::StatusCode;
use serde_json::json;
use sluice_tests::unique_name;

use crate::harness::{Cluster, PROPAGATION, create_sqlite_service, eventually};

#[tokio::test]
#[ignore = "needs the change feed"]
async fn a_service_created_on_node_a_is_listed_and_served_by_node_b_within_a_second() {
    let cluster = Cluster::start().await;
    let token_a = cluster.admin_login(cluster.node_a()).await;
    let token_b = cluster.admin_login(cluster.node_b()).await;
    let name = unique_name("shared");

    let id = create_sqlite_service(cluster.node_a(), &token_a, &name).await;

    let listing = format!("/api/v2/system/service?filter=name%3D%27{name}%27&fields=id,name");
    let (_, listed_after) = eventually("node B lists the new service", PROPAGATION, || async {
        let reply = cluster.node_b().get(&listing, &token_b).await;
        match reply.body == json!({"resource": [{"id": id, "name": name}]}) {
            true => Ok(()),
            false => Err((reply.status, reply.body)),
        }
    })
    .await;
    // Within the same second from the creation, not a second after the listing.
    let tables = format!("/api/v2/{name}/_table");
    let remaining = PROPAGATION.saturating_sub(listed_after);
    eventually("node B serves the new service", remaining, || async {
        let reply = cluster.node_b().get(&tables, &token_b).await;
        match reply.status {
            StatusCode::OK => Ok(reply.body),
            _ => Err((reply.status, reply.body)),
        }
    })
    .await;
}
