//! The caller on every write path: the role's row filter on updates and
//! deletes by ids, records, filter and `force`; hidden fields on writes; verbs tunnelled
//! through `POST` checked as the verb they become; session lookups in record values.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::database::rows;
use sluice_tests::{Auth, TestApp, df_error, df_error_hint, hints};

use crate::access::{role, service_id};
use crate::write_support::{batch_error, failed, tables};

const PASSWORD: &str = "a long enough password";

/// A server with users alice and bob, their `note` rows (and one of nobody), and an app
/// whose role has `access` on `_table/note/*` with every verb; returns the app, alice's
/// credentials' parts (token, key) and the two user ids.
async fn notes(access: Value) -> (TestApp, String, String, i64, i64) {
    let app = TestApp::spawn().await;
    let (app, admin) = TestApp::with_tables(app, json!({}), "").await;
    let alice = app
        .create_user(&admin, "alice@example.com", PASSWORD, "Alice")
        .await;
    let bob = app
        .create_user(&admin, "bob@example.com", PASSWORD, "Bob")
        .await;
    // A table created after the service opened: `refresh=true` makes it known.
    app.exec_on_demo(&format!(
        "CREATE TABLE note (id INTEGER PRIMARY KEY, owner_id INTEGER, body TEXT NOT NULL,
                            secret TEXT);
         INSERT INTO note VALUES (1, {alice}, 'a1', 's1'), (2, {bob}, 'b1', 's2'),
                                 (3, {alice}, 'a2', 's3'), (4, NULL, 'n1', 's4');"
    ));
    let refreshed = app.get("/api/v2/db/_table?refresh=true", &admin).await;
    assert_eq!(refreshed.status, StatusCode::OK);
    let db = service_id(&app, &admin, "db").await;
    let role_id = app
        .create_role(&admin, role("owners", db, "_table/note/*", 31, access))
        .await;
    let (_, key) = app.create_app(&admin, "notes", Some(role_id)).await;
    let token = app
        .user_login("alice@example.com", PASSWORD, Some(&key))
        .await;
    (app, token, key, alice, bob)
}

fn owner_filter() -> Value {
    json!({"filters": [{"name": "owner_id", "operator": "=", "value": "{user.id}"}]})
}

fn stored(app: &TestApp) -> Value {
    rows(
        &app.demo_path(),
        "SELECT id, owner_id, body, secret FROM note ORDER BY id",
    )
}

#[tokio::test]
async fn the_row_filter_confines_updates_and_deletes_by_ids_records_filter_and_force() {
    let (app, token, key, alice, bob) = notes(owner_filter()).await;
    let auth = Auth::both(&token, &key);
    let call = |method: Method, path: &'static str, body: Option<Value>| {
        let url = format!("/api/v2/db/_table/note{path}");
        let app = &app;
        async move { app.call(method, &url, auth, body).await }
    };
    let not_found = |id: u32| failed(404, &format!("Record with identifier '{id}' not found."));

    let reply = call(Method::PATCH, "?ids=1,2", Some(json!([{"body": "x"}]))).await;
    assert_eq!(
        reply.body,
        batch_error(
            "updated",
            false,
            json!([1]),
            json!([{"id": 1}, not_found(2)])
        )
    );
    let body = json!([{"id": 3, "body": "y"}, {"id": 4, "body": "y"}]);
    let reply = call(Method::PUT, "?continue=true", Some(body)).await;
    assert_eq!(
        reply.body,
        batch_error(
            "updated",
            false,
            json!([1]),
            json!([{"id": 3}, not_found(4)])
        )
    );
    let reply = call(
        Method::PATCH,
        "?filter=id%3E0",
        Some(json!([{"body": "z"}])),
    )
    .await;
    assert_eq!(reply.body, json!({"resource": [{"id": 1}, {"id": 3}]}));
    let reply = call(
        Method::PATCH,
        "?filter=id%3E0",
        Some(json!([{"owner_id": bob}])),
    )
    .await;
    assert_eq!(
        reply.body,
        df_error(403, "Denied access to some of the requested fields.")
    );
    let reply = call(Method::DELETE, "?ids=2", None).await;
    assert_eq!(
        reply.body,
        batch_error("deleted", false, json!([0]), json!([not_found(2)]))
    );
    let reply = call(Method::DELETE, "", Some(json!([{"id": 4}]))).await;
    assert_eq!(
        reply.body,
        batch_error("deleted", false, json!([0]), json!([not_found(4)]))
    );
    assert_eq!(
        stored(&app),
        json!([
            [1, alice, "z", "s1"],
            [2, bob, "b1", "s2"],
            [3, alice, "z", "s3"],
            [4, null, "n1", "s4"]
        ])
    );
    let reply = call(Method::DELETE, "?force=true", None).await;
    assert_eq!(reply.body, json!({"success": true}));
    assert_eq!(
        stored(&app),
        json!([[2, bob, "b1", "s2"], [4, null, "n1", "s4"]])
    );
}

#[tokio::test]
async fn hidden_fields_cannot_be_written_targeted_or_read_back() {
    let (app, token, key, alice, bob) = notes(json!({"hidden_fields": ["secret"]})).await;
    let auth = Auth::both(&token, &key);
    let url = |path: &str| format!("/api/v2/db/_table/note{path}");

    let body = json!([{"owner_id": alice, "body": "new", "secret": "forged"}]);
    let reply = app
        .call(Method::POST, &url("?fields=*"), auth, Some(body))
        .await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"id": 5, "owner_id": alice, "body": "new"}]})
    );
    let reply = app
        .call(
            Method::PATCH,
            &url("/2"),
            auth,
            Some(json!({"secret": "x"})),
        )
        .await;
    assert_eq!(
        reply.body,
        df_error(400, "No valid fields were found in record.")
    );
    for (path, message) in [
        (
            "?id_field=secret",
            "Invalid identifier field 'secret' requested.",
        ),
        ("/2?fields=secret", "Invalid field requested: secret"),
    ] {
        let reply = app
            .call(
                Method::DELETE,
                &url(path),
                auth,
                Some(json!([{"secret": "s2"}])),
            )
            .await;
        assert_eq!(reply.body, df_error(400, message), "{path}");
    }
    let reply = app
        .call(Method::DELETE, &url("?filter=secret%3D's2'"), auth, None)
        .await;
    assert_eq!(
        reply.body,
        json!({"error": {"code": 400, "context": {"start": 0, "end": 6},
            "message": "Invalid or unparsable field in filter request: 'secret'",
            "status_code": 400}})
    );
    assert_eq!(
        stored(&app),
        json!([
            [1, alice, "a1", "s1"],
            [2, bob, "b1", "s2"],
            [3, alice, "a2", "s3"],
            [4, null, "n1", "s4"],
            [5, alice, "new", null]
        ])
    );
}

#[tokio::test]
async fn a_required_hidden_field_is_never_named_in_errors() {
    let (app, token, key, _, _) = notes(json!({"hidden_fields": ["body"]})).await;
    let auth = Auth::both(&token, &key);
    let reply = app
        .call(
            Method::POST,
            "/api/v2/db/_table/note",
            auth,
            Some(json!([{"secret": "s"}])),
        )
        .await;
    assert_eq!(
        reply.body,
        batch_error(
            "created",
            false,
            json!([0]),
            json!([failed(400, "A required field can not be NULL.")])
        )
    );
}

#[tokio::test]
async fn a_verb_tunnelled_through_post_is_authorised_as_that_verb() {
    let (app, token, key, _, _) = notes(json!({"verb_mask": 1})).await;
    let before = stored(&app);
    for verb in ["DELETE", "PATCH", "MERGE"] {
        let reply = app
            .client
            .post(format!("{}/api/v2/db/_table/note/1", app.url))
            .header("X-DreamFactory-Session-Token", &token)
            .header("X-DreamFactory-Api-Key", &key)
            .header("X-HTTP-Method", verb)
            .json(&json!({"body": "tunnelled"}))
            .send()
            .await
            .expect("request");
        let reply = TestApp::reply(reply).await;
        let verb = if verb == "MERGE" { "PATCH" } else { verb };
        assert_eq!(
            reply.body,
            df_error_hint(
                403,
                &format!(
                    "Access Forbidden. {verb} access to component '_table/note/1' of service \
                     'db' is not allowed by this user's role."
                ),
                &hints::session_role_denies(verb, "_table/note/1", "db")
            )
        );
    }
    assert_eq!(stored(&app), before);
}

#[tokio::test]
async fn lookups_in_values_are_the_sessions_values_and_private_ones_stay_text() {
    let (app, admin) = tables(json!({})).await;
    let alice = app
        .create_user(&admin, "alice@example.com", PASSWORD, "alice")
        .await;
    for lookup in [
        json!({"name": "tenant", "value": "acme", "private": false}),
        json!({"name": "secret", "value": "s3cr3t", "private": true}),
    ] {
        let reply = app
            .send(
                Method::POST,
                "/api/v2/system/lookup",
                Some(&admin),
                Some(json!({"resource": [lookup]})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let db = service_id(&app, &admin, "db").await;
    let role_id = app
        .create_role(&admin, role("writers", db, "_table/*", 31, json!({})))
        .await;
    let (_, key) = app.create_app(&admin, "todos", Some(role_id)).await;
    let token = app
        .user_login("alice@example.com", PASSWORD, Some(&key))
        .await;
    let auth = Auth::both(&token, &key);

    let body = json!([
        {"name": "{user.email}", "priority": "{user.id}", "note": "{tenant}"},
        {"name": "{secret}", "note": "{nope}"},
        {"name": "by {user.email}", "note": "{strtoupper(user.name)}"}
    ]);
    let reply = app
        .call(
            Method::POST,
            "/api/v2/db/_table/todo?fields=name,priority,note",
            auth,
            Some(body),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"resource": [
            {"name": "alice@example.com", "priority": alice, "note": "acme"},
            {"name": "{secret}", "priority": null, "note": "{nope}"},
            {"name": "by {user.email}", "priority": null, "note": "ALICE"}
        ]})
    );
    let reply = app
        .call(
            Method::PATCH,
            "/api/v2/db/_table/todo/1",
            auth,
            Some(json!({"priority": "{user.email}"})),
        )
        .await;
    assert_eq!(
        reply.body,
        df_error(400, "Field 'priority' must be a valid integer.")
    );
}
