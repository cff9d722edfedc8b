//! The write fixture in PostgreSQL's dialect (the tables of the other engines' write
//! fixtures, with the shared rows) and the requests the tests make.

use serde_json::Value;
use sluice_connector_conformance::write::ROWS;

pub use crate::pg::{Fixture, fixture_of};

/// The tables of the shared write data set in PostgreSQL's dialect (its rows are
/// `sluice_connector_conformance::write::ROWS`): departments and employees (unique e-mail,
/// check on salary, foreign key, bytea), a composite key, a text key, a table without key
/// (with a trigger), the role-filtered `todos`, a view, a composite UNIQUE and a deferred
/// foreign key.
pub const SCHEMA: &str = r#"
CREATE TABLE departments (id serial PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE employees (
    id serial PRIMARY KEY,
    first_name varchar(40) NOT NULL,
    last_name varchar(40) NOT NULL,
    email text UNIQUE,
    salary numeric(10,2) CHECK (salary >= 0),
    active boolean DEFAULT true,
    dept_id integer REFERENCES departments(id),
    photo bytea,
    notes text
);
CREATE TABLE pairs (a integer, b text, v text, PRIMARY KEY (a, b));
CREATE TABLE tags (code text PRIMARY KEY, label text NOT NULL);
CREATE TABLE log (msg text);
CREATE TABLE todos (
    id serial PRIMARY KEY,
    owner_id integer NOT NULL,
    title text NOT NULL,
    done boolean NOT NULL DEFAULT false,
    secret text
);
CREATE TABLE counters (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n int);
CREATE VIEW staff AS SELECT id, last_name FROM employees;
CREATE TABLE seats (id serial PRIMARY KEY, row_no integer, seat_no integer, UNIQUE (row_no, seat_no));
CREATE TABLE reviews (
    id serial PRIMARY KEY,
    employee_id integer REFERENCES employees(id) DEFERRABLE INITIALLY DEFERRED
);
CREATE FUNCTION log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.msg = 'bad' THEN RAISE EXCEPTION 'secret trigger text'; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER log_guard BEFORE INSERT ON log FOR EACH ROW EXECUTE FUNCTION log_guard();
"#;

/// The sequences moved on past the keys the shared rows gave.
const SEQUENCES: &str = "
SELECT setval(pg_get_serial_sequence('departments', 'id'), 2);
SELECT setval(pg_get_serial_sequence('employees', 'id'), 3);
SELECT setval(pg_get_serial_sequence('todos', 'id'), 3);
";

pub async fn fixture() -> Fixture {
    fixture_of(&format!("{SCHEMA}{ROWS}{SEQUENCES}")).await
}

/// The values of a one-column query, as JSON, read on a connection of its own.
pub async fn column(fixture: &Fixture, sql: &str) -> Vec<Value> {
    let (client, connection) = tokio_postgres::connect(&fixture.url, tokio_postgres::NoTls)
        .await
        .expect("test database reachable");
    tokio::spawn(connection);
    let wrapped = format!("SELECT COALESCE(json_agg(q), '[]')::text FROM ({sql}) AS q");
    let row = client.query_one(&wrapped, &[]).await.expect("query runs");
    let text: String = row.get(0);
    let rows: Vec<serde_json::Map<String, Value>> = serde_json::from_str(&text).expect("JSON rows");
    rows.into_iter()
        .map(|row| row.into_iter().next().map_or(Value::Null, |(_, v)| v))
        .collect()
}

pub use sluice_connector_conformance::write::request::{
    bad_request, batch, record_error, with_body, write,
};
