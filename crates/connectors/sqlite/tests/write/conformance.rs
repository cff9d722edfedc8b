//! The shared write cases (`sluice_connector_conformance::write`) on SQLite.

use sluice_connector_conformance::write::{cases, run};

use crate::helpers::fixture;

#[tokio::test]
async fn every_engine_neutral_write_case_answers_as_expected() {
    run(cases(), async || fixture()).await;
}
