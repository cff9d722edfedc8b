//! `RowAccess` on every kind of read: the role's filter ANDed in, hidden fields unknown.

use std::sync::Arc;

use serde_json::{Value, json};

use super::tests::{employees, table_with_name_column};
use super::*;
use crate::access::test_support::Session;
use crate::access::{RowAccess, TableAccess};
use crate::condition::ComparisonOp;
use crate::value::BoundValue;

fn parsed(filter: &str) -> sluice_filter::Expr {
    sluice_filter::parse(filter, &sluice_filter::Limits::default()).expect("parses")
}

/// A role's access with `row_filter` and `hidden` fields, no lookups.
fn access(row_filter: Option<&str>, hidden: &[&str]) -> TableAccess {
    let row = RowAccess::restricted(
        row_filter.map(parsed),
        hidden.iter().map(|name| (*name).to_owned()).collect(),
    );
    TableAccess::restricted(Arc::new(row), Arc::new(crate::Unrestricted))
}

/// A role that sees its own department's rows and may not read `salary`.
fn restricted() -> TableAccess {
    access(Some("dept = {user.dept}"), &["SALARY"])
        .with_lookups(Arc::new(Session::default().with("user.dept", json!("ops"))))
}

fn list(request: ReadRequest, access: &TableAccess) -> Result<ReadPlan, ConnectorError> {
    ReadPlan::list(
        &crate::schema::SchemaSnapshot::default(),
        Arc::new(employees()),
        &request,
        access,
        &ReadBounds::default(),
    )
}

fn by_id(
    id: &str,
    request: &ReadRequest,
    access: &TableAccess,
) -> Result<ReadPlan, ConnectorError> {
    ReadPlan::by_id(
        &crate::schema::SchemaSnapshot::default(),
        Arc::new(employees()),
        id,
        request,
        access,
        &ReadBounds::default(),
    )
}

fn column(name: &str) -> ColumnRef {
    employees().column_ref(name).expect("column exists")
}

fn role_condition() -> Condition {
    Condition::Compare {
        column: column("dept"),
        op: ComparisonOp::Eq,
        value: BoundValue::Text("ops".into()),
    }
}

fn message(result: Result<ReadPlan, ConnectorError>) -> String {
    match result {
        Err(ConnectorError::BadRequest { message, .. }) => message,
        other => panic!("expected a 400, got {other:?}"),
    }
}

fn keys(plan: &ReadPlan) -> Vec<String> {
    plan.query
        .projection
        .iter()
        .map(|p| p.key(&plan.query.table))
        .collect()
}

#[test]
fn the_role_filter_alone_is_the_condition_of_a_list() {
    let plan = list(ReadRequest::default(), &restricted()).expect("valid");
    assert_eq!(plan.query.condition, Some(role_condition()));
}

#[test]
fn the_client_filter_stays_one_node_beside_the_role_filter() {
    let plan = list(
        ReadRequest {
            filter: Some("id = 1 or id > 0".into()),
            count_only: true,
            ..ReadRequest::default()
        },
        &restricted(),
    )
    .expect("valid");
    let id = column("id");
    assert_eq!(
        plan.query.condition,
        Some(Condition::And(vec![
            Condition::Or(vec![
                Condition::Compare {
                    column: id,
                    op: ComparisonOp::Eq,
                    value: BoundValue::Integer(1),
                },
                Condition::Compare {
                    column: id,
                    op: ComparisonOp::Gt,
                    value: BoundValue::Integer(0),
                },
            ]),
            role_condition(),
        ]))
    );
}

#[test]
fn ids_and_by_id_reads_carry_the_role_filter() {
    let id_in = |values: Vec<i64>| Condition::In {
        column: column("id"),
        values: values.into_iter().map(BoundValue::Integer).collect(),
        negated: false,
    };
    let plan = list(
        ReadRequest {
            ids: Some("1,2".into()),
            ..ReadRequest::default()
        },
        &restricted(),
    )
    .expect("valid");
    assert_eq!(
        plan.query.condition,
        Some(Condition::And(vec![id_in(vec![1, 2]), role_condition()]))
    );
    let plan = by_id("3", &ReadRequest::default(), &restricted()).expect("valid");
    assert_eq!(
        plan.query.condition,
        Some(Condition::And(vec![id_in(vec![3]), role_condition()]))
    );
}

#[test]
fn a_role_filter_may_use_hidden_columns() {
    let access = access(Some("salary < 100"), &["salary"]);
    let plan = list(ReadRequest::default(), &access).expect("valid");
    assert_eq!(
        plan.query.condition,
        Some(Condition::Compare {
            column: column("salary"),
            op: ComparisonOp::Lt,
            value: BoundValue::Integer(100),
        })
    );
    assert_eq!(plan.query.table.column(column("salary")).name, "salary");
    assert!(!keys(&plan).contains(&"salary".to_owned()));
}

#[test]
fn a_role_filter_naming_an_unknown_column_is_a_server_filter_error() {
    let access = access(Some("owner_id = {user.id}"), &[]);
    for result in [
        list(ReadRequest::default(), &access),
        by_id("1", &ReadRequest::default(), &access),
    ] {
        assert!(
            matches!(result, Err(ConnectorError::ServerFilter { .. })),
            "{result:?}"
        );
    }
}

#[test]
fn a_role_lookup_without_a_value_fails_closed_in_the_plan() {
    let access = access(Some("dept != {user.dept}"), &[]);
    let plan = list(ReadRequest::default(), &access).expect("valid");
    assert_eq!(
        plan.query.condition,
        Some(Condition::Compare {
            column: column("dept"),
            op: ComparisonOp::Eq,
            value: BoundValue::Null,
        })
    );
}

#[test]
fn hidden_fields_get_the_unknown_field_400_in_every_option() {
    for (request, expected) in [
        (
            ReadRequest {
                fields: Some("id,Salary".into()),
                ..ReadRequest::default()
            },
            "Invalid field requested: Salary",
        ),
        (
            ReadRequest {
                fields: Some("dept,sum(salary)".into()),
                group: Some("dept".into()),
                ..ReadRequest::default()
            },
            "Invalid field requested: sum(salary)",
        ),
        (
            ReadRequest {
                filter: Some("salary > 0".into()),
                ..ReadRequest::default()
            },
            "Invalid or unparsable field in filter request: 'salary'",
        ),
        (
            ReadRequest {
                order: Some("salary desc".into()),
                ..ReadRequest::default()
            },
            "Invalid field 'salary' in order by clause.",
        ),
        (
            ReadRequest {
                group: Some("salary".into()),
                ..ReadRequest::default()
            },
            "Invalid or unknown field 'salary' in group by clause.",
        ),
        (
            ReadRequest {
                ids: Some("1".into()),
                id_field: Some("salary".into()),
                ..ReadRequest::default()
            },
            "Invalid identifier field 'salary' requested.",
        ),
        (
            ReadRequest {
                as_list: true,
                id_field: Some("salary".into()),
                ..ReadRequest::default()
            },
            "Invalid identifier field 'salary' requested.",
        ),
    ] {
        // The same message as for a name the table does not have.
        let unknown = ReadRequest {
            fields: request
                .fields
                .as_ref()
                .map(|f| f.replace("alary", "alaryx")),
            filter: request
                .filter
                .as_ref()
                .map(|f| f.replace("alary", "alaryx")),
            order: request.order.as_ref().map(|f| f.replace("alary", "alaryx")),
            group: request.group.as_ref().map(|f| f.replace("alary", "alaryx")),
            id_field: request
                .id_field
                .as_ref()
                .map(|f| f.replace("alary", "alaryx")),
            ..request.clone()
        };
        let unrestricted = TableAccess::unrestricted();
        assert_eq!(
            message(list(unknown, &unrestricted)),
            expected.replace("alary", "alaryx")
        );
        assert_eq!(message(list(request, &restricted())), expected);
    }
    let request = ReadRequest {
        id_field: Some("salary".into()),
        ..ReadRequest::default()
    };
    assert_eq!(
        message(by_id("1", &request, &restricted())),
        "Invalid identifier field 'salary' requested."
    );
}

#[test]
fn star_and_the_default_projection_leave_hidden_fields_out() {
    let expected = ["id", "first_name", "last_name", "dept"];
    for fields in [None, Some("*"), Some("*,id")] {
        let request = ReadRequest {
            fields: fields.map(str::to_owned),
            ..ReadRequest::default()
        };
        let plan = list(request, &restricted()).expect("valid");
        assert_eq!(keys(&plan), expected, "{fields:?}");
    }
}

#[test]
fn include_schema_describes_only_readable_columns() {
    let plan = list(
        ReadRequest {
            include_schema: true,
            ..ReadRequest::default()
        },
        &restricted(),
    )
    .expect("valid");
    let mut buf = Vec::new();
    crate::json::write_table_descriptor(&mut buf, &plan.query.table);
    let schema: Value = serde_json::from_slice(&buf).expect("valid JSON");
    let names: Vec<&str> = schema["field"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|field| field["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["id", "first_name", "last_name", "dept"]);
    assert_eq!(schema["primary_key"], json!(["id"]));
}

#[test]
fn as_list_falls_back_to_the_primary_key_when_name_is_hidden() {
    let request = ReadRequest {
        as_list: true,
        ..ReadRequest::default()
    };
    let plan = ReadPlan::list(
        &crate::schema::SchemaSnapshot::default(),
        Arc::new(table_with_name_column()),
        &request,
        &access(None, &["name"]),
        &ReadBounds::default(),
    )
    .expect("valid");
    assert_eq!(keys(&plan), ["code"]);
}

#[test]
fn unrestricted_reads_use_the_shared_table_as_it_is() {
    let table = Arc::new(employees());
    for access in [
        TableAccess::unrestricted(),
        access(None, &["no_such_column"]),
    ] {
        let plan = ReadPlan::list(
            &crate::schema::SchemaSnapshot::default(),
            Arc::clone(&table),
            &ReadRequest::default(),
            &access,
            &ReadBounds::default(),
        )
        .expect("valid");
        assert!(Arc::ptr_eq(&plan.query.table, &table));
        assert_eq!(plan.query.condition, None);
    }
}
