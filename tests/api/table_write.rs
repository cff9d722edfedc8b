//! Writes on `_table` through HTTP: create, update, delete, batches, and the role's row
//! filter on every write path (the row before must match it, and so must the row after).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, TestApp, df_error};

use crate::access::{role, service_id};

const PASSWORD: &str = "a long enough password";
const DENIED: &str = "Denied access to some of the requested fields.";

async fn todo_app() -> (TestApp, String) {
    TestApp::with_todo_service(json!({})).await
}

#[tokio::test]
async fn create_update_and_delete_answer_with_identifiers() {
    let (app, admin) = todo_app().await;
    let auth = Auth::token(&admin);
    let created = app
        .call(
            Method::POST,
            "/api/v2/db/_table/todo",
            auth,
            Some(json!({"resource": [{"name": "Write tests", "priority": 1}, {"name": "Ship"}]})),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(created.body, json!({"resource": [{"id": 5}, {"id": 6}]}));

    let patched = app
        .call(
            Method::PATCH,
            "/api/v2/db/_table/todo/5?fields=id,name,complete",
            auth,
            Some(json!({"complete": true})),
        )
        .await;
    assert_eq!(
        patched.body,
        json!({"id": 5, "name": "Write tests", "complete": true})
    );

    let deleted = app
        .call(Method::DELETE, "/api/v2/db/_table/todo?ids=5,6", auth, None)
        .await;
    assert_eq!(deleted.body, json!({"resource": [{"id": 5}, {"id": 6}]}));
    let gone = app.get("/api/v2/db/_table/todo/5", &admin).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_batch_stops_at_the_first_failure_unless_asked_otherwise() {
    let (app, admin) = todo_app().await;
    let auth = Auth::token(&admin);
    let records = json!({"resource": [{"name": "first"}, {"name": null}, {"name": "third"}]});
    let reply = app
        .call(
            Method::POST,
            "/api/v2/db/_table/todo",
            auth,
            Some(records.clone()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        json!({"error": {"code": 1000,
            "context": {"error": [1], "resource": [
                {"id": 5},
                {"code": 400, "context": null, "message": "Field 'name' can not be NULL.",
                 "status_code": 400}]},
            "message": "Batch Error: Not all requested records could be created.",
            "status_code": 400}})
    );
    let count = app
        .get("/api/v2/db/_table/todo?count_only=true", &admin)
        .await;
    assert_eq!(count.body, json!(5), "the first record stays");

    let reply = app
        .call(
            Method::POST,
            "/api/v2/db/_table/todo?rollback=true",
            auth,
            Some(records),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body["error"]["message"],
        "Batch Error: Not all requested records could be created. All changes rolled back."
    );
    let count = app
        .get("/api/v2/db/_table/todo?count_only=true", &admin)
        .await;
    assert_eq!(
        count.body,
        json!(5),
        "nothing of the rolled-back batch stays"
    );

    let both = app
        .call(
            Method::POST,
            "/api/v2/db/_table/todo?rollback=true&continue=true",
            auth,
            Some(json!([{"name": "x"}])),
        )
        .await;
    assert_eq!(
        both.body,
        df_error(
            400,
            "Rollback and continue operations can not be requested at the same time."
        )
    );
}

struct Notes {
    app: TestApp,
    key: String,
    alice: i64,
    bob: i64,
}

/// Notes owned by alice and bob, and a role that may do everything on `note` within
/// `owner_id = {user.id}`.
async fn notes() -> Notes {
    let (app, admin) = TestApp::with_demo_service().await;
    let alice = app
        .create_user(&admin, "alice@example.com", PASSWORD, "Alice")
        .await;
    let bob = app
        .create_user(&admin, "bob@example.com", PASSWORD, "Bob")
        .await;
    app.exec_on_demo(&format!(
        "CREATE TABLE note (id INTEGER PRIMARY KEY, owner_id INTEGER, body TEXT);
         INSERT INTO note VALUES (1, {alice}, 'a1'), (2, {bob}, 'b1');"
    ));
    let db = service_id(&app, &admin, "db").await;
    let filters = json!({"filters": [{"name": "owner_id", "operator": "=", "value": "{user.id}"}]});
    let role_id = app
        .create_role(&admin, role("owners", db, "_table/note/*", 31, filters))
        .await;
    let (_, key) = app.create_app(&admin, "notes", Some(role_id)).await;
    Notes {
        app,
        key,
        alice,
        bob,
    }
}

/// The `note` table as stored, read directly from the database file.
async fn bodies(notes: &Notes) -> Value {
    let conn = rusqlite::Connection::open(notes.app.data_dir.path().join("demo.sqlite")).unwrap();
    let mut statement = conn
        .prepare("SELECT id, owner_id, body FROM note ORDER BY id")
        .unwrap();
    let rows: Vec<Value> = statement
        .query_map([], |row| {
            Ok(json!([
                row.get::<_, i64>(0)?,
                row.get::<_, Option<i64>>(1)?,
                row.get::<_, String>(2)?
            ]))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    Value::Array(rows)
}

#[tokio::test]
async fn row_filters_confine_updates_and_deletes_to_the_callers_rows() {
    let n = notes().await;
    let token = n
        .app
        .user_login("alice@example.com", PASSWORD, Some(&n.key))
        .await;
    let auth = Auth::both(&token, &n.key);
    let before = bodies(&n).await;

    let theirs = n
        .app
        .call(
            Method::PATCH,
            "/api/v2/db/_table/note/2",
            auth,
            Some(json!({"body": "mine now"})),
        )
        .await;
    assert_eq!(
        theirs.body,
        df_error(404, "Record with identifier '2' not found.")
    );
    let theirs = n
        .app
        .call(Method::DELETE, "/api/v2/db/_table/note/2", auth, None)
        .await;
    assert_eq!(
        theirs.body,
        df_error(404, "Record with identifier '2' not found.")
    );
    let by_filter = n
        .app
        .call(
            Method::DELETE,
            "/api/v2/db/_table/note?filter=id%3E0",
            auth,
            None,
        )
        .await;
    assert_eq!(by_filter.status, StatusCode::OK, "{}", by_filter.body);
    assert_eq!(
        bodies(&n).await,
        json!([[2, n.bob, "b1"]]),
        "only alice's row went: {before}"
    );
}

#[tokio::test]
async fn a_write_that_would_leave_the_row_filter_is_refused_and_changes_nothing() {
    let n = notes().await;
    let token = n
        .app
        .user_login("alice@example.com", PASSWORD, Some(&n.key))
        .await;
    let auth = Auth::both(&token, &n.key);
    let before = bodies(&n).await;

    let give_away = n
        .app
        .call(
            Method::PATCH,
            "/api/v2/db/_table/note/1",
            auth,
            Some(json!({"owner_id": n.bob, "body": "changed"})),
        )
        .await;
    assert_eq!(give_away.body, df_error(403, DENIED));
    let forge = n
        .app
        .call(
            Method::POST,
            "/api/v2/db/_table/note",
            auth,
            Some(json!({"resource": [{"owner_id": n.bob, "body": "forged"}]})),
        )
        .await;
    assert_eq!(forge.status, StatusCode::BAD_REQUEST, "{}", forge.body);
    assert_eq!(
        forge.body["error"]["context"]["resource"][0],
        df_error(403, DENIED)["error"]
    );
    assert_eq!(bodies(&n).await, before, "nothing was written");

    let own = n
        .app
        .call(
            Method::POST,
            "/api/v2/db/_table/note",
            auth,
            Some(json!({"resource": [{"owner_id": n.alice, "body": "mine"}]})),
        )
        .await;
    assert_eq!(own.body, json!({"resource": [{"id": 3}]}));
}
