//! The shared read cases (`sluice_connector_conformance::read`) on PostgreSQL.

use crate::helpers::fixture;

#[tokio::test]
async fn shared_cases_answer_the_same_json() {
    let fixture = fixture().await;
    sluice_connector_conformance::read::check_cases(&fixture.database).await;
}

#[tokio::test]
async fn a_role_sees_its_rows_without_its_hidden_fields() {
    let fixture = fixture().await;
    sluice_connector_conformance::read::check_role_case(&fixture.database).await;
}
