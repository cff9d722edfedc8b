//! Parse cost for typical and worst-case (at the default bounds) filters.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use sluice_filter::{Limits, parse};

fn bench_parse(c: &mut Criterion) {
    let limits = Limits::default();
    let typical = "(first_name = 'John') and (age >= 30) and status in ('open', 'new')";
    let widest = vec!["name like 'a%'"; 199].join(" or ");
    let values: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    let longest_list = format!("id in ({})", values.join(","));

    c.bench_function("parse typical", |b| {
        b.iter(|| parse(black_box(typical), &limits))
    });
    c.bench_function("parse 200 nodes", |b| {
        b.iter(|| parse(black_box(&widest), &limits))
    });
    c.bench_function("parse 1000-value list", |b| {
        b.iter(|| parse(black_box(&longest_list), &limits))
    });
    c.bench_function("print typical", |b| {
        let expr = parse(typical, &limits).expect("valid filter");
        b.iter(|| black_box(&expr).to_string())
    });
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
