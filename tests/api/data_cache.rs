//! The data cache of services with `cache_enabled`: answers served from memory after a
//! change made behind Sluice's back (`exec_on_demo`), dropped by every kind of write through
//! Sluice, by `_schema` changes and by flushes; `cache_ttl` minutes on the server's clock,
//! `refresh=true`, services without caching, and the metrics. Who sees what is in
//! `data_cache_access`.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::TestApp;

use crate::operations::{samples, scrape};

/// The todo service with its reads cached for five minutes, and an admin token.
async fn cached_app() -> (TestApp, String) {
    TestApp::with_todo_service(json!({"cache_enabled": true, "cache_ttl": 5})).await
}

const NAMES: &str = "/api/v2/db/_table/todo?fields=id,name";

fn names(rows: &[(i64, &str)]) -> Value {
    let rows: Vec<Value> = rows
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    json!({ "resource": rows })
}

fn fixture_names() -> Value {
    names(&[
        (1, "Buy milk"),
        (2, "O'Brien's 50% off"),
        (3, "Walk_dog"),
        (4, "Read"),
    ])
}

/// Reads `path`, expecting a 200, and returns the body.
async fn read(app: &TestApp, token: &str, path: &str) -> Value {
    let reply = app.get(path, token).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    reply.body
}

/// Reads `NAMES` into the cache, then renames record 4 behind Sluice's back: a read that
/// shows the new name was not answered from the cache.
async fn prime(app: &TestApp, token: &str) {
    assert_eq!(read(app, token, NAMES).await, fixture_names());
    app.exec_on_demo("UPDATE todo SET name = 'behind' WHERE id = 4");
    assert_eq!(read(app, token, NAMES).await, fixture_names());
}

#[tokio::test]
async fn a_cached_read_keeps_its_answer_and_refresh_refills_it() {
    let (app, token) = cached_app().await;
    prime(&app, &token).await;
    let one = "/api/v2/db/_table/todo/4?fields=name";
    assert_eq!(read(&app, &token, one).await, json!({"name": "behind"}));
    app.exec_on_demo("UPDATE todo SET name = 'again' WHERE id = 4");
    assert_eq!(read(&app, &token, one).await, json!({"name": "behind"}));

    // refresh=true reads the database and stores what it found for the next reads.
    let refreshed = format!("{NAMES}&refresh=true");
    let behind = names(&[
        (1, "Buy milk"),
        (2, "O'Brien's 50% off"),
        (3, "Walk_dog"),
        (4, "again"),
    ]);
    assert_eq!(read(&app, &token, &refreshed).await, behind);
    app.exec_on_demo("UPDATE todo SET name = 'later' WHERE id = 4");
    assert_eq!(read(&app, &token, NAMES).await, behind);

    // Counts and ids= reads are cached too.
    let count = "/api/v2/db/_table/todo?count_only=true";
    let by_ids = "/api/v2/db/_table/todo?ids=4,1&fields=name";
    assert_eq!(read(&app, &token, count).await, json!(4));
    let named = json!({"resource": [{"name": "later"}, {"name": "Buy milk"}]});
    assert_eq!(read(&app, &token, by_ids).await, named);
    app.exec_on_demo("INSERT INTO todo (id, name) VALUES (5, 'Fifth')");
    app.exec_on_demo("UPDATE todo SET name = 'last' WHERE id = 4");
    assert_eq!(read(&app, &token, count).await, json!(4));
    assert_eq!(read(&app, &token, by_ids).await, named);
}

#[tokio::test]
async fn spellings_of_one_request_share_an_entry_and_other_options_do_not() {
    let (app, token) = cached_app().await;
    prime(&app, &token).await;
    let stale = fixture_names();
    for same in [
        "/api/v2/db/_table/todo?select=id,name",
        "/api/v2/db/_table/todo?fields=id,name&filter=",
        "/api/v2/db/_table/todo?fields=id,name&include_count=false",
    ] {
        assert_eq!(read(&app, &token, same).await, stale, "{same}");
    }
    // The same options in a tunnelled POST body are the same request.
    let response = app
        .client
        .post(format!("{}/api/v2/db/_table/todo", app.url))
        .header("X-DreamFactory-Session-Token", &token)
        .header("X-HTTP-Method", "GET")
        .json(&json!({"fields": ["id", "name"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(TestApp::reply(response).await.body, stale);
    let other = "/api/v2/db/_table/todo?fields=id,name&filter=id%3D4";
    assert_eq!(read(&app, &token, other).await, names(&[(4, "behind")]));
}

/// Each kind of write through Sluice drops the cached reads of its service at once: the
/// next read shows the change made behind Sluice's back as well as the write's own.
#[tokio::test]
async fn every_kind_of_record_write_drops_the_cached_reads() {
    let writes: [(Method, &str, Value); 7] = [
        (
            Method::POST,
            "",
            json!({"resource": [{"id": 5, "name": "New"}]}),
        ),
        (Method::PUT, "/1", json!({"name": "Buy oat milk"})),
        (Method::PATCH, "/1", json!({"name": "Buy oat milk"})),
        (
            Method::PATCH,
            "?filter=id%3D1",
            json!([{"name": "Buy oat milk"}]),
        ),
        (
            Method::PATCH,
            "",
            json!([{"id": 1, "name": "Buy oat milk"}]),
        ),
        (Method::DELETE, "/3", Value::Null),
        (Method::DELETE, "?ids=3", Value::Null),
    ];
    for (method, target, body) in writes {
        let (app, token) = cached_app().await;
        prime(&app, &token).await;
        let path = format!("/api/v2/db/_table/todo{target}");
        let body = (!body.is_null()).then_some(body);
        let reply = app.send(method.clone(), &path, Some(&token), body).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{method} {path}: {}",
            reply.body
        );
        let mut rows = vec![
            (1, "Buy milk"),
            (2, "O'Brien's 50% off"),
            (3, "Walk_dog"),
            (4, "behind"),
        ];
        match (&method, target) {
            (&Method::POST, _) => rows.push((5, "New")),
            (&Method::DELETE, _) => {
                rows.remove(2);
            }
            _ => rows[0].1 = "Buy oat milk",
        }
        assert_eq!(
            read(&app, &token, NAMES).await,
            names(&rows),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn a_nested_write_drops_the_cached_reads_of_the_related_table() {
    let (app, token) = TestApp::with_tables(
        TestApp::spawn().await,
        json!({"cache_enabled": true, "cache_ttl": 5}),
        "",
    )
    .await;
    let count = "/api/v2/db/_table/contact_info?fields=id&limit=1&include_count=true";
    let before = read(&app, &token, count).await["meta"]["count"].clone();
    let contact = json!({"resource": [{"first_name": "Ada", "last_name": "Lovelace",
        "contact_info_by_contact_id": [{"info_type": "home", "email": "ada@example.com"}]}]});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/db/_table/contact",
            Some(&token),
            Some(contact),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let after = read(&app, &token, count).await["meta"]["count"].clone();
    assert_eq!(after, json!(before.as_i64().unwrap() + 1));
}

/// A failed batch may have written its first records: its service's reads are dropped too.
#[tokio::test]
async fn a_failed_write_leaves_no_stale_answer() {
    let (app, token) = cached_app().await;
    prime(&app, &token).await;
    let records = json!([{"id": 5, "name": "Kept"}, {"id": 6, "name": null}]);
    let reply = app
        .send(
            Method::POST,
            "/api/v2/db/_table/todo",
            Some(&token),
            Some(records),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let fresh = read(&app, &token, &format!("{NAMES}&refresh=true")).await;
    assert_eq!(fresh["resource"][3], json!({"id": 4, "name": "behind"}));
    assert_eq!(read(&app, &token, NAMES).await, fresh);
}

#[tokio::test]
async fn a_schema_change_drops_the_cached_reads() {
    let (app, token) = cached_app().await;
    prime(&app, &token).await;
    let table = json!({"resource": [{"name": "extra", "field": [{"name": "id", "type": "id"}]}]});
    let reply = app
        .send(
            Method::POST,
            "/api/v2/db/_schema",
            Some(&token),
            Some(table),
        )
        .await;
    assert_eq!(reply.body, json!({"resource": [{"name": "extra"}]}));
    assert_eq!(
        read(&app, &token, NAMES).await["resource"][3]["name"],
        "behind"
    );
}

#[tokio::test]
async fn flushing_a_service_or_everything_drops_its_cached_reads() {
    let (app, token) = cached_app().await;
    let other = json!({"resource": [{"name": "other", "type": "sqlite",
        "config": {"database": "other.sqlite", "create": true}}]});
    let reply = (app.send(
        Method::POST,
        "/api/v2/system/service",
        Some(&token),
        Some(other),
    ))
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    prime(&app, &token).await;

    let flushed = json!({"success": true});
    let reply = app
        .send(
            Method::DELETE,
            "/api/v2/system/cache/other",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.body, flushed);
    assert_eq!(read(&app, &token, NAMES).await, fixture_names());
    let reply = app
        .send(
            Method::DELETE,
            "/api/v2/system/cache/db",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.body, flushed);
    assert_eq!(
        read(&app, &token, NAMES).await["resource"][3]["name"],
        "behind"
    );

    app.exec_on_demo("UPDATE todo SET name = 'twice' WHERE id = 4");
    assert_eq!(
        read(&app, &token, NAMES).await["resource"][3]["name"],
        "behind"
    );
    let reply = app
        .send(Method::DELETE, "/api/v2/system/cache", Some(&token), None)
        .await;
    assert_eq!(reply.body, flushed);
    assert_eq!(
        read(&app, &token, NAMES).await["resource"][3]["name"],
        "twice"
    );
}

#[tokio::test]
async fn an_answer_lives_cache_ttl_minutes_on_the_servers_clock() {
    let (app, token) = cached_app().await;
    prime(&app, &token).await;
    app.clock.advance(Duration::from_secs(5 * 60 - 1));
    assert_eq!(read(&app, &token, NAMES).await, fixture_names());
    app.clock.advance(Duration::from_secs(1));
    assert_eq!(
        read(&app, &token, NAMES).await["resource"][3]["name"],
        "behind"
    );
}

#[tokio::test]
async fn services_without_caching_always_read_the_database() {
    for config in [
        json!({}),
        json!({"cache_enabled": false, "cache_ttl": 5}),
        // DreamFactory's meaning: a stored TTL of 0 caches nothing.
        json!({"cache_enabled": true, "cache_ttl": 0}),
    ] {
        let (app, token) = TestApp::with_todo_service(config.clone()).await;
        assert_eq!(read(&app, &token, NAMES).await, fixture_names());
        app.exec_on_demo("UPDATE todo SET name = 'behind' WHERE id = 4");
        let body = read(&app, &token, NAMES).await;
        assert_eq!(body["resource"][3]["name"], "behind", "{config}");
    }
}

#[tokio::test]
async fn caching_settings_are_stored_and_changed_like_any_other() {
    let (app, token) = TestApp::with_todo_service(json!({})).await;
    let path = "/api/v2/system/service?filter=name%3Ddb&fields=id,config";
    let id = read(&app, &token, path).await["resource"][0]["id"].clone();
    let change = json!({"config": {"cache_enabled": true, "cache_ttl": 60}});
    let service = format!("/api/v2/system/service/{id}");
    let reply = app
        .send(Method::PATCH, &service, Some(&token), Some(change))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        read(&app, &token, path).await["resource"][0]["config"],
        json!({"database": "demo.sqlite", "max_records": 1000, "allow_upsert": false,
               "cache_enabled": true, "cache_ttl": 60})
    );
    // The new config applies at once: this read is cached.
    prime(&app, &token).await;
    // Turning caching off drops what was cached.
    let off = json!({"config": {"cache_enabled": false}});
    let reply = app
        .send(Method::PATCH, &service, Some(&token), Some(off))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        read(&app, &token, NAMES).await["resource"][3]["name"],
        "behind"
    );
    let bad = json!({"config": {"cache_ttl": "60"}});
    let reply = app
        .send(Method::PATCH, &service, Some(&token), Some(bad))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
}

#[tokio::test]
async fn hits_and_misses_are_counted_in_the_metrics() {
    let (app, token) = cached_app().await;
    let before = samples(&scrape(&app, &app.url).await);
    prime(&app, &token).await;
    read(&app, &token, &format!("{NAMES}&refresh=true")).await;
    let after = samples(&scrape(&app, &app.url).await);
    let grown = |result: &str| {
        let series = format!(r#"sluice_cache_requests_total{{cache="data",result="{result}"}}"#);
        after.get(&series).copied().unwrap_or(0.0) - before.get(&series).copied().unwrap_or(0.0)
    };
    assert_eq!((grown("hit"), grown("miss")), (1.0, 2.0));
    assert!(after["sluice_data_cache_bytes"] > 0.0);
    assert_eq!(after["sluice_data_cache_evictions_total"], 0.0);
}

/// How many record writes were announced to other nodes (`data` rows of the change feed).
fn data_announcements(app: &TestApp) -> i64 {
    let conn = rusqlite::Connection::open(app.data_dir.path().join("system.sqlite")).unwrap();
    conn.query_row(
        "SELECT COUNT(*) FROM change_log WHERE topic = 'data'",
        [],
        |row| row.get(0),
    )
    .unwrap()
}

#[tokio::test]
async fn only_writes_to_services_with_caching_are_announced() {
    for (config, announced) in [
        (json!({}), 0),
        (json!({"cache_enabled": true, "cache_ttl": 0}), 0),
        (json!({"cache_enabled": true, "cache_ttl": 5}), 1),
    ] {
        let (app, token) = TestApp::with_todo_service(config.clone()).await;
        let change = json!({"name": "Buy oat milk"});
        let path = "/api/v2/db/_table/todo/1";
        let reply = app
            .send(Method::PATCH, path, Some(&token), Some(change))
            .await;
        assert_eq!(reply.body, json!({"id": 1}), "{config}");
        assert_eq!(data_announcements(&app), announced, "{config}");
    }
}
