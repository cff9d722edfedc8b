//! Event scripts reach every node through the change feed: a script saved on node A runs on
//! node B within [`PROPAGATION`], and stops running there once deleted on node A.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::Auth;

use crate::harness::{Cluster, PROPAGATION, eventually};
use crate::propagation::{Notes, expect};

#[tokio::test]
async fn a_script_saved_on_node_a_runs_on_node_b_within_a_second() {
    let cluster = Cluster::start().await;
    let notes = Notes::on(&cluster, 1).await;
    let event = format!("{}._table.note.get.post_process", notes.service_name());
    let script_path = format!("/api/v2/system/event_script/{event}");
    let script = json!({"type": "nodejs", "allow_event_modification": true,
                        "content": "event.response.content = {scripted: true};"});
    expect(
        cluster.node_a(),
        Method::POST,
        &script_path,
        &notes.admin,
        script,
        StatusCode::CREATED,
    )
    .await;
    let read = || async {
        let reply = (cluster.node_b())
            .call(Method::GET, &notes.path, Auth::key(&notes.key), None)
            .await;
        reply.body
    };
    let scripted = json!({"scripted": true});
    eventually("node B runs the script", PROPAGATION, || async {
        let body = read().await;
        match body == scripted {
            true => Ok(()),
            false => Err(body),
        }
    })
    .await;
    expect(
        cluster.node_a(),
        Method::DELETE,
        &script_path,
        &notes.admin,
        Value::Null,
        StatusCode::OK,
    )
    .await;
    eventually("node B stops running it", PROPAGATION, || async {
        let body = read().await;
        match body["resource"].is_array() {
            true => Ok(()),
            false => Err(body),
        }
    })
    .await;
}
