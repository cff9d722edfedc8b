//! Reading records: columns, order of checks, lookups, identifiers, hidden fields.

use std::sync::Arc;

use serde_json::json;

use super::*;

#[test]
fn records_are_read_case_insensitively_in_column_order_and_unknown_keys_ignored() {
    let plan = plan(with_records(
        WriteKind::Create,
        json!([{"TITLE": "t", "owner_ID": "7", "nope": 1, "done": "yes"}]),
    ))
    .expect("planned");
    assert_eq!(
        inserts(&plan),
        vec![Ok(vec![
            "owner_id=Integer(7)".to_owned(),
            "Title=Text(\"t\")".to_owned(),
            "done=Integer(1)".to_owned(),
        ])]
    );
}

#[test]
fn record_errors_stay_at_their_index_in_column_order() {
    let plan = plan(with_records(
        WriteKind::Create,
        json!([
            {"nope": 1},
            {"title": null},
            {"owner_id": "x", "title": "t"},
            {"owner_id": 1, "title": {"expression": "NOW()"}},
            {"owner_id": 1, "title": "t", "done": null}
        ]),
    ))
    .expect("planned");
    assert_eq!(
        inserts(&plan),
        vec![
            Err("Required field 'owner_id' can not be NULL.".to_owned()),
            Err("Required field 'owner_id' can not be NULL.".to_owned()),
            Err("Field 'owner_id' must be a valid integer.".to_owned()),
            Err("SQL expression is not permitted.".to_owned()),
            Err("Field 'done' can not be NULL.".to_owned()),
        ]
    );
}

#[test]
fn values_are_typed_strictly_arrays_objects_and_fractions_of_integers_refused() {
    let plan = plan(with_records(
        WriteKind::Create,
        json!([
            {"owner_id": 1, "title": ["a"]},
            {"owner_id": 1, "title": {"text": "a"}},
            {"owner_id": 1.5, "title": "t"},
            {"owner_id": "1.5", "title": "t"},
            {"owner_id": "1e3", "title": "t"},
            {"owner_id": [1], "title": "t"},
            {"owner_id": " 12 ", "title": "t"}
        ]),
    ))
    .expect("planned");
    let not_integer = || Err("Field 'owner_id' must be a valid integer.".to_owned());
    assert_eq!(
        inserts(&plan),
        vec![
            Err("Field 'Title' must be a single value, not an array or object.".to_owned()),
            Err("Field 'Title' must be a single value, not an array or object.".to_owned()),
            not_integer(),
            not_integer(),
            not_integer(),
            Err("Field 'owner_id' must be a single value, not an array or object.".to_owned()),
            Ok(vec![
                "owner_id=Integer(12)".to_owned(),
                "Title=Text(\"t\")".to_owned()
            ]),
        ]
    );
}

#[test]
fn lookups_replace_only_whole_values_and_never_private_ones() {
    let session = Session::default()
        .with("user.id", json!("5"))
        .with("user.name", json!(null))
        .with_private("app.api_key", json!("k"));
    let request = with_records(
        WriteKind::Create,
        json!([
            {"owner_id": "{user.id}", "title": "{app.api_key}", "secret": "{user.name}"},
            {"owner_id": 1, "title": "{user.id} ", "secret": "{{user.id}}"}
        ]),
    );
    let access = TableAccess::unrestricted().with_lookups(Arc::new(session));
    let planned = plan_as(request, &access).expect("planned");
    assert_eq!(
        inserts(&planned),
        vec![
            Ok(vec![
                "owner_id=Integer(5)".to_owned(),
                "Title=Text(\"{app.api_key}\")".to_owned(),
                "secret=Null".to_owned(),
            ]),
            Ok(vec![
                "owner_id=Integer(1)".to_owned(),
                "Title=Text(\"{user.id} \")".to_owned(),
                "secret=Text(\"{{user.id}}\")".to_owned(),
            ]),
        ]
    );
    let request = with_records(
        WriteKind::Create,
        json!([{"owner_id": "{user.id}", "title": "t"}]),
    );
    let access = TableAccess::unrestricted()
        .with_user_id(Some(9))
        .with_lookups(Arc::new(Session::default().with("user.id", json!(5))));
    assert_eq!(
        inserts(&plan_as(request, &access).expect("planned"))[0]
            .as_ref()
            .map(|v| v[0].clone()),
        Ok("owner_id=Integer(9)".to_owned())
    );
}

#[test]
fn updates_never_change_the_auto_increment_key_or_the_identifier_columns() {
    let request = WriteRequest {
        id_field: Some("title".into()),
        ..with_records(
            WriteKind::Update,
            json!([{"id": 9, "title": "t", "done": true}]),
        )
    };
    let planned = plan(request).expect("planned");
    let WriteAction::Update { records, upsert } = &planned.action else {
        panic!("not an update");
    };
    assert!(!upsert);
    let update = records[0].as_ref().expect("valid");
    assert_eq!(update.key.values, vec![BoundValue::Text("t".into())]);
    assert_eq!(update.changes.len(), 1);
    assert_eq!(planned.table.column(update.changes[0].column).name, "done");
}

#[test]
fn hidden_fields_are_ignored_and_never_required() {
    let mut secret = ColumnSchema::from_declared("secret", "text");
    secret.allow_null = false;
    let table = Arc::new(TableSchema::new(
        "notes",
        false,
        vec![ColumnSchema::from_declared("body", "text"), secret],
        vec![],
    ));
    let request = with_records(
        WriteKind::Create,
        json!([{"body": "b", "secret": "x"}, {"secret": "x"}]),
    );
    let planned = WritePlan::new(
        &Default::default(),
        table,
        &request,
        &role(None, &["SECRET"]),
        &WriteBounds::default(),
    )
    .expect("planned");
    assert_eq!(
        inserts(&planned),
        vec![
            Ok(vec!["body=Text(\"b\")".to_owned()]),
            Err("No valid fields were found in record.".to_owned()),
        ]
    );
}

#[test]
fn null_for_a_not_null_auto_increment_key_asks_for_the_assigned_value() {
    // A PostgreSQL serial or identity key is NOT NULL; `null` must still mean "assign one",
    // as it does for SQLite's rowid key.
    let plan = plan(with_records(
        WriteKind::Create,
        json!([{"id": null, "owner_id": 1, "title": "t"}]),
    ))
    .expect("planned");
    assert_eq!(
        inserts(&plan),
        vec![Ok(vec![
            "id=Null".to_owned(),
            "owner_id=Integer(1)".to_owned(),
            "Title=Text(\"t\")".to_owned(),
        ])]
    );
}
