//! The shared read checks (`sluice_connector_conformance::read_tests!`) on MySQL/MariaDB.

use crate::helpers::fixture;

sluice_connector_conformance::read_tests! {
    fixture: fixture().await,
    own_tables: ["typed", "we`ird name"],
    foreign_key_actions: ("RESTRICT", "SET NULL"),
    key_db_type: "int(11)",
}
