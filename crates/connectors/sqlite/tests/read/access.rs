//! Row-level security on reads: the role's row filter with `{lookup}`s on every kind of
//! read, and hidden fields (a field the role may not read cannot be filtered, sorted,
//! projected or followed), with exact rows and messages.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};
use sluice_connector_core::{
    ConnectorError, LookupSource, LookupValue, ReadBounds, ReadRequest, RowAccess, TableAccess,
    Unrestricted,
};

use crate::helpers::*;

/// Alice (1) owns 1, 3 and 6; Bob (2) owns 2 and 5; 4 belongs to a user whose name is an
/// injection attempt.
const TODOS: &str = r#"
CREATE TABLE todos (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL,
    owner_name TEXT NOT NULL,
    title TEXT NOT NULL,
    secret TEXT
);
INSERT INTO todos VALUES
    (1, 1, 'alice', 'a1', 's1'),
    (2, 2, 'bob', 'b1', 's2'),
    (3, 1, 'alice', 'a2', 's3'),
    (4, 3, 'x'' or 1=1 --', 'x1', 's4'),
    (5, 2, 'bob', 'b2', NULL),
    (6, 1, 'alice', 'a3', NULL);
"#;

const HOSTILE_NAME: &str = "x' or 1=1 --";

/// The fixture plus the `todos` table, created before the connector first reads the schema.
fn todos_fixture() -> Fixture {
    let fixture = fixture();
    writer(&fixture)
        .execute_batch(TODOS)
        .expect("todos created");
    fixture
}

/// The caller's session as the gateway would expose it.
struct Session(HashMap<&'static str, LookupValue>);

impl LookupSource for Session {
    fn lookup(&self, name: &str) -> Option<LookupValue> {
        self.0.get(name).cloned()
    }
}

fn user(id: Value, name: &str) -> Arc<dyn LookupSource> {
    let public = |value: Value| LookupValue {
        value,
        private: false,
    };
    Arc::new(Session(HashMap::from([
        ("user.id", public(id)),
        ("user.name", public(Value::from(name))),
    ])))
}

/// A request as the role `owner_id = {user.id}` sends it for `user`.
fn as_owner(lookups: Option<Arc<dyn LookupSource>>, request: ReadRequest) -> Read {
    with_role("owner_id = {user.id}", &[], lookups, request)
}

fn with_role(
    row_filter: &str,
    hidden: &[&str],
    lookups: Option<Arc<dyn LookupSource>>,
    request: ReadRequest,
) -> Read {
    let row_filter = sluice_filter::parse(row_filter, &sluice_filter::Limits::default())
        .expect("role filter parses");
    let row = RowAccess::restricted(
        Some(row_filter),
        hidden.iter().map(|name| (*name).to_owned()).collect(),
    );
    let access = TableAccess::restricted(Arc::new(row), Arc::new(Unrestricted));
    Read {
        request,
        access: with_lookups(access, lookups),
    }
}

fn with_lookups(access: TableAccess, lookups: Option<Arc<dyn LookupSource>>) -> TableAccess {
    match lookups {
        Some(lookups) => access.with_lookups(lookups),
        None => access,
    }
}

fn alice() -> Option<Arc<dyn LookupSource>> {
    // A numeric text, as a session may hold it: typed as an integer for `owner_id`.
    Some(user(json!("1"), "alice"))
}

fn filtered(filter: &str) -> ReadRequest {
    ReadRequest {
        filter: Some(filter.into()),
        ..request()
    }
}

async fn record(fixture: &Fixture, id: &str, read: Read) -> Result<Value, ConnectorError> {
    let bytes = fixture
        .table("todos", read.access, ReadBounds::default())
        .read_record(id, &read.request)
        .await?;
    Ok(serde_json::from_slice(&bytes).expect("valid JSON"))
}

#[tokio::test]
async fn the_role_filter_limits_a_list_to_the_callers_rows() {
    let fixture = todos_fixture();
    let body = get(&fixture, "todos", as_owner(alice(), request()))
        .await
        .expect("read");
    assert_eq!(ids(&body), vec![1, 3, 6]);
    assert_eq!(body.get("meta"), None);
    let bob = Some(user(json!(2), "bob"));
    let body = get(&fixture, "todos", as_owner(bob, request()))
        .await
        .expect("read");
    assert_eq!(ids(&body), vec![2, 5]);
}

#[tokio::test]
async fn counts_see_only_the_callers_rows() {
    let fixture = todos_fixture();
    let count = get(
        &fixture,
        "todos",
        as_owner(
            alice(),
            ReadRequest {
                count_only: true,
                ..request()
            },
        ),
    )
    .await
    .expect("count");
    assert_eq!(count, json!(3));
    let body = get(
        &fixture,
        "todos",
        as_owner(
            alice(),
            ReadRequest {
                include_count: true,
                limit: Some("2".into()),
                fields: Some("id".into()),
                ..request()
            },
        ),
    )
    .await
    .expect("read");
    assert_eq!(
        body,
        json!({"resource": [{"id": 1}, {"id": 3}], "meta": {"count": 3, "next": 2}})
    );
    // The "need limit" probe and its COUNT are filtered, too.
    let body = get_with(&fixture, "todos", as_owner(alice(), request()), bounds(2))
        .await
        .expect("read");
    assert_eq!(ids(&body), vec![1, 3]);
    assert_eq!(body["meta"], json!({"count": 3, "next": 2}));
}

#[tokio::test]
async fn ids_outside_the_role_filter_are_not_found_like_missing_ones() {
    let fixture = todos_fixture();
    let by_ids = |ids: &str, continue_on_error: bool| {
        as_owner(
            alice(),
            ReadRequest {
                ids: Some(ids.into()),
                fields: Some("id,title".into()),
                continue_on_error,
                ..request()
            },
        )
    };
    let body = get(&fixture, "todos", by_ids("6,1", false))
        .await
        .expect("read");
    assert_eq!(
        body,
        json!({"resource": [{"id": 6, "title": "a3"}, {"id": 1, "title": "a1"}]})
    );
    let not_found = |id: &str| json!({"code": 404, "context": null, "message": format!("Record with identifier '{id}' not found."), "status_code": 404});
    match get(&fixture, "todos", by_ids("1,2,99,3", true)).await {
        Err(ConnectorError::Batch { message, context }) => {
            assert_eq!(
                message,
                "Batch Error: Not all requested records could be retrieved."
            );
            assert_eq!(
                context,
                json!({
                    "error": [1, 2],
                    "resource": [
                        {"id": 1, "title": "a1"},
                        not_found("2"),
                        not_found("99"),
                        {"id": 3, "title": "a2"},
                    ]
                })
            );
        }
        other => panic!("expected a batch error, got {other:?}"),
    }
}

#[tokio::test]
async fn by_id_someone_elses_row_is_the_same_404_as_a_missing_one() {
    let fixture = todos_fixture();
    let own = record(&fixture, "3", as_owner(alice(), request()))
        .await
        .expect("own record");
    assert_eq!(
        own,
        json!({"id": 3, "owner_id": 1, "owner_name": "alice", "title": "a2", "secret": "s3"})
    );
    for id in ["2", "99"] {
        match record(&fixture, id, as_owner(alice(), request())).await {
            Err(error @ ConnectorError::RecordNotFound(_)) => assert_eq!(
                error.to_string(),
                format!("Record with identifier '{id}' not found.")
            ),
            other => panic!("expected RecordNotFound for {id}, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_hostile_user_name_is_one_bound_value() {
    let fixture = todos_fixture();
    let caller = Some(user(json!(3), HOSTILE_NAME));
    let role = with_role("owner_name = {user.name}", &[], caller.clone(), request());
    let body = get(&fixture, "todos", role).await.expect("read");
    assert_eq!(ids(&body), vec![4]);
    // The same lookup in the client's own filter.
    let client = Read {
        request: filtered("owner_name = {user.name}"),
        access: with_lookups(TableAccess::unrestricted(), caller),
    };
    let body = get(&fixture, "todos", client).await.expect("read");
    assert_eq!(ids(&body), vec![4]);
    // A name that is not in the table matches nothing rather than everything.
    let caller = Some(user(json!(9), "nobody' or '1'='1"));
    let role = with_role("owner_name = {user.name}", &[], caller, request());
    let body = get(&fixture, "todos", role).await.expect("read");
    assert_eq!(ids(&body), Vec::<i64>::new());
}

#[tokio::test]
async fn the_clients_or_cannot_escape_the_role_filter() {
    let fixture = todos_fixture();
    for (filter, expected) in [
        ("id = 2 or id > 0", vec![1, 3, 6]),
        ("(owner_id = 2) or (owner_id != 2)", vec![1, 3, 6]),
        ("owner_id = 2 or title like '%'", vec![1, 3, 6]),
        ("not (owner_id = 1)", vec![]),
        ("owner_id = 2", vec![]),
        ("title = 'a2' or title = 'b1'", vec![3]),
    ] {
        let body = get(&fixture, "todos", as_owner(alice(), filtered(filter)))
            .await
            .expect(filter);
        assert_eq!(ids(&body), expected, "{filter}");
    }
}

#[tokio::test]
async fn a_role_lookup_the_caller_lacks_fails_closed() {
    let fixture = todos_fixture();
    let no_user: Option<Arc<dyn LookupSource>> = Some(Arc::new(Session(HashMap::new())));
    for (role, lookups) in [
        ("owner_id = {user.id}", None),
        ("owner_id = {user.id}", no_user.clone()),
        ("owner_id != {user.id}", no_user.clone()),
        ("not (owner_id = {user.id})", no_user.clone()),
        ("owner_id not in ({user.id})", no_user.clone()),
        // A null id is no better than none: never `owner_id IS NULL`.
        ("owner_id = {user.id}", Some(user(Value::Null, "alice"))),
        ("owner_id != {user.id}", Some(user(Value::Null, "alice"))),
    ] {
        let body = get(
            &fixture,
            "todos",
            with_role(role, &[], lookups.clone(), request()),
        )
        .await
        .expect(role);
        assert_eq!(ids(&body), Vec::<i64>::new(), "{role}");
        let count = ReadRequest {
            count_only: true,
            ..request()
        };
        let count = get(&fixture, "todos", with_role(role, &[], lookups, count))
            .await
            .expect(role);
        assert_eq!(count, json!(0), "{role}");
    }
    // The rest of the role's filter still applies.
    let body = get(
        &fixture,
        "todos",
        with_role(
            "owner_id = {user.id} or owner_name = 'bob'",
            &[],
            no_user,
            request(),
        ),
    )
    .await
    .expect("read");
    assert_eq!(ids(&body), vec![2, 5]);
}

#[tokio::test]
async fn a_role_filter_on_an_unknown_column_is_a_server_filter_error() {
    let fixture = todos_fixture();
    let role = with_role("user_id = {user.id}", &[], alice(), request());
    let result = get(&fixture, "todos", role.clone()).await;
    assert!(
        matches!(result, Err(ConnectorError::ServerFilter { .. })),
        "{result:?}"
    );
    let result = record(&fixture, "1", role).await;
    match result {
        Err(error @ ConnectorError::ServerFilter { .. }) => assert_eq!(
            error.to_string(),
            "Invalid server-side filter configuration detected."
        ),
        other => panic!("expected ServerFilter, got {other:?}"),
    }
}

fn hiding_secret(request: ReadRequest) -> Read {
    with_role("secret is not null", &["Secret"], alice(), request)
}

#[tokio::test]
async fn hidden_fields_are_refused_like_unknown_ones() {
    let fixture = todos_fixture();
    for (hidden, unknown, expected) in [
        (
            filtered("secret = 's1'"),
            filtered("nope = 's1'"),
            "Invalid or unparsable field in filter request: 'secret'",
        ),
        (
            ReadRequest {
                order: Some("SECRET desc".into()),
                ..request()
            },
            ReadRequest {
                order: Some("NOPE desc".into()),
                ..request()
            },
            "Invalid field 'SECRET' in order by clause.",
        ),
        (
            ReadRequest {
                fields: Some("id,secret".into()),
                ..request()
            },
            ReadRequest {
                fields: Some("id,nope".into()),
                ..request()
            },
            "Invalid field requested: secret",
        ),
        (
            ReadRequest {
                group: Some("secret".into()),
                ..request()
            },
            ReadRequest {
                group: Some("nope".into()),
                ..request()
            },
            "Invalid or unknown field 'secret' in group by clause.",
        ),
    ] {
        let unknown_message = bad_request(get(&fixture, "todos", hiding_secret(unknown)).await);
        let hidden_message = bad_request(get(&fixture, "todos", hiding_secret(hidden)).await);
        assert_eq!(hidden_message, expected);
        assert_eq!(
            unknown_message,
            expected.replace("secret", "nope").replace("SECRET", "NOPE")
        );
    }
}

#[tokio::test]
async fn hidden_fields_are_left_out_of_star_records_and_the_schema() {
    let fixture = todos_fixture();
    let body = get(
        &fixture,
        "todos",
        hiding_secret(ReadRequest {
            fields: Some("*".into()),
            include_schema: true,
            ..request()
        }),
    )
    .await
    .expect("read");
    // The role's filter uses the hidden column: Alice's rows with a secret.
    assert_eq!(
        body["resource"],
        json!([
            {"id": 1, "owner_id": 1, "owner_name": "alice", "title": "a1"},
            {"id": 2, "owner_id": 2, "owner_name": "bob", "title": "b1"},
            {"id": 3, "owner_id": 1, "owner_name": "alice", "title": "a2"},
            {"id": 4, "owner_id": 3, "owner_name": HOSTILE_NAME, "title": "x1"},
        ])
    );
    let names: Vec<&str> = body["meta"]["schema"]["field"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|field| field["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["id", "owner_id", "owner_name", "title"]);
    let own = record(&fixture, "1", hiding_secret(request()))
        .await
        .expect("record");
    assert_eq!(
        own,
        json!({"id": 1, "owner_id": 1, "owner_name": "alice", "title": "a1"})
    );
}
