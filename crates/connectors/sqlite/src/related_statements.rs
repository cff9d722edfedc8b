//! Related data costs one statement per relationship for the whole page, never one per
//! parent row: counted with SQLite's statement trace on a real database.

use std::cell::RefCell;
use std::collections::HashMap;

use rusqlite::Connection;
use rusqlite::trace::{TraceEvent, TraceEventCodes};
use serde_json::Value;
use sluice_connector_core::{ReadBounds, ReadOutput, ReadPlan, ReadRequest, TableAccess};

use crate::execute::read;
use crate::introspect::introspect;

const SCHEMA: &str = "
CREATE TABLE contact (id INTEGER PRIMARY KEY, first_name TEXT NOT NULL);
CREATE TABLE contact_info (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contact (id),
    email TEXT
);
CREATE TABLE contact_group (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE contact_group_relationship (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contact (id),
    contact_group_id INTEGER NOT NULL REFERENCES contact_group (id)
);
INSERT INTO contact_group VALUES (1, 'Family'), (2, 'Work');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
INSERT INTO contact SELECT i, 'c' || i FROM n;
INSERT INTO contact_info (contact_id, email)
    SELECT id, 'home' || id || '@x.io' FROM contact UNION ALL
    SELECT id, 'work' || id || '@x.io' FROM contact ORDER BY 1, 2;
INSERT INTO contact_group_relationship (contact_id, contact_group_id)
    SELECT id, 1 + id % 2 FROM contact;
";

thread_local! {
    static SELECTS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn count(event: TraceEvent<'_>) {
    if let TraceEvent::Stmt(_, sql) = event
        && sql.starts_with("SELECT")
    {
        SELECTS.with(|selects| selects.borrow_mut().push(sql.to_owned()));
    }
}

fn database() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().expect("temp dir");
    let connection = Connection::open(dir.path().join("db.sqlite")).expect("opens");
    connection.execute_batch(SCHEMA).expect("schema");
    (dir, connection)
}

fn request(query: &[(&str, &str)]) -> ReadRequest {
    let options: HashMap<String, String> = query
        .iter()
        .filter(|(key, _)| *key != "related" && *key != "limit")
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let get = |name: &str| {
        query
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, v)| (*v).to_owned())
    };
    ReadRequest {
        related: get("related"),
        limit: get("limit"),
        related_options: options,
        ..ReadRequest::default()
    }
}

/// Runs a list read and returns the body and the SELECTs it ran.
fn list(connection: &Connection, request: &ReadRequest) -> (Value, Vec<String>) {
    let schema = introspect(connection).expect("introspects");
    let table = schema.table("contact").cloned().expect("table");
    let plan = ReadPlan::list(
        &schema,
        table,
        request,
        &TableAccess::unrestricted(),
        &ReadBounds::default(),
    )
    .expect("plan");
    SELECTS.with(|selects| selects.borrow_mut().clear());
    connection.trace_v2(TraceEventCodes::SQLITE_TRACE_STMT, Some(count));
    let output = read(connection, &plan).expect("reads");
    connection.trace_v2(TraceEventCodes::empty(), None);
    let ReadOutput::Json(bytes) = output else {
        panic!("a list");
    };
    let body = serde_json::from_slice(&bytes).expect("JSON");
    (body, SELECTS.with(|selects| selects.borrow().clone()))
}

#[test]
fn a_page_costs_one_select_plus_one_per_relationship_whatever_its_size() {
    let (_dir, connection) = database();
    let related = "*,contact_info_by_contact_id.contact_by_contact_id";
    for limit in ["2", "50"] {
        let (body, selects) = list(
            &connection,
            &request(&[("related", related), ("limit", limit)]),
        );
        let rows = body["resource"].as_array().expect("list");
        assert_eq!(rows.len().to_string(), limit);
        // The page, contact_group (through the junction), contact_group_relationship,
        // contact_info, and contact inside contact_info.
        assert_eq!(selects.len(), 5, "limit {limit}: {selects:#?}");
    }
}

#[test]
fn related_rows_land_in_their_parents() {
    let (_dir, connection) = database();
    let (body, _) = list(
        &connection,
        &request(&[
            (
                "related",
                "contact_info_by_contact_id,contact_group_by_contact_group_relationship",
            ),
            ("limit", "2"),
            ("contact_info_by_contact_id_fields", "email"),
            ("contact_info_by_contact_id_order", "email desc"),
        ]),
    );
    assert_eq!(
        body["resource"][1],
        serde_json::json!({
            "id": 2, "first_name": "c2",
            "contact_info_by_contact_id": [{"email": "work2@x.io"}, {"email": "home2@x.io"}],
            "contact_group_by_contact_group_relationship": [{"id": 1, "name": "Family"}]
        })
    );
}

#[test]
fn a_record_by_id_costs_one_select_per_relationship_too() {
    let (_dir, connection) = database();
    let schema = introspect(&connection).expect("introspects");
    let table = schema.table("contact_info").cloned().expect("table");
    let request = request(&[
        ("related", "contact_by_contact_id"),
        ("contact_by_contact_id_fields", "first_name"),
    ]);
    let plan = ReadPlan::by_id(
        &schema,
        table,
        "3",
        &request,
        &TableAccess::unrestricted(),
        &ReadBounds::default(),
    )
    .expect("plan");
    SELECTS.with(|selects| selects.borrow_mut().clear());
    connection.trace_v2(TraceEventCodes::SQLITE_TRACE_STMT, Some(count));
    let ReadOutput::Json(bytes) = read(&connection, &plan).expect("reads") else {
        panic!("a record");
    };
    connection.trace_v2(TraceEventCodes::empty(), None);
    let body: Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(
        body,
        serde_json::json!({"id": 3, "contact_id": 2, "email": "home2@x.io",
                           "contact_by_contact_id": {"first_name": "c2"}})
    );
    assert_eq!(SELECTS.with(|selects| selects.borrow().len()), 2);
}
