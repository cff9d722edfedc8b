//! A pool per thread: a thread that serves the service reads on connections it opened, on
//! its own runtime, never on another thread's.

use std::sync::Arc;

use sluice_connector_conformance::values::get;

use crate::helpers::*;

#[tokio::test]
async fn each_thread_reads_on_connections_of_its_own() {
    let fixture = Arc::new(fixture().await);
    for _ in 0..3 {
        get(&fixture.database, "departments", request())
            .await
            .expect("read here");
    }
    assert_eq!(
        fixture.connector_sessions().await,
        1,
        "one reused connection"
    );

    let elsewhere = Arc::clone(&fixture);
    let sessions_seen_there = on_a_thread_of_its_own(async move {
        get(&elsewhere.database, "departments", request())
            .await
            .expect("read there");
        elsewhere.connector_sessions().await
    });
    assert_eq!(sessions_seen_there, 2, "the other thread opened its own");

    get(&fixture.database, "departments", request())
        .await
        .expect("read here again");
}
