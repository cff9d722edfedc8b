//! The shared nested-write checks (`sluice_connector_conformance::nested`) on MySQL. A
//! nested statement that fails undoes only itself in MySQL, so what was written before it
//! stays (DreamFactory's rule) without savepoints.

use sluice_connector_conformance::nested::{ROWS, run};

use crate::helpers::fixture_of;

/// The supplies tables in MySQL's dialect.
const TABLES: &str = "
CREATE TABLE supplies (id int AUTO_INCREMENT PRIMARY KEY, name varchar(40) NOT NULL);
CREATE TABLE locations (id int AUTO_INCREMENT PRIMARY KEY, name varchar(40) NOT NULL, supply_id int, FOREIGN KEY (supply_id) REFERENCES supplies (id));
CREATE TABLE bins (id int AUTO_INCREMENT PRIMARY KEY, label varchar(40), supply_id int NOT NULL, FOREIGN KEY (supply_id) REFERENCES supplies (id));
CREATE TABLE codes (code varchar(20) PRIMARY KEY, note text, supply_id int, FOREIGN KEY (supply_id) REFERENCES supplies (id));
CREATE TABLE tags (id int AUTO_INCREMENT PRIMARY KEY, label varchar(40) NOT NULL UNIQUE);
CREATE TABLE supply_tags (
    id int AUTO_INCREMENT PRIMARY KEY,
    supply_id int NOT NULL,
    tag_id int NOT NULL,
    FOREIGN KEY (supply_id) REFERENCES supplies (id),
    FOREIGN KEY (tag_id) REFERENCES tags (id)
);
";

#[tokio::test]
async fn every_nested_write_check_passes() {
    let schema = format!("{TABLES}{ROWS}");
    run(async || fixture_of(&schema).await).await;
}
