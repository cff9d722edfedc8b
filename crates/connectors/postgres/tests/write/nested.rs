//! The shared nested-write checks (`sluice_connector_conformance::nested`) on PostgreSQL.
//! A nested statement that fails is undone by its savepoint, so what was written before it
//! stays (DreamFactory's rule).

use sluice_connector_conformance::nested::{ROWS, run};

use crate::helpers::fixture_of;

/// The supplies tables in PostgreSQL's dialect.
const TABLES: &str = "
CREATE TABLE supplies (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE locations (id serial PRIMARY KEY, name text NOT NULL, supply_id integer REFERENCES supplies (id));
CREATE TABLE bins (id serial PRIMARY KEY, label text, supply_id integer NOT NULL REFERENCES supplies (id));
CREATE TABLE codes (code text PRIMARY KEY, note text, supply_id integer REFERENCES supplies (id));
CREATE TABLE tags (id serial PRIMARY KEY, label text NOT NULL UNIQUE);
CREATE TABLE supply_tags (
    id serial PRIMARY KEY,
    supply_id integer NOT NULL REFERENCES supplies (id),
    tag_id integer NOT NULL REFERENCES tags (id)
);
";

#[tokio::test]
async fn every_nested_write_check_passes() {
    let schema = format!("{TABLES}{ROWS}");
    run(async || fixture_of(&schema).await).await;
}
