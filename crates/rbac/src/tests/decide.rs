//! `decide`: allow or deny per verb, the denial reasons and DreamFactory's messages, and the row
//! filter an allowed record request carries.

use super::*;
use crate::{Action, Decision, DenyReason, Requestor, RowFilterSet, Verb, decide};

fn action(component: &str, verb: Verb) -> Action<'_> {
    Action {
        service_id: DB,
        service_name: "db",
        component,
        verb,
        requestor: Requestor::Api,
    }
}

#[test]
fn each_verb_is_allowed_exactly_when_its_bit_is_granted() {
    let role = active(vec![grant(Some(DB), "_table/*", GET | PUT)]);
    let cases = [
        (Verb::Get, true),
        (Verb::Post, false),
        (Verb::Put, true),
        (Verb::Patch, false),
        (Verb::Delete, false),
        // No stored mask can grant these; the gateway decides what HEAD and OPTIONS mean.
        (Verb::Head, false),
        (Verb::Options, false),
    ];
    for (verb, allowed) in cases {
        let decision = decide(&role, &action("_table/todo", verb));
        assert_eq!(
            matches!(decision, Decision::Allow { .. }),
            allowed,
            "{verb}"
        );
    }
}

#[test]
fn every_verb_is_allowed_by_mask_thirty_one() {
    let role = active(vec![grant(Some(DB), "*", ALL)]);
    for verb in Verb::CRUD {
        assert!(
            matches!(
                decide(&role, &action("_schema", verb)),
                Decision::Allow { .. }
            ),
            "{verb}"
        );
    }
}

#[test]
fn an_inactive_role_is_denied_whatever_it_grants() {
    let mut role = active(vec![grant(Some(DB), "*", ALL)]);
    role.is_active = false;
    let decision = decide(&role, &action("_table/todo", Verb::Get));
    assert_eq!(decision, Decision::Deny(DenyReason::RoleInactive));
    assert_eq!(
        DenyReason::RoleInactive.message(),
        "Access Forbidden. The role assigned to you or your application or the default role \
         of your application is not active."
    );
}

#[test]
fn a_denial_names_the_verb_the_component_and_the_service() {
    let role = active(vec![grant(Some(DB), "_table/todo", GET)]);
    let decision = decide(&role, &action("/_table/Todo/", Verb::Delete));
    let reason = DenyReason::VerbNotAllowed {
        verb: Verb::Delete,
        component: "_table/todo".to_owned(),
        service: "db".to_owned(),
    };
    assert_eq!(decision, Decision::Deny(reason.clone()));
    assert_eq!(
        reason.message(),
        "Access Forbidden. DELETE access to component '_table/todo' of service 'db' is not \
         allowed by this user's role."
    );
}

#[test]
fn a_denial_on_the_service_root_leaves_the_component_out() {
    let decision = decide(&active(vec![]), &action("", Verb::Get));
    let Decision::Deny(reason) = decision else {
        panic!("an empty role allows nothing");
    };
    assert_eq!(
        reason.message(),
        "Access Forbidden. GET access to service 'db' is not allowed by this user's role."
    );
}

#[test]
fn a_record_request_carries_the_chosen_rows_filters() {
    let filters = [eq("owner_id", "{user.id}")];
    let role = active(vec![filtered(Some(DB), "_table/todo/*", GET, &filters)]);
    let expected = RowFilterSet::new(FilterOp::And, filters.to_vec());
    for component in ["_table/todo", "_table/todo/5", "_TABLE/todo/5/"] {
        assert_eq!(
            decide(&role, &action(component, Verb::Get)),
            Decision::Allow {
                row_filter: expected.clone(),
                hidden_fields: Vec::new(),
            },
            "{component}"
        );
    }
}

#[test]
fn requests_that_are_not_about_records_carry_no_row_filter() {
    let filters = [eq("owner_id", "{user.id}")];
    let role = active(vec![filtered(Some(DB), "*", GET, &filters)]);
    for component in ["", "_table", "_schema", "_schema/todo"] {
        assert_eq!(
            decide(&role, &action(component, Verb::Get)),
            Decision::Allow {
                row_filter: None,
                hidden_fields: Vec::new()
            },
            "{component}"
        );
    }
}

#[test]
fn access_from_a_row_for_all_services_carries_no_row_filter() {
    let filters = [eq("owner_id", "{user.id}")];
    let role = active(vec![filtered(None, "*", ALL, &filters)]);
    assert_eq!(
        decide(&role, &action("_table/todo", Verb::Get)),
        Decision::Allow {
            row_filter: None,
            hidden_fields: Vec::new()
        }
    );
}

#[test]
fn the_row_filter_may_come_from_another_row_than_the_permission() {
    // Permission: `_table/todo/5` is not `_table/todo`, so the `*` row decides. Filters are
    // selected against `_table/todo` (id stripped), where the exact row wins.
    let role = active(vec![
        filtered(Some(DB), "*", GET, &[eq("a", "1")]),
        filtered(Some(DB), "_table/todo", GET, &[eq("b", "2")]),
    ]);
    let Decision::Allow {
        row_filter: Some(set),
        ..
    } = decide(&role, &action("_table/todo/5", Verb::Get))
    else {
        panic!("allowed with a filter");
    };
    assert_eq!(set.filters(), [eq("b", "2")]);
}

#[test]
fn hidden_fields_come_from_the_row_chosen_for_the_records() {
    let role = active(vec![
        grant(Some(DB), "*", GET).with_hidden_fields(vec!["salary".into()]),
        grant(Some(DB), "_table/todo", GET).with_hidden_fields(vec!["secret".into()]),
    ]);
    let hidden = |component| match decide(&role, &action(component, Verb::Get)) {
        Decision::Allow { hidden_fields, .. } => hidden_fields,
        Decision::Deny(reason) => panic!("{reason}"),
    };
    assert_eq!(hidden("_table/todo/5"), ["secret"]);
    assert_eq!(hidden("_table/employees"), ["salary"]);
    assert!(hidden("_table").is_empty(), "not a record request");
}
