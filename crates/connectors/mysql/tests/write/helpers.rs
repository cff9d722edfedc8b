//! The write fixture in MySQL's dialect (the tables of the other engines' write fixtures,
//! with the shared rows) and the requests the tests make.

use sluice_connector_conformance::write::ROWS;

pub use crate::my::{Fixture, fixture_of};
pub use sluice_connector_conformance::write::request::{as_owner, by_id, with_body, write};

/// The tables of the shared write data set in MySQL's dialect (its rows are
/// `sluice_connector_conformance::write::ROWS`): departments and employees (unique e-mail,
/// check on salary, foreign key, blob), a composite key, a text key, a table without key
/// (with a trigger that refuses a row), the role-filtered `todos` and a composite UNIQUE.
/// Auto-increment counters continue after the rows inserted with their ids.
pub const SCHEMA: &str = r#"
CREATE TABLE departments (id int AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL UNIQUE);
CREATE TABLE employees (
    id int AUTO_INCREMENT PRIMARY KEY,
    first_name varchar(40) NOT NULL,
    last_name varchar(40) NOT NULL,
    email varchar(100) UNIQUE,
    salary decimal(10,2) CHECK (salary >= 0),
    active tinyint(1) DEFAULT 1,
    dept_id int,
    photo blob,
    notes text,
    FOREIGN KEY (dept_id) REFERENCES departments(id)
);
CREATE TABLE pairs (a int, b varchar(10), v text, PRIMARY KEY (a, b));
CREATE TABLE tags (code varchar(20) PRIMARY KEY, label text NOT NULL);
CREATE TABLE log (msg text);
CREATE TABLE todos (
    id int AUTO_INCREMENT PRIMARY KEY,
    owner_id int NOT NULL,
    title text NOT NULL,
    done tinyint(1) NOT NULL DEFAULT 0,
    secret text
);
CREATE TABLE seats (id int AUTO_INCREMENT PRIMARY KEY, row_no int, seat_no int, UNIQUE KEY seat (row_no, seat_no));
CREATE TRIGGER log_guard BEFORE INSERT ON log FOR EACH ROW IF NEW.msg = 'bad' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'secret trigger text'; END IF;
"#;

pub async fn fixture() -> Fixture {
    fixture_of(&format!("{SCHEMA}{ROWS}")).await
}
