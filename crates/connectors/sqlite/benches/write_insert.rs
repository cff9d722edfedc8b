//! Throughput of `POST` with 1,000 records through `AuthorizedTable::write` (records checked and
//! typed, one transaction, one cached INSERT reused), on a file database in WAL mode. Run
//! with `cargo bench -p sluice-connector-sqlite --bench write_insert`.

use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Map, Value, json};
use sluice_connector_core::{
    AuthorizedTable, Database, RowAccess, TableAccess, Unrestricted, WriteBounds, WriteKind,
    WriteRequest,
};
use sluice_connector_sqlite::{SqliteConnector, SqliteOptions};

const RECORDS: usize = 1_000;

const SCHEMA: &str = "CREATE TABLE employees (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL,
    first_name VARCHAR(40) NOT NULL,
    last_name VARCHAR(40) NOT NULL,
    email TEXT,
    hire_date DATE,
    salary DECIMAL(10,2),
    active BOOLEAN DEFAULT 1
)";

fn records() -> Vec<Map<String, Value>> {
    (0..RECORDS)
        .map(|n| {
            let record = json!({
                "owner_id": 1,
                "first_name": format!("First{n}"),
                "last_name": format!("Last{n}"),
                "email": format!("user{n}@example.com"),
                "hire_date": "2020-01-01",
                "salary": 50_000 + n,
                "active": n % 2 == 0,
            });
            match record {
                Value::Object(map) => map,
                _ => Map::new(),
            }
        })
        .collect()
}

fn insert_batches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.sqlite");
    rusqlite::Connection::open(&path)
        .and_then(|connection| connection.execute_batch(SCHEMA))
        .expect("schema created");
    let connector = SqliteConnector::open(&path, SqliteOptions::default()).expect("opens");
    let database = Arc::new(Database::new(connector));
    let cleaner = rusqlite::Connection::open(&path).expect("opens");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let role = sluice_filter::parse("owner_id = 1", &sluice_filter::Limits::default())
        .expect("role filter parses");
    let records = records();
    let role = TableAccess::restricted(
        Arc::new(RowAccess::restricted(Some(role), Vec::new())),
        Arc::new(Unrestricted),
    );
    let variants: [(&str, WriteRequest, TableAccess); 3] = [
        (
            "default",
            WriteRequest::new(WriteKind::Create),
            TableAccess::unrestricted(),
        ),
        (
            "rollback",
            WriteRequest {
                rollback: true,
                ..WriteRequest::new(WriteKind::Create)
            },
            TableAccess::unrestricted(),
        ),
        ("role_filter", WriteRequest::new(WriteKind::Create), role),
    ];
    let mut group = c.benchmark_group("write/insert_1000");
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.sample_size(30);
    for (name, template, access) in variants {
        let table = AuthorizedTable::new(
            Arc::clone(&database),
            "employees".to_owned(),
            access,
            WriteBounds::default(),
        );
        group.bench_function(name, |b| {
            b.iter_batched(
                || {
                    cleaner
                        .execute_batch("DELETE FROM employees")
                        .expect("emptied");
                    WriteRequest {
                        records: records.clone(),
                        ..template.clone()
                    }
                },
                |request| runtime.block_on(table.write(&request)).expect("inserted"),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, insert_batches);
criterion_main!(benches);
