//! Who sees what through the data cache: a cached answer is only ever given to callers for
//! whom it is the answer (same role, same hidden fields, and with a `{user.id}` row filter,
//! the same user), and changes to roles, apps and lookups drop cached answers.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, TestApp};

use crate::access::{role, service_id};
use crate::row_security::{ids, owner_filter};

const PASSWORD: &str = "a long enough password";
const NOTES: &str = "/api/v2/db/_table/note";

struct Fixture {
    app: TestApp,
    admin: String,
    alice: i64,
    bob: i64,
    /// The key of an app whose role reads every table.
    everything: String,
    /// The key of an app whose role may not read `note.secret`.
    no_secret: String,
    no_secret_role: i64,
    /// The key of an app whose role reads the notes whose `owner_id` is `{user.id}`.
    owners: String,
}

/// Service `db` with cached reads, users alice and bob, a `note` table with rows of each,
/// and three apps whose roles read it differently.
async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let (app, admin) =
        TestApp::with_tables(app, json!({"cache_enabled": true, "cache_ttl": 5}), "").await;
    let alice = app
        .create_user(&admin, "alice@example.com", PASSWORD, "Alice")
        .await;
    let bob = app
        .create_user(&admin, "bob@example.com", PASSWORD, "Bob")
        .await;
    app.exec_on_demo(&format!(
        "CREATE TABLE note (id INTEGER PRIMARY KEY, owner_id INTEGER, secret TEXT);
         INSERT INTO note VALUES (1, {alice}, 's1'), (2, {bob}, 's2'), (3, {alice}, 's3');"
    ));
    let db = service_id(&app, &admin, "db").await;
    let everything_role = role("everything", db, "_table/*", 1, json!({}));
    let everything_role = app.create_role(&admin, everything_role).await;
    let (_, everything) = app
        .create_app(&admin, "everything", Some(everything_role))
        .await;
    let hidden = json!({"hidden_fields": ["secret"]});
    let no_secret_role = app
        .create_role(&admin, role("no secret", db, "_table/*", 1, hidden))
        .await;
    let (_, no_secret) = app
        .create_app(&admin, "no secret", Some(no_secret_role))
        .await;
    let owners_role = app
        .create_role(&admin, role("owners", db, "_table/*", 1, owner_filter()))
        .await;
    let (_, owners) = app.create_app(&admin, "owners", Some(owners_role)).await;
    Fixture {
        app,
        admin,
        alice,
        bob,
        everything,
        no_secret,
        no_secret_role,
        owners,
    }
}

async fn read(app: &TestApp, auth: Auth<'_>, path: &str) -> Value {
    let reply = app.call(Method::GET, path, auth, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    reply.body
}

#[tokio::test]
async fn each_role_gets_its_own_answer_with_its_hidden_fields() {
    let f = fixture().await;
    let path = &format!("{NOTES}/2");
    let full = json!({"id": 2, "owner_id": f.bob, "secret": "s2"});
    let hidden = json!({"id": 2, "owner_id": f.bob});
    for _ in 0..2 {
        assert_eq!(read(&f.app, Auth::key(&f.no_secret), path).await, hidden);
        assert_eq!(read(&f.app, Auth::key(&f.everything), path).await, full);
        assert_eq!(read(&f.app, Auth::token(&f.admin), path).await, full);
    }
    let list = format!("{NOTES}?fields=*&filter=id%3D2");
    assert_eq!(
        read(&f.app, Auth::key(&f.everything), &list).await,
        json!({"resource": [full]})
    );
    assert_eq!(
        read(&f.app, Auth::key(&f.no_secret), &list).await,
        json!({"resource": [hidden]})
    );
}

#[tokio::test]
async fn users_with_a_user_row_filter_never_see_each_others_rows() {
    let f = fixture().await;
    let alice = f
        .app
        .user_login("alice@example.com", PASSWORD, Some(&f.owners))
        .await;
    let bob = f
        .app
        .user_login("bob@example.com", PASSWORD, Some(&f.owners))
        .await;
    let path = &format!("{NOTES}?fields=id");
    let as_alice = Auth::both(&alice, &f.owners);
    let as_bob = Auth::both(&bob, &f.owners);
    assert_eq!(ids(&read(&f.app, as_alice, path).await), [1, 3]);
    assert_eq!(ids(&read(&f.app, as_bob, path).await), [2]);
    // Without a user the filter matches no row.
    assert_eq!(
        ids(&read(&f.app, Auth::key(&f.owners), path).await),
        Vec::<i64>::new()
    );

    // Cached per user: a row added behind Sluice's back shows only after a refresh.
    f.app
        .exec_on_demo(&format!("INSERT INTO note VALUES (4, {}, 's4')", f.alice));
    assert_eq!(ids(&read(&f.app, as_alice, path).await), [1, 3]);
    assert_eq!(ids(&read(&f.app, as_bob, path).await), [2]);
    let refreshed = format!("{path}&refresh=true");
    assert_eq!(ids(&read(&f.app, as_alice, &refreshed).await), [1, 3, 4]);
    assert_eq!(ids(&read(&f.app, as_bob, path).await), [2]);

    // A client filter naming a lookup is the user's own too, administrators' included.
    let mine = format!("{NOTES}?fields=id&filter=owner_id%3D%7Buser.id%7D");
    let everything = Auth::both(&bob, &f.everything);
    assert_eq!(ids(&read(&f.app, everything, &mine).await), [2]);
    let alice_everything = Auth::both(&alice, &f.everything);
    assert_eq!(ids(&read(&f.app, alice_everything, &mine).await), [1, 3, 4]);
}

#[tokio::test]
async fn role_app_and_lookup_changes_drop_the_cached_answers() {
    let f = fixture().await;
    let path = &format!("{NOTES}/1?fields=secret");
    let auth = Auth::key(&f.everything);
    let changes = [
        (
            Method::PATCH,
            format!("/api/v2/system/role/{}", f.no_secret_role),
            json!({"description": "changed"}),
        ),
        (
            Method::POST,
            "/api/v2/system/app".to_string(),
            json!({"resource": [{"name": "another", "is_active": true}]}),
        ),
        (
            Method::POST,
            "/api/v2/system/lookup".to_string(),
            json!({"resource": [{"name": "colour", "value": "blue"}]}),
        ),
    ];
    let mut secret = "s1".to_string();
    for (n, (method, change, body)) in changes.into_iter().enumerate() {
        assert_eq!(read(&f.app, auth, path).await, json!({"secret": secret}));
        let next = format!("changed {n}");
        f.app
            .exec_on_demo(&format!("UPDATE note SET secret = '{next}' WHERE id = 1"));
        assert_eq!(read(&f.app, auth, path).await, json!({"secret": secret}));
        let reply = f
            .app
            .send(method, &change, Some(&f.admin), Some(body))
            .await;
        assert!(reply.status.is_success(), "{change}: {}", reply.body);
        secret = next;
        assert_eq!(
            read(&f.app, auth, path).await,
            json!({"secret": secret}),
            "{change}"
        );
    }
}
