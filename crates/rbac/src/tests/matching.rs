//! Permission evaluation: which rows match a component, at which level,
//! and how levels shadow each other. Every case asks for the verbs of an API request on
//! service `DB`.

use super::*;
use crate::{Grant, Requestor, permitted_verbs};

struct Case {
    what: &'static str,
    rows: Vec<Grant>,
    component: &'static str,
    verbs: u32,
}

fn case(what: &'static str, rows: Vec<Grant>, component: &'static str, verbs: u32) -> Case {
    Case {
        what,
        rows,
        component,
        verbs,
    }
}

fn run(cases: Vec<Case>) {
    for Case {
        what,
        rows,
        component,
        verbs,
    } in cases
    {
        let role = active(rows);
        let got = permitted_verbs(&role, DB, component, Requestor::Api).bits();
        assert_eq!(got, verbs, "{what} (component {component:?})");
    }
}

#[test]
fn an_exact_row_matches_only_its_own_component_in_any_case() {
    run(vec![
        case(
            "same",
            vec![grant(Some(DB), "_table/todo", GET)],
            "_table/todo",
            GET,
        ),
        case(
            "row upper case",
            vec![grant(Some(DB), "_TABLE/Todo", GET)],
            "_table/todo",
            GET,
        ),
        case(
            "request upper case",
            vec![grant(Some(DB), "_table/todo", GET)],
            "_Table/TODO",
            GET,
        ),
        case(
            "non-ASCII case",
            vec![grant(Some(DB), "_table/ÄBC", GET)],
            "_table/äbc",
            GET,
        ),
        case(
            "row slashes trimmed",
            vec![grant(Some(DB), "/_table/todo/", GET)],
            "_table/todo",
            GET,
        ),
        case(
            "request slashes trimmed",
            vec![grant(Some(DB), "_table/todo", GET)],
            "/_table/todo/",
            GET,
        ),
        case(
            "request group removed",
            vec![grant(Some(DB), "_table/todo", GET)],
            "_table/todo(a,b)",
            GET,
        ),
        case(
            "not a prefix",
            vec![grant(Some(DB), "_table/todo", GET)],
            "_table/todo/5",
            0,
        ),
        case(
            "not a longer name",
            vec![grant(Some(DB), "_table/todo", GET)],
            "_table/todos",
            0,
        ),
        case(
            "not another table",
            vec![grant(Some(DB), "_table/todo", GET)],
            "_table/item",
            0,
        ),
        case(
            "not the root",
            vec![grant(Some(DB), "_table/todo", GET)],
            "",
            0,
        ),
    ]);
}

#[test]
fn a_wildcard_row_is_a_character_prefix_of_the_component_plus_a_slash() {
    let table_star = || vec![grant(Some(DB), "_table/*", GET)];
    let todo_star = || vec![grant(Some(DB), "_table/todo/*", GET)];
    run(vec![
        case("_table/* on _table", table_star(), "_table", GET),
        case("_table/* on a table", table_star(), "_table/x", GET),
        case("_table/* on a record", table_star(), "_table/x/5", GET),
        case("_table/* not on _tablex", table_star(), "_tablex", 0),
        case("_table/* not on _schema", table_star(), "_schema/x", 0),
        case("_table/* not on the root", table_star(), "", 0),
        case(
            "_table/todo/* on its table",
            todo_star(),
            "_table/todo",
            GET,
        ),
        case(
            "_table/todo/* on a record",
            todo_star(),
            "_table/todo/9",
            GET,
        ),
        case(
            "_table/todo/* not on _table/todos",
            todo_star(),
            "_table/todos",
            0,
        ),
        case("_table/todo/* not on _table", todo_star(), "_table", 0),
        case(
            "upper-case wildcard row",
            vec![grant(Some(DB), "_TABLE/*", GET)],
            "_table/x",
            GET,
        ),
        case(
            "star inside a row never matches",
            vec![grant(Some(DB), "_table/*/x", GET)],
            "_table/a/x",
            0,
        ),
    ]);
}

#[test]
fn a_star_row_covers_every_component_of_its_service_including_the_root() {
    let star = || vec![grant(Some(DB), "*", GET | POST)];
    run(vec![
        case("a table", star(), "_table/todo", GET | POST),
        case("a record", star(), "_table/todo/1", GET | POST),
        case("the schema", star(), "_schema", GET | POST),
        case("the root", star(), "", GET | POST),
        case(
            "not another service",
            vec![grant(Some(OTHER), "*", ALL)],
            "_table/todo",
            0,
        ),
    ]);
}

#[test]
fn a_root_row_covers_only_the_empty_component() {
    run(vec![
        case("the root", vec![grant(Some(DB), "", GET)], "", GET),
        case(
            "the root as a slash",
            vec![grant(Some(DB), "/", GET)],
            "/",
            GET,
        ),
        case("not a table", vec![grant(Some(DB), "", GET)], "_table", 0),
    ]);
}

#[test]
fn rows_for_all_services_count_only_as_a_star_or_as_every_root() {
    run(vec![
        case(
            "star on a table",
            vec![grant(None, "*", GET)],
            "_table/todo",
            GET,
        ),
        case("star on the root", vec![grant(None, "*", GET)], "", GET),
        case("empty on the root", vec![grant(None, "", GET)], "", GET),
        case(
            "empty not on a table",
            vec![grant(None, "", GET)],
            "_table/todo",
            0,
        ),
        case(
            "a component never",
            vec![grant(None, "_table/todo", GET)],
            "_table/todo",
            0,
        ),
        case(
            "a wildcard never",
            vec![grant(None, "_table/*", GET)],
            "_table/todo",
            0,
        ),
        case(
            "masks are OR-ed",
            vec![grant(None, "*", GET), grant(None, "*", DELETE)],
            "_table/todo",
            GET | DELETE,
        ),
    ]);
}

#[test]
fn rows_at_the_same_level_have_their_masks_ored() {
    run(vec![
        case(
            "two exact rows",
            vec![
                grant(Some(DB), "_table/todo", GET),
                grant(Some(DB), "_table/todo", POST),
            ],
            "_table/todo",
            GET | POST,
        ),
        case(
            "two matching wildcards",
            vec![
                grant(Some(DB), "_table/*", GET),
                grant(Some(DB), "_table/todo/*", PUT),
            ],
            "_table/todo/1",
            GET | PUT,
        ),
        case(
            "two star rows",
            vec![grant(Some(DB), "*", PATCH), grant(Some(DB), "*", DELETE)],
            "_schema",
            PATCH | DELETE,
        ),
    ]);
}

#[test]
fn a_more_specific_level_shadows_broader_ones_even_without_the_verb() {
    run(vec![
        case(
            "exact over wildcard",
            vec![
                grant(Some(DB), "_table/*", ALL),
                grant(Some(DB), "_table/todo", GET),
            ],
            "_table/todo",
            GET,
        ),
        case(
            "exact over star",
            vec![
                grant(Some(DB), "*", ALL),
                grant(Some(DB), "_table/todo", GET),
            ],
            "_table/todo",
            GET,
        ),
        case(
            "wildcard over star",
            vec![grant(Some(DB), "*", ALL), grant(Some(DB), "_table/*", GET)],
            "_table/todo",
            GET,
        ),
        case(
            "star over all services",
            vec![grant(None, "*", ALL), grant(Some(DB), "*", GET)],
            "_table/todo",
            GET,
        ),
        case(
            "a row granting nothing still shadows",
            vec![grant(Some(DB), "*", ALL), grant(Some(DB), "_table/todo", 0)],
            "_table/todo",
            0,
        ),
        case(
            "root row over star for the root",
            vec![grant(Some(DB), "*", ALL), grant(Some(DB), "", GET)],
            "",
            GET,
        ),
        case(
            "star over all services for the root",
            vec![grant(None, "", ALL), grant(Some(DB), "*", GET)],
            "",
            GET,
        ),
        case(
            "broader rows apply where the specific one does not match",
            vec![
                grant(Some(DB), "*", POST),
                grant(Some(DB), "_table/todo", GET),
            ],
            "_table/item",
            POST,
        ),
        case(
            "other services' rows never shadow",
            vec![
                grant(Some(OTHER), "_table/todo", GET),
                grant(Some(DB), "*", POST),
            ],
            "_table/todo",
            POST,
        ),
    ]);
}

#[test]
fn requestor_masks_filter_rows_before_matching() {
    let script_only = RequestorMask::SCRIPT;
    run(vec![
        case(
            "mask 0 never matches",
            vec![grant_for(Some(DB), "*", ALL, RequestorMask::NONE)],
            "_table/todo",
            0,
        ),
        case(
            "mask 0 does not shadow",
            vec![
                grant(Some(DB), "*", POST),
                grant_for(Some(DB), "_table/todo", GET, RequestorMask::NONE),
            ],
            "_table/todo",
            POST,
        ),
        case(
            "script rows are not for the API",
            vec![grant_for(Some(DB), "*", ALL, script_only)],
            "_schema",
            0,
        ),
        case(
            "rows for both",
            vec![grant_for(Some(DB), "*", GET, RequestorMask::ALL)],
            "_schema",
            GET,
        ),
    ]);
    let role = active(vec![grant_for(Some(DB), "*", PUT, script_only)]);
    assert_eq!(
        permitted_verbs(&role, DB, "_schema", Requestor::Script).bits(),
        PUT
    );
}

#[test]
fn an_inactive_role_and_an_empty_role_grant_nothing() {
    let mut role = active(vec![grant(Some(DB), "*", ALL), grant(None, "*", ALL)]);
    role.is_active = false;
    assert_eq!(
        permitted_verbs(&role, DB, "_table/todo", Requestor::Api),
        VerbMask::NONE
    );
    assert_eq!(
        permitted_verbs(&active(vec![]), DB, "", Requestor::Api),
        VerbMask::NONE
    );
}
