//! `{lookup}` values in the client's filter and in the role's row filter.

use std::collections::HashMap;

use serde_json::json;

use super::tests::employees;
use super::*;
use crate::access::test_support::Session;

fn client(filter: &str, session: &Session) -> Result<Condition, ConnectorError> {
    parse_filter(
        filter,
        &employees(),
        &HashMap::new(),
        Some(session),
        &ReadBounds::default(),
    )
    .map(|condition| condition.expect("non-empty filter"))
}

fn role(filter: &str, session: Option<&Session>) -> Result<Condition, ConnectorError> {
    let expr = sluice_filter::parse(filter, &sluice_filter::Limits::default()).expect("parses");
    resolve_role_filter(&expr, &employees(), session.map(|s| s as &dyn LookupSource))
}

fn column(name: &str) -> ColumnRef {
    employees().column_ref(name).expect("column exists")
}

fn compare(name: &str, op: ComparisonOp, value: BoundValue) -> Condition {
    Condition::Compare {
        column: column(name),
        op,
        value,
    }
}

/// What an unresolved role lookup turns its comparison into: UNKNOWN for every row.
fn unknown(name: &str) -> Condition {
    compare(name, ComparisonOp::Eq, BoundValue::Null)
}

fn session() -> Session {
    Session::default()
        .with("user.id", json!(7))
        .with("user.id_text", json!("7"))
        .with("user.name", json!("x' or 1=1 --"))
        .with("user.flag", json!(true))
        .with("user.email", json!(null))
        .with("user.list", json!([1, 2]))
        .with("discount", json!("50%"))
        .with_private("app.api_key", json!("secret"))
}

#[test]
fn client_lookups_are_typed_by_the_column_like_json_params() {
    let session = session();
    assert_eq!(
        client("id = {user.id}", &session).expect("ok"),
        compare("id", ComparisonOp::Eq, BoundValue::Integer(7))
    );
    assert_eq!(
        client("id >= {user.id_text}", &session).expect("ok"),
        compare("id", ComparisonOp::Ge, BoundValue::Integer(7))
    );
    assert_eq!(
        client("last_name = {user.id}", &session).expect("ok"),
        compare("Last_Name", ComparisonOp::Eq, BoundValue::Text("7".into()))
    );
    assert_eq!(
        client("active = {user.flag}", &session).expect("ok"),
        compare("active", ComparisonOp::Eq, BoundValue::Integer(1))
    );
}

#[test]
fn a_hostile_lookup_value_is_one_bound_text() {
    assert_eq!(
        client("last_name = {user.name}", &session()).expect("ok"),
        compare(
            "Last_Name",
            ComparisonOp::Eq,
            BoundValue::Text("x' or 1=1 --".into())
        )
    );
}

#[test]
fn client_lookups_in_patterns_and_lists_are_escaped_and_typed() {
    let session = session();
    assert_eq!(
        client("last_name contains {discount}", &session).expect("ok"),
        Condition::Like {
            column: column("Last_Name"),
            pattern: r"%50\%%".into(),
            escaped: true,
            negated: false,
        }
    );
    assert_eq!(
        client("id in (1, {user.id})", &session).expect("ok"),
        Condition::In {
            column: column("id"),
            values: vec![BoundValue::Integer(1), BoundValue::Integer(7)],
            negated: false,
        }
    );
}

#[test]
fn a_null_client_lookup_means_is_null_like_a_null_param() {
    assert_eq!(
        client("last_name = {user.email}", &session()).expect("ok"),
        Condition::IsNull {
            column: column("Last_Name"),
            negated: false,
        }
    );
}

#[test]
fn a_client_lookup_of_the_wrong_type_is_the_column_typing_400() {
    let error = client("id = {user.name}", &session()).expect_err("not an integer");
    let ConnectorError::BadRequest { message, context } = error else {
        panic!("expected BadRequest");
    };
    assert_eq!(message, "Field 'id' must be a valid integer.");
    assert_eq!(context, Some(json!({"start": 5, "end": 16})));
}

#[test]
fn unknown_private_and_structured_client_lookups_are_the_same_400() {
    let session = session();
    for (filter, name, start, end) in [
        ("id = {user.nope}", "{user.nope}", 5, 16),
        ("last_name = {app.api_key}", "{app.api_key}", 12, 25),
        ("id = {user.list}", "{user.list}", 5, 16),
    ] {
        let error = client(filter, &session).expect_err(filter);
        let ConnectorError::BadRequest { message, context } = error else {
            panic!("expected BadRequest for {filter}");
        };
        assert_eq!(message, format!("Lookup '{name}' is not available."));
        assert_eq!(
            context,
            Some(json!({"start": start, "end": end})),
            "{filter}"
        );
    }
}

#[test]
fn lookup_names_reach_the_source_exactly_as_written() {
    let session = Session::default().with("strtoupper(user.name)", json!("BOB"));
    assert_eq!(
        client("last_name = {strtoupper(user.name)}", &session).expect("ok"),
        compare(
            "Last_Name",
            ComparisonOp::Eq,
            BoundValue::Text("BOB".into())
        )
    );
    assert_eq!(
        *session.asked.lock().expect("not poisoned"),
        vec!["strtoupper(user.name)".to_owned()]
    );
}

#[test]
fn quoted_braces_are_text_and_never_looked_up() {
    let session = session();
    assert_eq!(
        client("last_name = '{user.id}'", &session).expect("ok"),
        compare(
            "Last_Name",
            ComparisonOp::Eq,
            BoundValue::Text("{user.id}".into())
        )
    );
    assert!(session.asked.lock().expect("not poisoned").is_empty());
}

#[test]
fn role_filters_may_use_private_lookups() {
    assert_eq!(
        role("last_name = {app.api_key}", Some(&session())).expect("ok"),
        compare(
            "Last_Name",
            ComparisonOp::Eq,
            BoundValue::Text("secret".into())
        )
    );
}

#[test]
fn an_unresolved_role_lookup_fails_closed_in_every_operator() {
    let session = session();
    for filter in [
        "id = {user.nope}",
        "id != {user.nope}",
        "id > {user.nope}",
        "id in (1, {user.nope})",
        "id not in ({user.nope})",
        "id between 1 and {user.nope}",
        "id not between {user.nope} and 9",
        "last_name like {user.nope}",
        "last_name not contains {user.nope}",
        // A null value, a structured value and a value the column cannot hold are no
        // more usable than a missing one.
        "id = {user.email}",
        "id != {user.email}",
        "id = {user.list}",
        "id = {user.name}",
    ] {
        let expected = if filter.starts_with("last_name") {
            unknown("Last_Name")
        } else {
            unknown("id")
        };
        assert_eq!(
            role(filter, Some(&session)).ok(),
            Some(expected),
            "{filter}"
        );
    }
}

#[test]
fn a_role_filter_without_a_lookup_source_fails_closed_but_keeps_the_rest() {
    assert_eq!(
        role("not (id = {user.id}) or active = true", None).expect("ok"),
        Condition::Or(vec![
            Condition::Not(Box::new(unknown("id"))),
            compare("active", ComparisonOp::Eq, BoundValue::Integer(1)),
        ])
    );
}

#[test]
fn role_filter_configuration_errors_are_server_filter_errors() {
    let session = session();
    for (filter, reason) in [
        (
            "owner_id = {user.id}",
            "role filter on table 'employees': Invalid or unparsable field in filter request: 'owner_id'",
        ),
        (
            "id = abc",
            "role filter on table 'employees': Field 'id' must be a valid integer.",
        ),
        (
            "id = :mine",
            "role filter on table 'employees': No value was given for filter parameter ':mine'.",
        ),
    ] {
        match role(filter, Some(&session)) {
            Err(error @ ConnectorError::ServerFilter { .. }) => {
                assert_eq!(
                    error.to_string(),
                    "Invalid server-side filter configuration detected."
                );
                let ConnectorError::ServerFilter { reason: actual } = error else {
                    unreachable!()
                };
                assert_eq!(actual, reason);
            }
            other => panic!("{filter}: expected ServerFilter, got {other:?}"),
        }
    }
}

#[test]
fn a_bare_null_written_in_a_role_filter_keeps_its_meaning() {
    assert_eq!(
        role("hire_date = null", None).expect("ok"),
        Condition::IsNull {
            column: column("hire_date"),
            negated: false,
        }
    );
}
