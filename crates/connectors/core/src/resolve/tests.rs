use std::collections::HashMap;

use serde_json::json;

use super::*;
use crate::schema::ColumnSchema;

pub(super) fn employees() -> TableSchema {
    let mut id = ColumnSchema::from_declared("id", "INTEGER");
    id.is_primary_key = true;
    TableSchema::new(
        "employees",
        false,
        vec![
            id,
            ColumnSchema::from_declared("Last_Name", "varchar(40)"),
            ColumnSchema::from_declared("hire_date", "date"),
            ColumnSchema::from_declared("salary", "decimal(10,2)"),
            ColumnSchema::from_declared("active", "boolean"),
            ColumnSchema::from_declared("misc", ""),
        ],
        vec![],
    )
}

fn resolve_with(
    filter: &str,
    params: &HashMap<String, serde_json::Value>,
) -> Result<Condition, ConnectorError> {
    parse_filter(filter, &employees(), params, None, &ReadBounds::default())
        .map(|c| c.expect("non-empty filter"))
}

fn resolve(filter: &str) -> Result<Condition, ConnectorError> {
    resolve_with(filter, &HashMap::new())
}

fn column(name: &str) -> ColumnRef {
    employees().column_ref(name).expect("column exists")
}

fn message(result: Result<Condition, ConnectorError>) -> String {
    result.expect_err("should fail").to_string()
}

#[test]
fn empty_filter_is_no_condition() {
    let result = parse_filter(
        "  ",
        &employees(),
        &HashMap::new(),
        None,
        &ReadBounds::default(),
    );
    assert_eq!(result.expect("ok"), None);
}

#[test]
fn fields_resolve_case_insensitively_and_values_are_typed_by_column() {
    let condition = resolve("(last_name = 'Smith') and (ID >= '7')").expect("resolves");
    assert_eq!(
        condition,
        Condition::And(vec![
            Condition::Compare {
                column: column("Last_Name"),
                op: ComparisonOp::Eq,
                value: BoundValue::Text("Smith".into()),
            },
            Condition::Compare {
                column: column("id"),
                op: ComparisonOp::Ge,
                value: BoundValue::Integer(7),
            },
        ])
    );
}

#[test]
fn unknown_field_is_a_400_with_dreamfactory_wording_and_span() {
    let error = resolve("nope = 1").expect_err("unknown field");
    let ConnectorError::BadRequest { message, context } = error else {
        panic!("expected BadRequest");
    };
    assert_eq!(
        message,
        "Invalid or unparsable field in filter request: 'nope'"
    );
    assert_eq!(context, Some(json!({"start": 0, "end": 4})));
}

#[test]
fn non_numeric_value_for_integer_column_is_refused() {
    assert_eq!(
        message(resolve("id = abc")),
        "Field 'id' must be a valid integer."
    );
    assert_eq!(
        message(resolve("id in (1, x)")),
        "Field 'id' must be a valid integer."
    );
}

#[test]
fn contains_starts_and_ends_escape_wildcards() {
    let pattern = |filter: &str| match resolve(filter).expect("resolves") {
        Condition::Like {
            pattern,
            escaped,
            negated,
            ..
        } => (pattern, escaped, negated),
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(
        pattern("last_name contains '50%_'"),
        (r"%50\%\_%".into(), true, false)
    );
    assert_eq!(
        pattern(r"last_name starts with 'a\b'"),
        (r"a\\b%".into(), true, false)
    );
    assert_eq!(
        pattern("last_name not ends with son"),
        ("%son".into(), true, true)
    );
    assert_eq!(pattern("last_name like 'G%'"), ("G%".into(), false, false));
}

#[test]
fn bare_null_means_is_null_and_quoted_null_is_text() {
    assert_eq!(
        resolve("hire_date = null").expect("ok"),
        Condition::IsNull {
            column: column("hire_date"),
            negated: false
        }
    );
    assert_eq!(
        resolve("hire_date != NULL").expect("ok"),
        Condition::IsNull {
            column: column("hire_date"),
            negated: true
        }
    );
    assert_eq!(
        resolve("last_name = 'null'").expect("ok"),
        Condition::Compare {
            column: column("last_name"),
            op: ComparisonOp::Eq,
            value: BoundValue::Text("null".into()),
        }
    );
}

#[test]
fn between_and_in_are_typed() {
    assert_eq!(
        resolve("salary between 50000 and 60000.5").expect("ok"),
        Condition::Between {
            column: column("salary"),
            low: BoundValue::Integer(50000),
            high: BoundValue::Real(60000.5),
            negated: false,
        }
    );
    assert_eq!(
        resolve("active not in (true, 0)").expect("ok"),
        Condition::In {
            column: column("active"),
            values: vec![BoundValue::Integer(1), BoundValue::Integer(0)],
            negated: true,
        }
    );
}

#[test]
fn params_are_taken_with_or_without_colon() {
    let params = HashMap::from([
        (":n".to_owned(), json!("Bob")),
        ("min".to_owned(), json!(10)),
        (":none".to_owned(), json!(null)),
    ]);
    let condition = resolve_with(
        "last_name = :n and id > :min and hire_date = :none",
        &params,
    )
    .expect("ok");
    assert_eq!(
        condition,
        Condition::And(vec![
            Condition::Compare {
                column: column("last_name"),
                op: ComparisonOp::Eq,
                value: BoundValue::Text("Bob".into()),
            },
            Condition::Compare {
                column: column("id"),
                op: ComparisonOp::Gt,
                value: BoundValue::Integer(10),
            },
            Condition::IsNull {
                column: column("hire_date"),
                negated: false
            },
        ])
    );
}

#[test]
fn missing_or_structured_params_are_refused() {
    assert_eq!(
        message(resolve("last_name = :n")),
        "No value was given for filter parameter ':n'."
    );
    let params = HashMap::from([(":n".to_owned(), json!([1, 2]))]);
    assert_eq!(
        message(resolve_with("id = :n", &params)),
        "The value of filter parameter ':n' must be a single value."
    );
}

#[test]
fn lookups_without_a_source_are_not_available() {
    assert_eq!(
        message(resolve("id = {user.id}")),
        "Lookup '{user.id}' is not available."
    );
}

#[test]
fn parse_errors_carry_the_parser_message_and_span() {
    let error = resolve("id = 1; drop table x").expect_err("syntax error");
    let ConnectorError::BadRequest { message, context } = error else {
        panic!("expected BadRequest");
    };
    assert!(
        message.starts_with("Invalid or unparsable filter request"),
        "{message}"
    );
    assert!(context.is_some());
}

#[test]
fn untyped_columns_type_values_by_how_they_were_written() {
    let value = |filter: &str| match resolve(filter).expect("ok") {
        Condition::Compare { value, .. } => value,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(value("misc = 5"), BoundValue::Integer(5));
    assert_eq!(value("misc = '5'"), BoundValue::Text("5".into()));
}

#[test]
fn too_many_values_in_one_filter_is_a_400() {
    let list = vec!["1"; 1000].join(",");
    let filter = vec![format!("id in ({list})"); 11].join(" or ");
    let bounds = ReadBounds {
        filter_max_length: 100_000,
        ..ReadBounds::default()
    };
    let result =
        parse_filter(&filter, &employees(), &HashMap::new(), None, &bounds).map(Option::unwrap);
    assert_eq!(
        message(result),
        format!("Filter is too complex: the limit is {MAX_FILTER_VALUES} values.")
    );
}
