//! `related=` (`sluice_connector_conformance::related`): one statement per relationship for
//! the whole page, in one snapshot.

use sluice_connector_conformance::related;

use crate::helpers::fixture;

#[tokio::test]
async fn belongs_to_has_many_and_many_many_land_in_their_parents() {
    related::check_related_in_parents(&fixture().await.database).await;
}

/// On the gateway's multi-threaded runtime, as on the tests' single thread above.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_relationships_and_a_record_by_id() {
    related::check_nested_related_and_by_id(&fixture().await.database).await;
}
