//! Row-level security: role filters with `{user.id}` and other lookups, combined with the
//! client's filter as trees and bound as values; fields a role may not read, which
//! cannot be filtered on, sorted on, projected or followed either.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, Reply, TestApp, df_error};

use crate::access::{role, service_id};

const PASSWORD: &str = "a long enough password";

struct Fixture {
    app: TestApp,
    admin: String,
    key: String,
    alice: i64,
    bob: i64,
}

/// Users alice and bob, a `note` table with rows of each, and an app whose role reads
/// `_table/note` through the given access row options.
async fn fixture(access: Value, bob_name: &str) -> Fixture {
    let (app, admin) = TestApp::with_demo_service().await;
    let alice = app
        .create_user(&admin, "alice@example.com", PASSWORD, "Alice")
        .await;
    let bob = app
        .create_user(&admin, "bob@example.com", PASSWORD, bob_name)
        .await;
    app.exec_on_demo(&format!(
        "CREATE TABLE note (id INTEGER PRIMARY KEY, owner_id INTEGER, author TEXT, body TEXT,
                            secret TEXT);
         INSERT INTO note VALUES (1, {alice}, 'Alice', 'a1', 's1'), (2, {bob}, '{bob_sql}', 'b1', 's2'),
                                 (3, {alice}, 'Alice', 'a2', 's3'), (4, NULL, 'nobody', 'n1', 's4');",
        bob_sql = bob_name.replace('\'', "''"),
    ));
    let db = service_id(&app, &admin, "db").await;
    let role_id = app
        .create_role(&admin, role("owners", db, "_table/note/*", 31, access))
        .await;
    let (_, key) = app.create_app(&admin, "notes", Some(role_id)).await;
    Fixture {
        app,
        admin,
        key,
        alice,
        bob,
    }
}

async fn read(app: &TestApp, auth: Auth<'_>, path: String) -> Reply {
    app.call(Method::GET, &path, auth, None).await
}

pub fn owner_filter() -> Value {
    json!({"filters": [{"name": "owner_id", "operator": "=", "value": "{user.id}"}]})
}

pub fn ids(body: &Value) -> Vec<i64> {
    body["resource"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_user_reads_exactly_their_own_rows() {
    let f = fixture(owner_filter(), "Bob").await;
    let token = f
        .app
        .user_login("alice@example.com", PASSWORD, Some(&f.key))
        .await;
    let auth = Auth::both(&token, &f.key);
    let get = |path: String| read(&f.app, auth, path);

    let list = get("/api/v2/db/_table/note?fields=id".into()).await;
    assert_eq!(ids(&list.body), [1, 3]);
    let count = get("/api/v2/db/_table/note?count_only=true".into()).await;
    assert_eq!(count.body, json!(2));
    let counted = get("/api/v2/db/_table/note?include_count=true&fields=id&limit=1".into()).await;
    assert_eq!(counted.body["meta"]["count"], 2);

    // The client's own `or` stays inside its half of the AND.
    let escape = get(format!(
        "/api/v2/db/_table/note?fields=id&filter=owner_id%20%3D%20{}%20or%20id%20%3E%200",
        f.bob
    ))
    .await;
    assert_eq!(ids(&escape.body), [1, 3]);

    let mine = get("/api/v2/db/_table/note/3?fields=id,body".into()).await;
    assert_eq!(mine.body, json!({"id": 3, "body": "a2"}));
    let theirs = get("/api/v2/db/_table/note/2".into()).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(
        theirs.body,
        df_error(404, "Record with identifier '2' not found.")
    );

    // Someone else's id in `ids=` fails exactly like an id that does not exist.
    let by_ids = get("/api/v2/db/_table/note?ids=1,2&fields=id".into()).await;
    let missing = get("/api/v2/db/_table/note?ids=1,99&fields=id".into()).await;
    assert_eq!(by_ids.status, StatusCode::BAD_REQUEST, "{}", by_ids.body);
    assert_eq!(
        by_ids.body.to_string().replace("'2'", "'99'"),
        missing.body.to_string()
    );

    // Bob sees his row only.
    let token = f
        .app
        .user_login("bob@example.com", PASSWORD, Some(&f.key))
        .await;
    let list = f
        .app
        .call(
            Method::GET,
            "/api/v2/db/_table/note?fields=id",
            Auth::both(&token, &f.key),
            None,
        )
        .await;
    assert_eq!(ids(&list.body), [2]);
    let _ = f.alice;
}

#[tokio::test]
async fn an_api_key_without_a_user_matches_no_row_of_a_user_filter() {
    let f = fixture(owner_filter(), "Bob").await;
    let list = f
        .app
        .call(
            Method::GET,
            "/api/v2/db/_table/note?fields=id",
            Auth::key(&f.key),
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    // Not even the row whose owner is NULL: an unknown lookup fails closed.
    assert_eq!(list.body, json!({"resource": []}));
}

#[tokio::test]
async fn a_lookup_value_with_quotes_is_one_bound_value() {
    let nasty = "x' or 1=1 --";
    let access = json!({"filters": [{"name": "author", "operator": "=", "value": "{user.name}"}]});
    let f = fixture(access, nasty).await;
    let token = f
        .app
        .user_login("bob@example.com", PASSWORD, Some(&f.key))
        .await;
    let list = f
        .app
        .call(
            Method::GET,
            "/api/v2/db/_table/note?fields=id,author",
            Auth::both(&token, &f.key),
            None,
        )
        .await;
    assert_eq!(list.body, json!({"resource": [{"id": 2, "author": nasty}]}));
}

#[tokio::test]
async fn a_client_filter_may_use_lookups_as_bound_values() {
    let f = fixture(json!({}), "Bob").await;
    let token = f
        .app
        .user_login("alice@example.com", PASSWORD, Some(&f.key))
        .await;
    let list = f
        .app
        .call(
            Method::GET,
            "/api/v2/db/_table/note?fields=id&filter=owner_id%3D%7Buser.id%7D",
            Auth::both(&token, &f.key),
            None,
        )
        .await;
    assert_eq!(ids(&list.body), [1, 3]);
    let unknown = f
        .app
        .call(
            Method::GET,
            "/api/v2/db/_table/note?filter=owner_id%3D%7Bnope%7D",
            Auth::both(&token, &f.key),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        unknown.body["error"]["message"],
        "Lookup '{nope}' is not available."
    );
}

#[tokio::test]
async fn a_hidden_field_cannot_be_filtered_sorted_or_selected() {
    let f = fixture(json!({"hidden_fields": ["secret"]}), "Bob").await;
    let auth = Auth::key(&f.key);
    let list = f
        .app
        .call(Method::GET, "/api/v2/db/_table/note?limit=1", auth, None)
        .await;
    assert_eq!(
        list.body,
        json!({"resource": [{"id": 1, "owner_id": f.alice, "author": "Alice", "body": "a1"}]})
    );
    for (query, unknown) in [
        ("filter=secret%3D%27s1%27", "filter=nothere%3D%27s1%27"),
        ("order=secret", "order=nothere"),
        ("fields=secret", "fields=nothere"),
    ] {
        let hidden = f
            .app
            .call(
                Method::GET,
                &format!("/api/v2/db/_table/note?{query}"),
                auth,
                None,
            )
            .await;
        let missing = f
            .app
            .call(
                Method::GET,
                &format!("/api/v2/db/_table/note?{unknown}"),
                auth,
                None,
            )
            .await;
        assert_eq!(hidden.status, StatusCode::BAD_REQUEST, "{query}");
        // The same answer as for a field that does not exist, but for the name: no oracle.
        let hidden_message = hidden.body["error"]["message"].as_str().unwrap();
        let missing_message = missing.body["error"]["message"].as_str().unwrap();
        assert_eq!(
            hidden_message.replace("secret", "nothere"),
            missing_message,
            "{query}"
        );
    }
    let by_id = f
        .app
        .call(Method::GET, "/api/v2/db/_table/note/1", auth, None)
        .await;
    assert_eq!(by_id.body.get("secret"), None, "{}", by_id.body);
    let _ = (&f.admin, f.bob);
}
