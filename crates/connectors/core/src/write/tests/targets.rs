//! Targets and their precedence, the role's condition, request-level bounds and modes.

use serde_json::{Value, json};

use super::*;

#[test]
fn update_targets_follow_dreamfactorys_precedence() {
    let request = |id: Option<&str>, ids: Option<&str>, filter: Option<&str>| WriteRequest {
        id: id.map(Into::into),
        ids: ids.map(Into::into),
        filter: filter.map(Into::into),
        ..with_records(WriteKind::Update, json!([{"id": 3, "title": "t"}]))
    };
    let keys = |planned: WritePlan| match planned.action {
        WriteAction::Update { records, .. } => records
            .into_iter()
            .map(|r| r.map(|r| r.key.raw).unwrap_or_default())
            .collect::<Vec<_>>(),
        other => panic!("not an update: {other:?}"),
    };
    let single = plan(request(Some("1"), Some("2"), Some("id = 3"))).expect("planned");
    assert!(single.single);
    assert_eq!(keys(single), vec!["1"]);
    assert_eq!(
        keys(plan(request(None, Some("2,4"), Some("id = 3"))).expect("planned")),
        vec!["2", "4"]
    );
    let filtered = plan(request(None, Some(""), Some("id = 3"))).expect("planned");
    assert!(matches!(
        filtered.action,
        WriteAction::UpdateMatching { .. }
    ));
    assert!(filtered.reselect.is_some(), "filter forms always list rows");
    assert_eq!(
        keys(plan(request(None, None, Some(" "))).expect("planned")),
        vec!["3"]
    );
}

#[test]
fn delete_targets_follow_dreamfactorys_precedence() {
    let request =
        |ids: Option<&str>, records: Value, filter: Option<&str>, force: bool| WriteRequest {
            ids: ids.map(Into::into),
            filter: filter.map(Into::into),
            force,
            ..with_records(WriteKind::Delete, records)
        };
    let kind = |request| match plan(request).map(|p| p.action) {
        Ok(WriteAction::Delete(keys)) => format!("keys {}", keys.len()),
        Ok(WriteAction::DeleteMatching { .. }) => "filter".to_owned(),
        Ok(WriteAction::DeleteAll) => "all".to_owned(),
        other => format!("{other:?}"),
    };
    let records = || json!([{"id": 1}, {"id": 2}, {"id": 3}]);
    assert_eq!(
        kind(request(Some("1"), records(), Some("id = 1"), true)),
        "keys 1"
    );
    assert_eq!(
        kind(request(None, records(), Some("id = 1"), true)),
        "keys 3"
    );
    assert_eq!(
        kind(request(None, json!([]), Some("id = 1"), true)),
        "filter"
    );
    assert_eq!(kind(request(None, json!([]), None, true)), "all");
    assert_eq!(
        message(plan(request(None, json!([]), None, false))),
        "No filter or records given for delete request."
    );
}

#[test]
fn the_role_filter_joins_the_client_filter_as_a_tree() {
    let request = WriteRequest {
        filter: Some("id = 2 or id = 3".into()),
        ..WriteRequest::new(WriteKind::Delete)
    };
    let planned = plan_as(request, &role(Some("owner_id = 1"), &[])).expect("planned");
    let owner = Condition::Compare {
        column: planned.table.column_ref("owner_id").expect("column"),
        op: ComparisonOp::Eq,
        value: BoundValue::Integer(1),
    };
    assert_eq!(planned.role, Some(owner.clone()));
    let WriteAction::DeleteMatching { condition } = &planned.action else {
        panic!("not a filter delete");
    };
    assert!(matches!(condition, Condition::And(items) if items.len() == 2 && items[1] == owner));
}

#[test]
fn request_level_bounds_and_flags() {
    let many = json!(
        (0..3)
            .map(|n| json!({"title": n.to_string()}))
            .collect::<Vec<_>>()
    );
    let bounds = WriteBounds {
        max_batch_records: 2,
        ..WriteBounds::default()
    };
    assert_eq!(
        message(WritePlan::new(
            &Default::default(),
            todos(),
            &with_records(WriteKind::Create, many),
            &TableAccess::unrestricted(),
            &bounds
        )),
        "Too many records in one request: the limit is 2."
    );
    let request = WriteRequest {
        ids: Some("1,2,3".into()),
        ..with_records(WriteKind::Delete, json!([]))
    };
    let mut bounds = WriteBounds::default();
    bounds.read.max_ids = 2;
    assert_eq!(
        message(WritePlan::new(
            &Default::default(),
            todos(),
            &request,
            &TableAccess::unrestricted(),
            &bounds
        )),
        "Too many identifiers in one request: the limit is 2."
    );
    let modes = [
        (false, false, BatchMode::StopOnError),
        (true, false, BatchMode::Rollback),
        (false, true, BatchMode::Continue),
    ];
    for (rollback, continue_on_error, mode) in modes {
        let request = WriteRequest {
            rollback,
            continue_on_error,
            ..with_records(WriteKind::Create, json!([{"title": "t"}]))
        };
        assert_eq!(plan(request).map(|p| p.mode).ok(), Some(mode));
    }
}
