//! Generated SQL and bind lists, no database needed.

use std::sync::Arc;

use sluice_connector_core::{
    BoundValue, ColumnSchema, LIKE_ESCAPE, ReadBounds, ReadPlan, ReadRequest, RowAccess,
    SelectQuery, TableAccess, TableSchema, Unrestricted,
};

use super::*;

fn employees() -> Arc<TableSchema> {
    let mut id = ColumnSchema::from_declared("id", "INTEGER");
    id.is_primary_key = true;
    Arc::new(TableSchema::new(
        "employees",
        false,
        vec![
            id,
            ColumnSchema::from_declared("last_name", "varchar(40)"),
            ColumnSchema::from_declared("hire_date", "date"),
            ColumnSchema::from_declared("salary", "integer"),
            ColumnSchema::from_declared("dept", "text"),
        ],
        vec![],
    ))
}

fn plan(table: Arc<TableSchema>, request: ReadRequest) -> SelectQuery {
    plan_as(table, request, &TableAccess::unrestricted())
}

fn plan_as(table: Arc<TableSchema>, request: ReadRequest, access: &TableAccess) -> SelectQuery {
    ReadPlan::list(
        &sluice_connector_core::SchemaSnapshot::default(),
        table,
        &request,
        access,
        &ReadBounds::default(),
    )
    .expect("valid request")
    .query
}

fn filtered(filter: &str) -> CompiledSql {
    compile_select(&plan(
        employees(),
        ReadRequest {
            fields: Some("id".into()),
            filter: Some(filter.into()),
            limit: Some("10".into()),
            ..ReadRequest::default()
        },
    ))
}

fn text(value: &str) -> BoundValue {
    BoundValue::Text(value.into())
}

#[test]
fn typical_filter_compiles_to_bound_sql_with_precedence_kept() {
    let compiled = filtered(
        "(last_name = 'Smith') and (hire_date >= '1990-01-01') or salary between 50000 and 60000",
    );
    assert_eq!(
        compiled.sql,
        "SELECT \"id\" FROM \"employees\" WHERE ((\"last_name\" = ? AND \"hire_date\" >= ?) OR \
         \"salary\" BETWEEN ? AND ?) ORDER BY \"id\" ASC LIMIT ? OFFSET ?"
    );
    assert_eq!(
        compiled.binds,
        vec![
            text("Smith"),
            text("1990-01-01"),
            BoundValue::Integer(50000),
            BoundValue::Integer(60000),
            BoundValue::Integer(10),
            BoundValue::Integer(0),
        ]
    );
}

#[test]
fn every_operator_has_its_sql_form() {
    let cases = [
        ("id != 1", "\"id\" != ?"),
        ("id > 1", "\"id\" > ?"),
        ("id < 1", "\"id\" < ?"),
        ("id <= 1", "\"id\" <= ?"),
        ("id in (1, 2)", "\"id\" IN (?, ?)"),
        ("id not in (1)", "\"id\" NOT IN (?)"),
        ("dept is null", "\"dept\" IS NULL"),
        ("dept is not null", "\"dept\" IS NOT NULL"),
        ("dept = null", "\"dept\" IS NULL"),
        ("dept like 'a%'", "\"dept\" LIKE ?"),
        ("dept not like 'a%'", "\"dept\" NOT LIKE ?"),
        ("dept contains x", "\"dept\" LIKE ? ESCAPE '\\'"),
        ("dept not starts with x", "\"dept\" NOT LIKE ? ESCAPE '\\'"),
        ("id not between 1 and 2", "\"id\" NOT BETWEEN ? AND ?"),
        ("not (id = 1)", "NOT (\"id\" = ?)"),
    ];
    for (filter, expected) in cases {
        let compiled = filtered(filter);
        let expected = format!(
            "SELECT \"id\" FROM \"employees\" WHERE {expected} ORDER BY \"id\" ASC LIMIT ? OFFSET ?"
        );
        assert_eq!(compiled.sql, expected, "{filter}");
    }
}

#[test]
fn like_patterns_are_escaped_and_bound_never_inlined() {
    assert_eq!(
        LIKE_ESCAPE, '\\',
        "the compiler's ESCAPE clause assumes a backslash"
    );
    let compiled = filtered("dept contains '100%_sure'' OR 1=1 --'");
    assert!(!compiled.sql.contains("100"));
    assert_eq!(compiled.binds[0], text(r"%100\%\_sure' OR 1=1 --%"));
}

#[test]
fn identifiers_are_quoted_with_embedded_quotes_doubled() {
    let table = Arc::new(TableSchema::new(
        "we\"ird table",
        false,
        vec![ColumnSchema::from_declared("co\"l; DROP", "text")],
        vec![],
    ));
    let compiled = compile_select(&plan(table, ReadRequest::default())).sql;
    assert!(
        compiled.starts_with("SELECT \"co\"\"l; DROP\" FROM \"we\"\"ird table\""),
        "{compiled}"
    );
}

#[test]
fn group_aggregates_and_order_terms_compile() {
    let compiled = compile_select(&plan(
        employees(),
        ReadRequest {
            fields: Some("dept,COUNT(*),sum(salary)".into()),
            group: Some("dept".into()),
            order: Some("dept desc nulls last, id".into()),
            limit: Some("5".into()),
            offset: Some("10".into()),
            ..ReadRequest::default()
        },
    ));
    assert_eq!(
        compiled.sql,
        "SELECT \"dept\", COUNT(*), SUM(\"salary\") FROM \"employees\" GROUP BY \"dept\" \
         ORDER BY \"dept\" DESC NULLS LAST, \"id\" ASC LIMIT ? OFFSET ?"
    );
    assert_eq!(
        compiled.binds,
        vec![BoundValue::Integer(5), BoundValue::Integer(10)]
    );
}

#[test]
fn counts_ignore_projection_order_and_paging_and_count_groups() {
    let request = ReadRequest {
        filter: Some("salary > 10".into()),
        order: Some("id".into()),
        limit: Some("5".into()),
        ..ReadRequest::default()
    };
    let count = compile_count(&plan(employees(), request.clone()));
    assert_eq!(
        count.sql,
        "SELECT COUNT(*) FROM \"employees\" WHERE \"salary\" > ?"
    );
    assert_eq!(count.binds, vec![BoundValue::Integer(10)]);
    let grouped = compile_count(&plan(
        employees(),
        ReadRequest {
            group: Some("dept".into()),
            ..request
        },
    ));
    assert_eq!(
        grouped.sql,
        "SELECT COUNT(*) FROM (SELECT 1 FROM \"employees\" WHERE \"salary\" > ? GROUP BY \"dept\")"
    );
}

#[test]
fn reads_by_id_select_hidden_key_columns_with_the_record_cap() {
    let compiled = compile_select(&plan(
        employees(),
        ReadRequest {
            fields: Some("last_name".into()),
            ids: Some("1,2".into()),
            ..ReadRequest::default()
        },
    ));
    assert_eq!(
        compiled.sql,
        "SELECT \"last_name\", \"id\" FROM \"employees\" WHERE \"id\" IN (?, ?) LIMIT ? OFFSET ?"
    );
    assert_eq!(
        compiled.binds[2..],
        [BoundValue::Integer(1000), BoundValue::Integer(0)]
    );
}

#[test]
fn composite_ids_compare_every_key_column() {
    let mut a = ColumnSchema::from_declared("a", "integer");
    a.is_primary_key = true;
    let mut b = ColumnSchema::from_declared("b", "text");
    b.is_primary_key = true;
    let table = Arc::new(TableSchema::new("pairs", false, vec![a, b], vec![]));
    let compiled = compile_select(&plan(
        table,
        ReadRequest {
            ids: Some("1,2".into()),
            ..ReadRequest::default()
        },
    ));
    assert_eq!(
        compiled.sql,
        "SELECT \"a\", \"b\", \"a\", \"b\" FROM \"pairs\" WHERE ((\"a\" = ? AND \"b\" = ?) OR (\"a\" = ? AND \"b\" = ?)) LIMIT ? OFFSET ?"
    );
    assert_eq!(
        compiled.binds,
        vec![
            BoundValue::Integer(1),
            text("1"),
            BoundValue::Integer(2),
            text("2"),
            BoundValue::Integer(1000),
            BoundValue::Integer(0),
        ]
    );
}

#[test]
fn offset_without_limit_uses_sqlite_no_limit() {
    let mut query = plan(employees(), ReadRequest::default());
    query.limit = None;
    query.offset = 3;
    let compiled = compile_select(&query);
    assert!(compiled.sql.ends_with(" LIMIT ? OFFSET ?"));
    assert_eq!(
        compiled.binds,
        vec![BoundValue::Integer(-1), BoundValue::Integer(3)]
    );
}

/// A role that sees `row_filter` and may not read `hidden`.
fn role(row_filter: &str, hidden: &[&str]) -> TableAccess {
    let row_filter = sluice_filter::parse(row_filter, &sluice_filter::Limits::default())
        .expect("role filter parses");
    let row = RowAccess::restricted(
        Some(row_filter),
        hidden.iter().map(|name| (*name).to_owned()).collect(),
    );
    TableAccess::restricted(Arc::new(row), Arc::new(Unrestricted))
}

#[test]
fn the_role_filter_is_anded_after_the_whole_client_filter() {
    let request = ReadRequest {
        fields: Some("id".into()),
        filter: Some("id = 1 or salary > 0".into()),
        limit: Some("10".into()),
        ..ReadRequest::default()
    };
    let query = plan_as(employees(), request, &role("dept = 'ops'", &[]));
    let compiled = compile_select(&query);
    assert_eq!(
        compiled.sql,
        "SELECT \"id\" FROM \"employees\" WHERE ((\"id\" = ? OR \"salary\" > ?) AND \
         \"dept\" = ?) ORDER BY \"id\" ASC LIMIT ? OFFSET ?"
    );
    assert_eq!(
        compiled.binds[..3],
        [BoundValue::Integer(1), BoundValue::Integer(0), text("ops")]
    );
    assert_eq!(
        compile_count(&query).sql,
        "SELECT COUNT(*) FROM \"employees\" WHERE ((\"id\" = ? OR \"salary\" > ?) AND \
         \"dept\" = ?)"
    );
}

#[test]
fn an_unresolved_role_lookup_compiles_to_a_comparison_with_a_bound_null() {
    let request = ReadRequest {
        fields: Some("id".into()),
        ..ReadRequest::default()
    };
    let query = plan_as(employees(), request, &role("not (id != {user.id})", &[]));
    let compiled = compile_select(&query);
    assert!(
        compiled.sql.contains(" WHERE NOT (\"id\" = ?) "),
        "{}",
        compiled.sql
    );
    assert_eq!(compiled.binds[0], BoundValue::Null);
}

#[test]
fn a_role_filter_on_a_hidden_column_emits_the_schema_name() {
    let query = plan_as(
        employees(),
        ReadRequest::default(),
        &role("salary < 100", &["SALARY"]),
    );
    assert_eq!(
        compile_select(&query).sql,
        "SELECT \"id\", \"last_name\", \"hire_date\", \"dept\" FROM \"employees\" \
         WHERE \"salary\" < ? ORDER BY \"id\" ASC LIMIT ? OFFSET ?"
    );
}
