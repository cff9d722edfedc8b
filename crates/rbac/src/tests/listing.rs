//! The "any access" questions of role-filtered listings (`GET /_table`,
//! `GET /api/v2`).

use super::*;
use crate::{Requestor, has_any_access, has_service_access};

#[test]
fn a_service_is_listed_when_any_of_its_rows_grants_a_verb() {
    let cases = [
        (
            "a table row",
            vec![grant(Some(DB), "_table/todo", GET)],
            true,
        ),
        ("a root row", vec![grant(Some(DB), "", DELETE)], true),
        ("a star row", vec![grant(Some(DB), "*", POST)], true),
        (
            "rows granting nothing",
            vec![grant(Some(DB), "*", 0), grant(Some(DB), "x", 0)],
            false,
        ),
        (
            "another service only",
            vec![grant(Some(OTHER), "*", ALL)],
            false,
        ),
        (
            "all services, any component",
            vec![grant(None, "_table/*", GET)],
            true,
        ),
        (
            "the service's rows shadow rows for all services",
            vec![grant(None, "*", ALL), grant(Some(DB), "_table/todo", 0)],
            false,
        ),
        (
            "script-only rows do not count for the API",
            vec![grant_for(Some(DB), "*", ALL, RequestorMask::SCRIPT)],
            false,
        ),
        (
            "requestor mask 0 never counts",
            vec![grant_for(Some(DB), "*", ALL, RequestorMask::NONE)],
            false,
        ),
        ("no rows", vec![], false),
    ];
    for (what, rows, expected) in cases {
        assert_eq!(
            has_service_access(&active(rows), DB, Requestor::Api),
            expected,
            "{what}"
        );
    }
}

#[test]
fn an_inactive_role_lists_nothing() {
    let mut role = active(vec![grant(Some(DB), "*", ALL)]);
    role.is_active = false;
    assert!(!has_service_access(&role, DB, Requestor::Api));
    assert!(!has_any_access(&role, DB, "_table/todo", Requestor::Api));
}

#[test]
fn a_table_is_listed_when_its_component_has_any_verb() {
    let cases = [
        (
            "a wildcard row",
            vec![grant(Some(DB), "_table/*", GET)],
            true,
        ),
        (
            "an exact row",
            vec![grant(Some(DB), "_table/todo", DELETE)],
            true,
        ),
        (
            "another table's row",
            vec![grant(Some(DB), "_table/item", GET)],
            false,
        ),
        (
            "the list component only",
            vec![grant(Some(DB), "_table", GET)],
            false,
        ),
        (
            "an exact row without verbs shadows the star",
            vec![grant(Some(DB), "*", ALL), grant(Some(DB), "_table/todo", 0)],
            false,
        ),
        ("all services", vec![grant(None, "*", PATCH)], true),
    ];
    for (what, rows, expected) in cases {
        assert_eq!(
            has_any_access(&active(rows), DB, "_table/todo", Requestor::Api),
            expected,
            "{what}"
        );
    }
}
