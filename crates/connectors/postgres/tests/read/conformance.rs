//! The shared read checks (`sluice_connector_conformance::read_tests!`) on PostgreSQL.

use crate::helpers::fixture;

sluice_connector_conformance::read_tests! {
    fixture: fixture().await,
    own_tables: ["typed", "we\"ird name"],
    foreign_key_actions: ("NO ACTION", "SET NULL"),
    key_db_type: "integer",
}
