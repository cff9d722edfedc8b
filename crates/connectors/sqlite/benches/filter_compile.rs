//! Cost of turning a typical DreamFactory filter into SQL: parse, resolve against the
//! schema, compile. Run with `cargo bench -p sluice-connector-sqlite`.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use sluice_connector_core::{
    ColumnSchema, ReadBounds, ReadPlan, ReadRequest, TableAccess, TableSchema, parse_filter,
};
use sluice_connector_sqlite::compile_select;

const FILTER: &str =
    "(last_name = 'Smith') and (hire_date >= '1990-01-01') or salary between 50000 and 60000";

fn employees() -> Arc<TableSchema> {
    let mut id = ColumnSchema::from_declared("id", "INTEGER");
    id.is_primary_key = true;
    Arc::new(TableSchema::new(
        "employees",
        false,
        vec![
            id,
            ColumnSchema::from_declared("first_name", "varchar(14)"),
            ColumnSchema::from_declared("last_name", "varchar(16)"),
            ColumnSchema::from_declared("birth_date", "date"),
            ColumnSchema::from_declared("hire_date", "date"),
            ColumnSchema::from_declared("gender", "char(1)"),
            ColumnSchema::from_declared("salary", "integer"),
        ],
        vec![],
    ))
}

fn filter_pipeline(c: &mut Criterion) {
    let table = employees();
    let bounds = ReadBounds::default();
    let params = HashMap::new();
    let limits = sluice_filter::Limits::default();
    let request = ReadRequest {
        filter: Some(FILTER.to_owned()),
        order: Some("last_name, first_name desc".to_owned()),
        limit: Some("50".to_owned()),
        ..ReadRequest::default()
    };

    c.bench_function("filter/parse", |b| {
        b.iter(|| sluice_filter::parse(black_box(FILTER), &limits))
    });
    c.bench_function("filter/parse+resolve", |b| {
        b.iter(|| parse_filter(black_box(FILTER), &table, &params, None, &bounds))
    });
    c.bench_function("filter/parse+resolve+compile", |b| {
        b.iter(|| {
            let plan = ReadPlan::list(
                &sluice_connector_core::SchemaSnapshot::default(),
                Arc::clone(&table),
                black_box(&request),
                &TableAccess::unrestricted(),
                &bounds,
            )
            .expect("valid request");
            compile_select(&plan.query)
        })
    });
}

criterion_group!(benches, filter_pipeline);
criterion_main!(benches);
