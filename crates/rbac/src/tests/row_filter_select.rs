//! Which row's filters apply: rows of the request's service whose
//! requestor and verb masks match, most specific component first, the last of equals.

use super::*;
use crate::component::normalize_component;
use crate::row_filter::select_record_grant;
use crate::{Grant, Requestor, RowFilter, RowFilterSet, Verb};

/// The filters `decide` would return with an allowed request on `component`.
fn row_filter_for(role: &RoleGrants, component: &str, verb: Verb) -> Option<RowFilterSet> {
    let component = normalize_component(component);
    let grant = select_record_grant(role, DB, &component, verb, Requestor::Api)?;
    RowFilterSet::new(grant.filter_op(), grant.filters().to_vec())
}

struct Case {
    what: &'static str,
    rows: Vec<Grant>,
    component: &'static str,
    verb: Verb,
    /// The filters of the chosen row, or `None`.
    expected: Option<Vec<RowFilter>>,
}

fn run(cases: Vec<Case>) {
    for case in cases {
        let role = active(case.rows);
        let got = row_filter_for(&role, case.component, case.verb);
        let got = got.map(|set| set.filters().to_vec());
        assert_eq!(got, case.expected, "{}", case.what);
    }
}

fn a() -> Vec<RowFilter> {
    vec![eq("a", "1")]
}

fn b() -> Vec<RowFilter> {
    vec![eq("b", "2")]
}

#[test]
fn the_most_specific_matching_row_supplies_the_filters() {
    run(vec![
        Case {
            what: "exact over wildcard",
            rows: vec![
                filtered(Some(DB), "_table/*", GET, &a()),
                filtered(Some(DB), "_table/todo", GET, &b()),
            ],
            component: "_table/todo",
            verb: Verb::Get,
            expected: Some(b()),
        },
        Case {
            what: "wildcard over star",
            rows: vec![
                filtered(Some(DB), "_table/todo/*", GET, &b()),
                filtered(Some(DB), "*", GET, &a()),
            ],
            component: "_table/todo",
            verb: Verb::Get,
            expected: Some(b()),
        },
        Case {
            what: "star alone",
            rows: vec![filtered(Some(DB), "*", GET, &a())],
            component: "_table/todo",
            verb: Verb::Get,
            expected: Some(a()),
        },
        Case {
            what: "ids are stripped before matching",
            rows: vec![
                filtered(Some(DB), "*", GET, &a()),
                filtered(Some(DB), "_table/todo", GET, &b()),
            ],
            component: "_table/todo/42",
            verb: Verb::Get,
            expected: Some(b()),
        },
        Case {
            what: "the last of equally specific rows",
            rows: vec![
                filtered(Some(DB), "_table/todo", GET, &a()),
                filtered(Some(DB), "_table/todo", GET, &b()),
            ],
            component: "_table/todo",
            verb: Verb::Get,
            expected: Some(b()),
        },
        Case {
            what: "a chosen row without filters means none, even over a filtered broader row",
            rows: vec![
                filtered(Some(DB), "*", GET, &a()),
                grant(Some(DB), "_table/todo", GET),
            ],
            component: "_table/todo",
            verb: Verb::Get,
            expected: None,
        },
    ]);
}

#[test]
fn only_rows_granting_the_verb_to_the_requestor_are_considered() {
    run(vec![
        Case {
            what: "an exact row without the verb gives way to a broader one",
            rows: vec![
                filtered(Some(DB), "*", GET | POST, &a()),
                filtered(Some(DB), "_table/todo", GET, &b()),
            ],
            component: "_table/todo",
            verb: Verb::Post,
            expected: Some(a()),
        },
        Case {
            what: "no row with the verb",
            rows: vec![filtered(Some(DB), "*", GET, &a())],
            component: "_table/todo",
            verb: Verb::Delete,
            expected: None,
        },
        Case {
            what: "a script-only row",
            rows: vec![
                filtered(Some(DB), "*", GET, &a()),
                grant_for(Some(DB), "_table/todo", GET, RequestorMask::SCRIPT)
                    .with_filters(FilterOp::And, b()),
            ],
            component: "_table/todo",
            verb: Verb::Get,
            expected: Some(a()),
        },
        Case {
            what: "a row with requestor mask 0",
            rows: vec![
                grant_for(Some(DB), "_table/todo", GET, RequestorMask::NONE)
                    .with_filters(FilterOp::And, b()),
            ],
            component: "_table/todo",
            verb: Verb::Get,
            expected: None,
        },
    ]);
}

#[test]
fn only_rows_of_the_requested_service_contribute_filters() {
    run(vec![
        Case {
            what: "a row for all services",
            rows: vec![filtered(None, "*", GET, &a())],
            component: "_table/todo",
            verb: Verb::Get,
            expected: None,
        },
        Case {
            what: "a row of another service",
            rows: vec![filtered(Some(OTHER), "_table/todo", GET, &a())],
            component: "_table/todo",
            verb: Verb::Get,
            expected: None,
        },
    ]);
}

#[test]
fn components_that_are_not_one_tables_records_have_no_filters() {
    for component in ["", "_table", "_table/", "_schema/todo", "_proc/x"] {
        run(vec![Case {
            what: "not a table",
            rows: vec![filtered(Some(DB), "*", GET, &a())],
            component,
            verb: Verb::Get,
            expected: None,
        }]);
    }
}

#[test]
fn the_chosen_rows_filter_op_is_kept() {
    let row = grant(Some(DB), "_table/todo", GET).with_filters(FilterOp::Or, [a(), b()].concat());
    let role = active(vec![row]);
    let set = row_filter_for(&role, "_table/todo", Verb::Get).unwrap();
    assert_eq!(set.filter_op(), FilterOp::Or);
    assert_eq!(set.filters().len(), 2);
}
