//! The shared read checks (`sluice_connector_conformance::read_tests!`) on SQLite.

use crate::helpers::fixture;

sluice_connector_conformance::read_tests! {
    fixture: fixture(),
    own_tables: ["counters", "legacy", "typed", "we\"ird name"],
    foreign_key_actions: ("NO ACTION", "SET NULL"),
    key_db_type: "integer",
}
