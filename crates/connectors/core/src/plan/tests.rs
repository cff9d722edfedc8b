use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::schema::ColumnSchema;
use crate::value::BoundValue;

/// `employees(id INTEGER PRIMARY KEY, first_name, last_name, salary, dept)`.
pub(crate) fn employees() -> TableSchema {
    let mut id = ColumnSchema::from_declared("id", "INTEGER");
    id.is_primary_key = true;
    TableSchema::new(
        "employees",
        false,
        vec![
            id,
            ColumnSchema::from_declared("first_name", "varchar(40)"),
            ColumnSchema::from_declared("last_name", "varchar(40)"),
            ColumnSchema::from_declared("salary", "decimal(10,2)"),
            ColumnSchema::from_declared("dept", "text"),
        ],
        vec![],
    )
}

pub(crate) fn table_with_name_column() -> TableSchema {
    let mut code = ColumnSchema::from_declared("code", "text");
    code.is_primary_key = true;
    TableSchema::new(
        "tags",
        false,
        vec![code, ColumnSchema::from_declared("Name", "text")],
        vec![],
    )
}

fn list(request: ReadRequest) -> Result<ReadPlan, String> {
    ReadPlan::list(
        &crate::schema::SchemaSnapshot::default(),
        Arc::new(employees()),
        &request,
        &crate::TableAccess::unrestricted(),
        &ReadBounds::default(),
    )
    .map_err(|e| e.to_string())
}

fn ids_request(ids: &str, continue_on_error: bool) -> ReadRequest {
    ReadRequest {
        ids: Some(ids.to_owned()),
        continue_on_error,
        ..ReadRequest::default()
    }
}

#[test]
fn list_plan_resolves_every_option() {
    let plan = list(ReadRequest {
        fields: Some("id,last_name".into()),
        filter: Some("salary > 100".into()),
        order: Some("last_name desc".into()),
        limit: Some("5".into()),
        offset: Some("10".into()),
        ..ReadRequest::default()
    })
    .expect("valid");
    assert_eq!(plan.query.projection.len(), 2);
    assert_eq!(plan.rows.width(), 2);
    assert!(plan.query.condition.is_some());
    assert_eq!(plan.query.order_by.len(), 1);
    assert_eq!((plan.query.limit, plan.query.offset), (Some(5), 10));
    assert!(matches!(
        plan.kind,
        ReadKind::Page(Paging {
            need_limit: false,
            ..
        })
    ));
}

#[test]
fn plain_list_probes_one_row_past_the_maximum() {
    let plan = list(ReadRequest::default()).expect("valid");
    assert_eq!(plan.query.limit, Some(1001));
}

#[test]
fn ids_plan_fetches_all_ids_in_one_query_with_hidden_key_columns() {
    let plan = list(ReadRequest {
        fields: Some("last_name".into()),
        ..ids_request("3, 1,3", false)
    })
    .expect("valid");
    let table = employees();
    let id = table.column_ref("id").expect("id");
    assert_eq!(
        plan.query.condition,
        Some(Condition::In {
            column: id,
            values: vec![BoundValue::Integer(3), BoundValue::Integer(1)],
            negated: false,
        })
    );
    assert_eq!(plan.rows.width(), 1);
    assert_eq!(plan.query.projection.len(), 2);
    assert_eq!(plan.query.limit, Some(1000));
}

#[test]
fn ids_are_validated_like_dreamfactory() {
    assert_eq!(
        list(ids_request(" , ", false)).err(),
        Some("The request contains no valid identifiers.".into())
    );
    assert_eq!(
        list(ids_request("1,abc", false)).err(),
        Some("Field 'id' must be a valid integer.".into())
    );
    let many = (0..1001)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(
        list(ids_request(&many, false)).err(),
        Some("Too many identifiers in one request: the limit is 1000.".into())
    );
    let ReadKind::Ids(lookup) = list(ids_request("1.7", false)).expect("valid").kind else {
        panic!("ids plan");
    };
    assert_eq!(lookup.ids[0].values, vec![BoundValue::Integer(1)]);
}

#[test]
fn unknown_id_field_is_refused() {
    let request = ReadRequest {
        id_field: Some("nope".into()),
        ..ids_request("1", false)
    };
    assert_eq!(
        list(request).err(),
        Some("Invalid identifier field 'nope' requested.".into())
    );
}

fn lookup(ids: &str, continue_on_error: bool) -> IdLookup {
    let ReadKind::Ids(lookup) = list(ids_request(ids, continue_on_error))
        .expect("valid")
        .kind
    else {
        panic!("ids plan");
    };
    lookup
}

/// Rows 1 and 3 as the database returns them (id order 3, 1).
fn fetched() -> (Vec<u8>, Vec<FetchedRow>) {
    let buf = br#"{"id":3}{"id":1}"#.to_vec();
    let rows = vec![
        FetchedRow {
            links: Vec::new(),
            key: vec![BoundValue::Integer(3)],
            json: 0..8,
        },
        FetchedRow {
            links: Vec::new(),
            key: vec![BoundValue::Integer(1)],
            json: 8..16,
        },
    ];
    (buf, rows)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("utf-8")
}

#[test]
fn ids_without_continue_come_back_in_request_order() {
    let (buf, rows) = fetched();
    let body = lookup("1,3,1", false)
        .assemble(&buf, &rows)
        .expect("all found");
    assert_eq!(text(body), r#"{"resource":[{"id":1},{"id":3},{"id":1}]}"#);
}

#[test]
fn ids_with_continue_come_back_in_database_order() {
    let (buf, rows) = fetched();
    let body = lookup("1,3", true)
        .assemble(&buf, &rows)
        .expect("all found");
    assert_eq!(text(body), r#"{"resource":[{"id":3},{"id":1}]}"#);
}

#[test]
fn a_missing_id_stops_at_the_first_failure_without_continue() {
    let (buf, rows) = fetched();
    let error = lookup("1,7,3,8", false)
        .assemble(&buf, &rows)
        .expect_err("missing");
    let ConnectorError::Batch { message, context } = error else {
        panic!("batch error expected");
    };
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be retrieved."
    );
    assert_eq!(
        context,
        json!({
            "error": [1],
            "resource": [
                {"id": 1},
                {"code": 404, "context": null, "message": "Record with identifier '7' not found.", "status_code": 404}
            ]
        })
    );
}

#[test]
fn every_missing_id_is_reported_with_continue() {
    let (buf, rows) = fetched();
    let error = lookup("7,3,8", true)
        .assemble(&buf, &rows)
        .expect_err("missing");
    let ConnectorError::Batch { context, .. } = error else {
        panic!("batch error expected");
    };
    assert_eq!(context["error"], json!([0, 2]));
    assert_eq!(context["resource"][1], json!({"id": 3}));
    assert_eq!(
        context["resource"][2]["message"],
        "Record with identifier '8' not found."
    );
}

#[test]
fn by_id_returns_the_bare_record_or_not_found() {
    let plan = ReadPlan::by_id(
        &crate::schema::SchemaSnapshot::default(),
        Arc::new(employees()),
        "3",
        &ReadRequest::default(),
        &crate::TableAccess::unrestricted(),
        &ReadBounds::default(),
    )
    .expect("valid");
    let ReadKind::Single(lookup) = plan.kind else {
        panic!("single plan");
    };
    let (buf, rows) = fetched();
    assert_eq!(
        text(lookup.single(&buf, &rows).expect("found")),
        r#"{"id":3}"#
    );
    let missing = lookup.single(&buf, &rows[1..]).expect_err("missing");
    assert_eq!(missing.to_string(), "Record with identifier '3' not found.");
}

#[test]
fn as_list_uses_id_field_then_name_then_primary_key() {
    let plan = |table: TableSchema, id_field: Option<&str>| {
        let table = Arc::new(table);
        let request = ReadRequest {
            as_list: true,
            id_field: id_field.map(str::to_owned),
            ..ReadRequest::default()
        };
        let plan = ReadPlan::list(
            &crate::schema::SchemaSnapshot::default(),
            Arc::clone(&table),
            &request,
            &crate::TableAccess::unrestricted(),
            &ReadBounds::default(),
        )
        .expect("valid");
        plan.query
            .projection
            .iter()
            .map(|p| p.key(&table))
            .collect::<Vec<_>>()
    };
    assert_eq!(plan(table_with_name_column(), None), vec!["Name"]);
    assert_eq!(plan(table_with_name_column(), Some("code")), vec!["code"]);
    assert_eq!(plan(employees(), None), vec!["id"]);
    assert_eq!(
        plan(employees(), Some("last_name,first_name")),
        vec!["last_name", "first_name"]
    );
}

#[test]
fn tables_without_identifier_refuse_ids() {
    let table = Arc::new(TableSchema::new(
        "v",
        true,
        vec![ColumnSchema::from_declared("x", "int")],
        vec![],
    ));
    let error = ReadPlan::list(
        &crate::schema::SchemaSnapshot::default(),
        table,
        &ids_request("1", false),
        &crate::TableAccess::unrestricted(),
        &ReadBounds::default(),
    )
    .expect_err("no key");
    assert_eq!(
        error.to_string(),
        "Table 'v' has no primary key; name the identifier field(s) with id_field."
    );
}
