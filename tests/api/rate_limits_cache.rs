//! `/api/v2/system/limit_cache`: the counters listed (each-user limits once per active
//! non-administrator user), read by id and `ids=`, reset by id, `ids=` or `force=true` /
//! `allow_delete=true`, and embedded by `GET /system/limit?related=limit_cache_by_limit_id`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Reply, df_error};

use crate::rate_limits::{Fixture, assert_passed, assert_refused};

async fn cache(f: &Fixture, method: Method, path: &str) -> Reply {
    let path = format!("/api/v2/system/limit_cache{path}");
    f.app.send(method, &path, Some(&f.admin), None).await
}

fn entry(id: i64, key: &str, max: i64, attempts: i64, remaining: i64) -> Value {
    json!({"id": id, "key": key, "max": max, "attempts": attempts, "remaining": remaining})
}

#[tokio::test]
async fn the_cache_lists_every_limit_and_each_user_limits_once_per_user() {
    let f = Fixture::new().await;
    let (ann, bob) = (f.users[0].0, f.users[1].0);
    let all = f.limit(json!({"type": "instance", "rate": 5})).await;
    let each = f
        .limit(json!({"type": "instance.each_user", "rate": 2, "period": "hour"}))
        .await;
    assert_passed(&f.read(Some(0)).await, 2, 1);
    assert_passed(&f.read(Some(0)).await, 2, 0);
    assert_passed(&f.read(None).await, 5, 2);

    let reply = cache(&f, Method::GET, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let each_key = |user: i64| format!("instance.each_user:{user}.hour");
    assert_eq!(
        reply.body,
        json!({"resource": [
            entry(all, "instance.minute", 5, 3, 2),
            entry(each, &each_key(ann), 2, 2, 0),
            entry(each, &each_key(bob), 2, 0, 2),
        ]})
    );

    let reply = cache(&f, Method::GET, &format!("/{each}")).await;
    assert_eq!(reply.body, entry(each, &each_key(ann), 2, 2, 0));
    let reply = cache(&f, Method::GET, &format!("?ids={all}")).await;
    assert_eq!(
        reply.body,
        json!({"resource": [entry(all, "instance.minute", 5, 3, 2)]})
    );
    let reply = cache(&f, Method::GET, "/99").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.body,
        df_error(404, "Record with identifier '99' not found.")
    );

    let reply = f
        .app
        .get(
            &format!("/api/v2/system/limit/{all}?related=limit_cache_by_limit_id&fields=id"),
            &f.admin,
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"id": all, "limit_cache_by_limit_id": [entry(all, "instance.minute", 5, 3, 2)]})
    );
    let reply = f
        .app
        .get(
            "/api/v2/system/limit?related=limit_cache_by_limit_id&fields=id",
            &f.admin,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body["resource"][1]["limit_cache_by_limit_id"],
        json!([
            entry(each, &each_key(ann), 2, 2, 0),
            entry(each, &each_key(bob), 2, 0, 2)
        ])
    );
}

#[tokio::test]
async fn a_locked_out_limit_shows_nothing_remaining_until_its_counter_is_reset() {
    let f = Fixture::new().await;
    let id = f.limit(json!({"type": "instance", "rate": 1})).await;
    assert_passed(&f.read(None).await, 1, 0);
    assert_refused(&f.read(None).await, &[id], 1, 60);
    let reply = cache(&f, Method::GET, &format!("/{id}")).await;
    assert_eq!(reply.body, entry(id, "instance.minute", 1, 0, 0));

    let reply = cache(&f, Method::DELETE, &format!("/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"id": id}));
    assert_passed(&f.read(None).await, 1, 0);

    let reply = cache(&f, Method::DELETE, &format!("?ids={id}")).await;
    assert_eq!(reply.body, json!({"resource": [{"id": id}]}));
    assert_passed(&f.read(None).await, 1, 0);
    let reply = cache(&f, Method::DELETE, "/99").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_whole_cache_is_flushed_only_when_asked_for_explicitly() {
    let f = Fixture::new().await;
    let all = f.limit(json!({"type": "instance", "rate": 1})).await;
    let each = f
        .limit(json!({"type": "instance.each_user", "rate": 1}))
        .await;
    assert_passed(&f.read(Some(0)).await, 1, 0);
    assert_refused(&f.read(Some(0)).await, &[all, each], 1, 60);

    let reply = cache(&f, Method::DELETE, "").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        df_error(
            400,
            "No limit cache entries selected: give a limit id (limit_cache/{id}) or ids=, or \
             force=true to reset every counter."
        )
    );
    assert_refused(&f.read(Some(0)).await, &[all, each], 1, 60);

    for flag in ["force=true", "allow_delete=true"] {
        let reply = cache(&f, Method::DELETE, &format!("?{flag}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.body, json!({"success": true}));
        assert_passed(&f.read(Some(0)).await, 1, 0);
        assert_refused(&f.read(Some(0)).await, &[all, each], 1, 60);
    }
}
