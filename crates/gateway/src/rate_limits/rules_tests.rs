use sluice_system_db::{LimitRow, NewLimit};

use super::*;

/// A limit row as the API stores it (`key_text` built the way `/system/limit` builds it).
fn row(id: i64, kind: &str, verb: Option<&str>) -> LimitRow {
    LimitRow {
        id,
        limit: NewLimit {
            kind: kind.to_string(),
            key_text: String::new(),
            rate: 10,
            period: 0,
            user_id: None,
            role_id: None,
            service_id: None,
            endpoint: None,
            verb: verb.map(str::to_string),
            name: format!("limit {id}"),
            description: None,
            is_active: true,
        },
        created_date: String::new(),
        last_modified_date: String::new(),
    }
}

fn with(mut row: LimitRow, change: impl FnOnce(&mut NewLimit)) -> LimitRow {
    change(&mut row.limit);
    row
}

fn request(user_id: Option<i64>, path: &str, verb: &str) -> (Option<i64>, String, u8) {
    (user_id, canonical_path(path), verb_bit(verb))
}

fn ids(set: &LimitSet, user_id: Option<i64>, path: &str, verb: &str) -> Vec<i64> {
    let (user_id, path, verb) = request(user_id, path, verb);
    let facts = RequestFacts {
        user_id,
        role_id: Some(3),
        service_id: 1,
        path: &path,
        verb,
    };
    set.applicable(&facts).iter().map(|l| l.row.id).collect()
}

#[test]
fn paths_are_compared_case_and_slash_insensitively() {
    assert_eq!(canonical_path("/_table//Todo/"), "_table/todo");
    assert_eq!(canonical_path(""), "");
    assert_eq!(canonical_path("_table/ÉCOLE/Ä1"), "_table/école/ä1");
    assert_eq!(canonical_path("/Straße/KELVIN\u{212A}"), "straße/kelvink");
}

#[test]
fn each_type_matches_its_ids() {
    let set = LimitSet::build(vec![
        row(1, "instance", None),
        with(row(2, "instance.user", None), |l| l.user_id = Some(7)),
        row(3, "instance.each_user", None),
        with(row(4, "instance.service", None), |l| l.service_id = Some(1)),
        with(row(5, "instance.service", None), |l| l.service_id = Some(2)),
        with(row(6, "instance.role", None), |l| l.role_id = Some(3)),
        with(row(7, "instance.role", None), |l| l.role_id = Some(4)),
        with(row(8, "instance.service.endpoint", None), |l| {
            l.service_id = Some(1);
            l.endpoint = Some("_table/todo".into());
        }),
        with(row(9, "instance.user.service", None), |l| {
            l.service_id = Some(1);
            l.user_id = Some(8);
        }),
        with(row(10, "instance.each_user.service.endpoint", None), |l| {
            l.service_id = Some(1);
            l.endpoint = Some("_table/todo".into());
        }),
    ]);
    assert_eq!(ids(&set, None, "_table/todo", "GET"), [1, 4, 6, 8]);
    // User 7 has a limit of their own, which takes the place of the each-user one.
    assert_eq!(
        ids(&set, Some(7), "_table/TODO/", "GET"),
        [1, 2, 4, 6, 8, 10]
    );
    assert_eq!(ids(&set, Some(8), "_table/other", "GET"), [1, 3, 4, 6, 9]);
}

#[test]
fn inactive_limits_never_apply_nor_override() {
    let set = LimitSet::build(vec![
        with(row(1, "instance", None), |l| l.is_active = false),
        row(2, "instance", None),
        with(row(3, "instance", Some("GET")), |l| l.is_active = false),
    ]);
    assert_eq!(ids(&set, None, "", "GET"), [2]);
}

#[test]
fn a_verb_specific_limit_overrides_the_verb_less_one_for_its_verb_only() {
    let set = LimitSet::build(vec![
        row(1, "instance", None),
        row(2, "instance", Some("GET")),
        with(row(3, "instance", Some("POST")), |l| l.period = 1),
    ]);
    assert_eq!(ids(&set, None, "", "GET"), [2]);
    assert_eq!(
        ids(&set, None, "", "POST"),
        [1, 3],
        "a twin of another period overrides nothing"
    );
    assert_eq!(ids(&set, None, "", "DELETE"), [1]);
}

#[test]
fn an_endpoint_ending_in_a_star_matches_by_prefix() {
    let set = LimitSet::build(vec![
        with(row(1, "instance.service.endpoint", None), |l| {
            l.service_id = Some(1);
            l.endpoint = Some("_table/*".into());
        }),
        with(row(2, "instance.service.endpoint", None), |l| {
            l.service_id = Some(1);
            l.endpoint = Some("_table/todo".into());
        }),
    ]);
    assert_eq!(ids(&set, None, "_table/todo", "GET"), [1, 2]);
    assert_eq!(ids(&set, None, "_table/todo/5", "GET"), [1]);
    assert_eq!(ids(&set, None, "_table", "GET"), Vec::<i64>::new());
    assert_eq!(ids(&set, None, "_tablex", "GET"), Vec::<i64>::new());
}

#[test]
fn a_users_own_limit_overrides_the_each_user_one_for_that_user() {
    let set = LimitSet::build(vec![
        row(1, "instance.each_user", None),
        with(row(2, "instance.user", None), |l| l.user_id = Some(7)),
        with(row(3, "instance.user", Some("POST")), |l| {
            l.user_id = Some(8)
        }),
    ]);
    assert_eq!(ids(&set, Some(7), "", "GET"), [2]);
    assert_eq!(ids(&set, Some(8), "", "GET"), [1]);
    assert_eq!(ids(&set, Some(8), "", "POST"), [3]);
    assert_eq!(ids(&set, Some(9), "", "GET"), [1]);
    assert_eq!(ids(&set, None, "", "GET"), Vec::<i64>::new());
}

#[test]
fn each_user_counters_are_per_user() {
    let set = LimitSet::build(vec![with(row(1, "instance.each_user", None), |l| {
        l.key_text = "instance.each_user:.minute".into();
    })]);
    let (user_id, path, verb) = request(Some(7), "", "GET");
    let facts = RequestFacts {
        user_id,
        role_id: None,
        service_id: 1,
        path: &path,
        verb,
    };
    let applicable = set.applicable(&facts);
    assert_eq!(
        applicable[0].counter_key(Some(7)),
        "instance.each_user:7.minute"
    );
}
