//! The data cache across nodes: a record written through node A drops node B's cached reads
//! of that service within [`PROPAGATION`] (the write announces a `data` change on the feed).

use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::Auth;

use crate::harness::{Cluster, PROPAGATION, eventually};
use crate::propagation::{Notes, expect};

fn bodies(body: &Value) -> Vec<&str> {
    body["resource"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|row| row["body"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_write_on_node_a_drops_node_bs_cached_read_within_a_second() {
    let cluster = Cluster::start().await;
    // GET and POST on the notes.
    let notes = Notes::on(&cluster, 1 | 2).await;
    let cache = json!({"resource": [{"id": notes.service,
                                     "config": {"cache_enabled": true, "cache_ttl": 60}}]});
    expect(
        cluster.node_a(),
        Method::PATCH,
        "/api/v2/system/service",
        &notes.admin,
        cache,
        StatusCode::OK,
    )
    .await;
    let read = || async {
        let reply = (cluster.node_b())
            .call(Method::GET, &notes.path, Auth::key(&notes.key), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body
    };
    // Node B caches once the config reached it: a read, then note 1 rewritten behind
    // Sluice's back, then a read that still shows it as it was.
    let file = cluster
        .data_dir
        .join(format!("{}.sqlite", notes.service_name()));
    let rewrites = AtomicU32::new(0);
    let (behind, _) = eventually("node B caches the notes", PROPAGATION, || async {
        let before = read().await;
        let text = format!("behind {}", rewrites.fetch_add(1, Ordering::Relaxed));
        let connection = rusqlite::Connection::open(&file).expect("open the notes file");
        (connection.execute("UPDATE note SET body = ?1 WHERE id = 1", [&text]))
            .expect("rewrite note 1");
        let after = read().await;
        match after == before {
            true => Ok(text),
            false => Err(after),
        }
    })
    .await;

    let note = json!({"resource": [{"body": "three"}]});
    let reply = (cluster.node_a())
        .call(Method::POST, &notes.path, Auth::key(&notes.key), Some(note))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    eventually("node B reads the new note", PROPAGATION, || async {
        let body = read().await;
        match bodies(&body) == [behind.as_str(), "two", "three"] {
            true => Ok(()),
            false => Err(body),
        }
    })
    .await;
}
