//! The shared nested-write checks (`sluice_connector_conformance::nested`) on SQLite.

use sluice_connector_conformance::nested::{ROWS, run};
use sluice_connector_sqlite::SqliteOptions;

use crate::helpers::fixture_of;

/// The supplies tables in SQLite's dialect.
const TABLES: &str = "
CREATE TABLE supplies (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE locations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    supply_id INTEGER REFERENCES supplies (id)
);
CREATE TABLE bins (
    id INTEGER PRIMARY KEY,
    label TEXT,
    supply_id INTEGER NOT NULL REFERENCES supplies (id)
);
CREATE TABLE codes (code TEXT PRIMARY KEY, note TEXT, supply_id INTEGER REFERENCES supplies (id));
CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);
CREATE TABLE supply_tags (
    id INTEGER PRIMARY KEY,
    supply_id INTEGER NOT NULL REFERENCES supplies (id),
    tag_id INTEGER NOT NULL REFERENCES tags (id)
);
";

#[tokio::test]
async fn every_nested_write_check_passes() {
    let schema = format!("{TABLES}{ROWS}");
    run(async || fixture_of(&schema, SqliteOptions::default())).await;
}
