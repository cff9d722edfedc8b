//! Generated SQL and bind lists, no database needed.

use std::sync::Arc;

use sluice_connector_core::{
    BoundValue, ColumnSchema, ForeignKey, LIKE_ESCAPE, ReadBounds, ReadPlan, ReadRequest,
    RowAccess, SchemaSnapshot, TableAccess, TableSchema, Unrestricted,
};

use super::*;
use crate::types::PgType;

fn column(name: &str, db_type: &str, typname: &str) -> ColumnSchema {
    let mut column = ColumnSchema::from_declared(name, db_type);
    column.df_type = PgType {
        name: typname,
        category: "",
    }
    .df_type();
    column
}

fn employees() -> TableSchema {
    let mut id = column("id", "integer", "int4");
    id.is_primary_key = true;
    TableSchema::new(
        "employees",
        false,
        vec![
            id,
            column("last_name", "character varying(40)", "varchar"),
            column("hired", "timestamp with time zone", "timestamptz"),
            column("salary", "numeric(10,2)", "numeric"),
            column("dept", "text", "text"),
            column("badge", "uuid", "uuid"),
        ],
        vec![],
    )
}

fn table() -> Arc<TableSchema> {
    Arc::new(employees())
}

fn plan_as(request: ReadRequest, access: &TableAccess) -> SelectQuery {
    ReadPlan::list(
        &SchemaSnapshot::default(),
        table(),
        &request,
        access,
        &ReadBounds::default(),
    )
    .expect("valid request")
    .query
}

fn plan(request: ReadRequest) -> SelectQuery {
    plan_as(request, &TableAccess::unrestricted())
}

fn filtered(filter: &str) -> CompiledSql {
    compile_select(
        "public",
        &plan(ReadRequest {
            fields: Some("id".into()),
            filter: Some(filter.into()),
            limit: Some("10".into()),
            ..ReadRequest::default()
        }),
    )
}

fn text(value: &str) -> BoundValue {
    BoundValue::Text(value.into())
}

#[test]
fn placeholders_are_numbered_and_tables_qualified_with_the_schema() {
    let compiled = filtered("(id > 1) and (dept in ('a','b'))");
    assert_eq!(
        compiled.sql,
        "SELECT \"id\" FROM \"public\".\"employees\" WHERE (\"id\" > $1 AND \"dept\" IN ($2, $3)) \
         ORDER BY \"id\" ASC LIMIT $4"
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
fn values_that_are_not_cheap_to_decode_are_selected_as_text() {
    let compiled = compile_select("public", &plan(ReadRequest::default()));
    assert!(
        compiled.sql.starts_with(
            "SELECT \"id\", \"last_name\", \"hired\"::text, \"salary\"::text, \"dept\", \
             \"badge\"::text FROM"
        ),
        "{}",
        compiled.sql
    );
}

#[test]
fn like_escapes_only_our_own_patterns_and_compares_non_text_as_text() {
    assert_eq!(LIKE_ESCAPE, '\\');
    assert!(
        filtered("last_name contains '5%'")
            .sql
            .contains("WHERE \"last_name\" LIKE $1 ESCAPE '\\' ORDER BY")
    );
    assert!(
        filtered("last_name like 'a\\%'")
            .sql
            .contains("WHERE \"last_name\" LIKE $1 ESCAPE '' ORDER BY")
    );
    assert!(
        filtered("badge like 'a0%'")
            .sql
            .contains("WHERE \"badge\"::text LIKE $1 ESCAPE '' ORDER BY")
    );
}

#[test]
fn not_equal_and_not_between() {
    assert!(filtered("dept != 'x'").sql.contains("\"dept\" != $1"));
    assert!(
        filtered("dept not between 'a' and 'c'")
            .sql
            .contains("\"dept\" NOT BETWEEN $1 AND $2")
    );
}

#[test]
fn offset_without_limit_and_grouped_counts() {
    let query = plan(ReadRequest {
        fields: Some("dept".into()),
        group: Some("dept".into()),
        offset: Some("3".into()),
        ..ReadRequest::default()
    });
    let compiled = compile_select("s", &query);
    assert!(
        compiled
            .sql
            .ends_with(" GROUP BY \"dept\" LIMIT $1 OFFSET $2")
    );
    assert_eq!(
        compile_count("s", &query).sql,
        "SELECT COUNT(*) FROM (SELECT 1 FROM \"s\".\"employees\" GROUP BY \"dept\") AS \"grouped\""
    );
}

#[test]
fn sums_and_averages_are_cast_to_json_friendly_types() {
    let query = plan(ReadRequest {
        fields: Some("count(id),sum(id),sum(salary),avg(id),max(hired),min(id)".into()),
        group: Some("dept".into()),
        ..ReadRequest::default()
    });
    assert!(compile_select("public", &query).sql.starts_with(
        "SELECT COUNT(\"id\"), SUM(\"id\")::bigint, SUM(\"salary\")::double precision, \
             AVG(\"id\")::double precision, MAX(\"hired\")::text, MIN(\"id\") FROM"
    ));
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
fn the_role_filter_is_anded_after_the_whole_client_filter_and_hidden_fields_stay_out() {
    let request = ReadRequest {
        filter: Some("id = 1 or dept = 'x'".into()),
        limit: Some("10".into()),
        ..ReadRequest::default()
    };
    let query = plan_as(request, &role("salary < 100", &["SALARY"]));
    let compiled = compile_select("public", &query);
    assert_eq!(
        compiled.sql,
        "SELECT \"id\", \"last_name\", \"hired\"::text, \"dept\", \"badge\"::text \
         FROM \"public\".\"employees\" WHERE ((\"id\" = $1 OR \"dept\" = $2) AND \
         \"salary\" < $3) ORDER BY \"id\" ASC LIMIT $4"
    );
    assert_eq!(
        compiled.binds[..3],
        [BoundValue::Integer(1), text("x"), BoundValue::Integer(100)]
    );
}

#[test]
fn a_many_many_is_one_join_through_the_junction() {
    let integer = |name: &str, key: bool| {
        let mut column = column(name, "integer", "int4");
        column.is_primary_key = key;
        column
    };
    let foreign = |column: &str, parent: &str| ForeignKey {
        columns: vec![column.into()],
        ref_table: parent.into(),
        ref_columns: vec!["id".into()],
        on_update: "NO ACTION".into(),
        on_delete: "NO ACTION".into(),
    };
    let schema = SchemaSnapshot::new(vec![
        TableSchema::new("post", false, vec![integer("id", true)], vec![]),
        TableSchema::new(
            "tag",
            false,
            vec![integer("id", true), column("label", "text", "text")],
            vec![],
        ),
        TableSchema::new(
            "post_tag",
            false,
            vec![
                integer("id", true),
                integer("post_id", false),
                integer("tag_id", false),
            ],
            vec![foreign("post_id", "post"), foreign("tag_id", "tag")],
        ),
    ]);
    let post = schema.table("post").cloned().expect("post");
    let plan = ReadPlan::list(
        &schema,
        post,
        &ReadRequest {
            related: Some("tag_by_post_tag".into()),
            ..ReadRequest::default()
        },
        &TableAccess::unrestricted(),
        &ReadBounds::default(),
    )
    .expect("plan");
    let values = [BoundValue::Integer(1), BoundValue::Integer(2)];
    let compiled = compile_related("app", &plan.related.nodes[0].query(&values, 10));
    assert_eq!(
        compiled.sql,
        "SELECT \"j\".\"post_id\", \"r\".\"id\", \"r\".\"label\" FROM \"app\".\"tag\" AS \"r\" \
         JOIN \"app\".\"post_tag\" AS \"j\" ON \"j\".\"tag_id\" = \"r\".\"id\" \
         WHERE \"j\".\"post_id\" IN ($1, $2) ORDER BY \"r\".\"id\" ASC LIMIT $3"
    );
    assert_eq!(compiled.binds, [1, 2, 10].map(BoundValue::Integer).to_vec());
}
