//! Generated SQL and bind lists, no database needed.

use std::sync::Arc;

use sluice_connector_core::{
    BoundValue, ColumnSchema, LIKE_ESCAPE, ReadBounds, ReadPlan, ReadRequest, SchemaSnapshot,
    TableAccess, TableSchema,
};

use super::*;
use crate::types::df_type;

fn column(name: &str, data_type: &str, column_type: &str) -> ColumnSchema {
    let mut column = ColumnSchema::from_declared(name, column_type);
    column.df_type = df_type(data_type, column_type);
    column
}

fn table() -> Arc<TableSchema> {
    let mut id = column("id", "int", "int(11)");
    id.is_primary_key = true;
    Arc::new(TableSchema::new(
        "employees",
        false,
        vec![
            id,
            column("last_name", "varchar", "varchar(40)"),
            column("hired", "datetime", "datetime"),
            column("salary", "decimal", "decimal(10,2)"),
            column("we`ird", "text", "text"),
        ],
        vec![],
    ))
}

fn plan(request: ReadRequest) -> SelectQuery {
    ReadPlan::list(
        &SchemaSnapshot::default(),
        table(),
        &request,
        &TableAccess::unrestricted(),
        &ReadBounds::default(),
    )
    .expect("valid request")
    .query
}

fn select(fields: &str, filter: Option<&str>, order: Option<&str>) -> CompiledSql {
    compile_select(&plan(ReadRequest {
        fields: Some(fields.into()),
        filter: filter.map(Into::into),
        order: order.map(Into::into),
        limit: Some("10".into()),
        ..ReadRequest::default()
    }))
}

fn text(value: &str) -> BoundValue {
    BoundValue::Text(value.into())
}

#[test]
fn placeholders_are_question_marks_and_identifiers_backticks() {
    let compiled = select(
        "id,we`ird",
        Some("(id > 1) and (last_name in ('a','b'))"),
        None,
    );
    assert_eq!(
        compiled.sql,
        "SELECT `id`, `we``ird` FROM `employees` WHERE (`id` > ? AND `last_name` IN (?, ?)) \
         ORDER BY `id` ASC LIMIT ?"
    );
    assert_eq!(
        compiled.binds,
        vec![
            BoundValue::Integer(1),
            text("a"),
            text("b"),
            BoundValue::Integer(10)
        ]
    );
}

#[test]
fn temporal_values_are_selected_as_text() {
    let compiled = select("id,hired", None, None);
    assert!(
        compiled
            .sql
            .starts_with("SELECT `id`, CAST(`hired` AS CHAR) FROM `employees`"),
        "{}",
        compiled.sql
    );
}

#[test]
fn like_escapes_with_backslash_and_a_clients_backslash_matches_itself() {
    assert_eq!(LIKE_ESCAPE, '\\');
    let contains = select("id", Some("last_name contains '5%'"), None);
    assert!(
        contains.sql.contains("`last_name` LIKE ? ESCAPE '\\\\'"),
        "{}",
        contains.sql
    );
    assert_eq!(contains.binds[0], text("%5\\%%"));
    let own = select("id", Some("last_name like 'a\\b%'"), None);
    assert_eq!(own.binds[0], text("a\\\\b%"));
}

#[test]
fn nulls_order_is_written_as_an_is_null_term() {
    let compiled = select("id", None, Some("salary desc nulls last"));
    assert!(
        compiled
            .sql
            .contains("ORDER BY `salary` IS NULL ASC, `salary` DESC"),
        "{}",
        compiled.sql
    );
}

#[test]
fn an_offset_without_limit_has_mysqls_largest_limit() {
    let mut query = plan(ReadRequest {
        fields: Some("id".into()),
        ..ReadRequest::default()
    });
    query.limit = None;
    query.offset = 5;
    assert_eq!(
        compile_select(&query).sql,
        "SELECT `id` FROM `employees` ORDER BY `id` ASC LIMIT 18446744073709551615 OFFSET ?"
    );
}

#[test]
fn grouped_counts_count_the_groups() {
    let query = plan(ReadRequest {
        fields: Some("last_name".into()),
        group: Some("last_name".into()),
        ..ReadRequest::default()
    });
    assert_eq!(
        compile_count(&query).sql,
        "SELECT COUNT(*) FROM (SELECT 1 FROM `employees` GROUP BY `last_name`) AS `grouped`"
    );
}
