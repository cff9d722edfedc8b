//! Rate limits enforced: DreamFactory's counter semantics (`rate` requests pass, then one
//! period of lock-out from the moment of exceeding), its 429 body, exact `Retry-After` and
//! `X-RateLimit-*` headers, matching (types, verbs, endpoints, each user), who is never
//! limited, and changes taking effect at once. Time moves with the server's clock.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, Reply, TestApp};

use crate::access::{role, service_id};

pub const EXCEEDED: &str = "API limit(s) exceeded. ";
const PASSWORD: &str = "a long password 12345";

/// A server with service `db`, a role reading and creating on `_table/*` (and reading the
/// user service's `custom`), an app with it as
/// default role, and two users who sign in through the app.
pub struct Fixture {
    pub app: TestApp,
    pub admin: String,
    pub key: String,
    pub db: i64,
    pub role_id: i64,
    pub users: [(i64, String); 2],
}

impl Fixture {
    pub async fn new() -> Self {
        Self::with(TestApp::with_demo_service().await).await
    }

    pub async fn with((app, admin): (TestApp, String)) -> Self {
        let db = service_id(&app, &admin, "db").await;
        let user_service = service_id(&app, &admin, "user").await;
        let mut readers = role("readers", db, "_table/*", 1 | 2, json!({}));
        let custom = json!({"service_id": user_service, "component": "custom", "verb_mask": 1,
                            "requestor_mask": 1, "filters": [], "filter_op": "AND"});
        readers["role_service_access_by_role_id"]
            .as_array_mut()
            .expect("access")
            .push(custom);
        let role_id = app.create_role(&admin, readers).await;
        let (_, key) = app.create_app(&admin, "limited", Some(role_id)).await;
        let mut users = Vec::new();
        for email in ["ann@example.com", "bob@example.com"] {
            let id = app.create_user(&admin, email, PASSWORD, email).await;
            let token = app.user_login(email, PASSWORD, Some(&key)).await;
            users.push((id, token));
        }
        let users = [users.remove(0), users.remove(0)];
        Self {
            app,
            admin,
            key,
            db,
            role_id,
            users,
        }
    }

    /// Creates a limit (rate 1 per minute unless `limit` says otherwise) and returns its id.
    pub async fn limit(&self, limit: Value) -> i64 {
        let mut body = json!({"name": "test limit", "rate": 1, "period": "minute"});
        if let (Value::Object(body), Value::Object(limit)) = (&mut body, limit) {
            body.extend(limit);
        }
        let reply = self
            .app
            .send(
                Method::POST,
                "/api/v2/system/limit",
                Some(&self.admin),
                Some(json!({ "resource": [body] })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["resource"][0]["id"].as_i64().expect("id")
    }

    pub async fn delete_limit(&self, id: i64) {
        let reply = self
            .app
            .send(
                Method::DELETE,
                &format!("/api/v2/system/limit/{id}"),
                Some(&self.admin),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    /// `GET` on `path` with the app's key, as user `user` (0 or 1) when given.
    pub async fn get(&self, path: &str, user: Option<usize>) -> Reply {
        let auth = match user {
            Some(user) => Auth::both(&self.users[user].1, &self.key),
            None => Auth::key(&self.key),
        };
        self.app.call(Method::GET, path, auth, None).await
    }

    pub async fn read(&self, user: Option<usize>) -> Reply {
        self.get("/api/v2/db/_table/contact?limit=1&fields=id", user)
            .await
    }

    pub async fn create(&self, user: Option<usize>) -> Reply {
        let auth = match user {
            Some(user) => Auth::both(&self.users[user].1, &self.key),
            None => Auth::key(&self.key),
        };
        let body = json!({"resource": [{"first_name": "x", "last_name": "y"}]});
        self.app
            .call(Method::POST, "/api/v2/db/_table/contact", auth, Some(body))
            .await
    }
}

pub fn header(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get(name)
        .map(|value| value.to_str().expect("ascii").to_string())
}

/// A success carrying the tightest limit's `X-RateLimit-Limit` and `-Remaining`.
pub fn assert_passed(reply: &Reply, limit: i64, remaining: i64) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(header(reply, "x-ratelimit-limit"), Some(limit.to_string()));
    assert_eq!(
        header(reply, "x-ratelimit-remaining"),
        Some(remaining.to_string())
    );
    assert_eq!(header(reply, "x-ratelimit-reset"), None);
    assert_eq!(header(reply, "retry-after"), None);
}

pub fn assert_unlimited(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(header(reply, "x-ratelimit-limit"), None);
    assert_eq!(header(reply, "x-ratelimit-remaining"), None);
}

/// A 429 naming the limits `ids`, blocked by a limit of `rate` for `retry_after` seconds.
pub fn assert_refused(reply: &Reply, ids: &[i64], rate: i64, retry_after: i64) {
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    let context = reply.body["error"]["context"].as_array().expect("context");
    let named: Vec<i64> = context.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(named, ids, "{}", reply.body);
    assert_eq!(reply.body["error"]["message"], EXCEEDED);
    assert_eq!(reply.body["error"]["code"], 429);
    assert_eq!(reply.body["error"]["status_code"], 429);
    assert_eq!(header(reply, "retry-after"), Some(retry_after.to_string()));
    assert_eq!(header(reply, "x-ratelimit-limit"), Some(rate.to_string()));
    assert_eq!(header(reply, "x-ratelimit-remaining"), Some("0".into()));
    assert!(header(reply, "x-ratelimit-reset").is_some());
}

#[tokio::test]
async fn rate_requests_pass_then_the_limit_refuses_for_one_period_from_exceeding() {
    let f = Fixture::new().await;
    let id = f
        .limit(json!({"type": "instance", "rate": 2, "name": "two a minute"}))
        .await;

    assert_passed(&f.read(None).await, 2, 1);
    assert_passed(&f.read(None).await, 2, 0);
    f.app.clock.advance(Duration::from_secs(30));
    let before = f.app.clock.now_millis();
    let refused = f.read(None).await;
    let after = f.app.clock.now_millis();

    let reply = f
        .app
        .get(&format!("/api/v2/system/limit/{id}"), &f.admin)
        .await;
    let stored = reply.body;
    assert_eq!(
        refused.body,
        json!({"error": {"code": 429, "message": EXCEEDED, "status_code": 429,
                         "context": [{"id": id, "name": "two a minute", "object": stored}]}})
    );
    assert_eq!(stored["period"], "minute");
    assert_refused(&refused, &[id], 2, 60);
    let reset: i64 = header(&refused, "x-ratelimit-reset")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        ((before + 60_000) / 1000..=(after + 60_000) / 1000 + 1).contains(&reset),
        "{reset}"
    );

    // The first window has ended, the lock-out has not.
    f.app.clock.advance(Duration::from_secs(59));
    assert_refused(&f.read(None).await, &[id], 2, 1);
    f.app.clock.advance(Duration::from_secs(1));
    assert_passed(&f.read(None).await, 2, 1);
}

#[tokio::test]
async fn every_period_locks_out_for_its_exact_length() {
    let f = Fixture::new().await;
    for (period, seconds) in [
        ("minute", 60_i64),
        ("hour", 3_600),
        ("day", 86_400),
        ("7-day", 7 * 86_400),
        ("30-day", 30 * 86_400),
    ] {
        let id = f.limit(json!({"type": "instance", "period": period})).await;
        assert_passed(&f.read(None).await, 1, 0);
        assert_refused(&f.read(None).await, &[id], 1, seconds);
        let seconds = u64::try_from(seconds).unwrap();
        f.app.clock.advance(Duration::from_secs(seconds - 1));
        assert_refused(&f.read(None).await, &[id], 1, 1);
        f.app.clock.advance(Duration::from_secs(1));
        assert_passed(&f.read(None).await, 1, 0);
        f.delete_limit(id).await;
    }
}

#[tokio::test]
async fn every_limit_type_counts_what_it_names() {
    let f = Fixture::new().await;
    let ann = f.users[0].0;
    let db = f.db;
    let cases = [
        json!({"type": "instance"}),
        json!({"type": "instance.user", "user_id": ann}),
        json!({"type": "instance.each_user"}),
        json!({"type": "instance.user.service", "user_id": ann, "service_id": db}),
        json!({"type": "instance.each_user.service", "service_id": db}),
        json!({"type": "instance.service", "service_id": db}),
        json!({"type": "instance.service.endpoint", "service_id": db, "endpoint": "_table/contact"}),
        json!({"type": "instance.user.service.endpoint", "user_id": ann, "service_id": db,
               "endpoint": "_table/contact"}),
        json!({"type": "instance.each_user.service.endpoint", "service_id": db,
               "endpoint": "_table/contact"}),
        json!({"type": "instance.role", "role_id": f.role_id}),
    ];
    for case in cases {
        let kind = case["type"].as_str().unwrap().to_string();
        let id = f.limit(case).await;
        assert_passed(&f.read(Some(0)).await, 1, 0);
        assert_refused(&f.read(Some(0)).await, &[id], 1, 60);
        let other_table = f.get("/api/v2/db/_table/employees?limit=1", Some(0)).await;
        let bob_reads = f.read(Some(1)).await;
        match kind.as_str() {
            "instance.service.endpoint" => {
                assert_unlimited(&other_table);
                assert_refused(&bob_reads, &[id], 1, 60);
            }
            "instance.user.service.endpoint" | "instance.user" | "instance.user.service" => {
                if kind == "instance.user.service.endpoint" {
                    assert_unlimited(&other_table);
                } else {
                    assert_refused(&other_table, &[id], 1, 60);
                }
                assert_unlimited(&bob_reads);
            }
            "instance.each_user.service.endpoint" => {
                assert_unlimited(&other_table);
                assert_passed(&bob_reads, 1, 0);
            }
            "instance.each_user" | "instance.each_user.service" => {
                assert_refused(&other_table, &[id], 1, 60);
                assert_passed(&bob_reads, 1, 0);
            }
            _ => {
                assert_refused(&other_table, &[id], 1, 60);
                assert_refused(&bob_reads, &[id], 1, 60);
            }
        }
        f.delete_limit(id).await;
    }
}

#[tokio::test]
async fn a_verb_specific_limit_overrides_the_verb_less_one() {
    let f = Fixture::new().await;
    let any = f.limit(json!({"type": "instance", "rate": 1})).await;
    let reads = f
        .limit(json!({"type": "instance", "verb": "GET", "rate": 3}))
        .await;
    for remaining in [2, 1, 0] {
        assert_passed(&f.read(None).await, 3, remaining);
    }
    assert_refused(&f.read(None).await, &[reads], 3, 60);
    let created = f.create(Some(0)).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(header(&created, "x-ratelimit-limit"), Some("1".into()));
    assert_refused(&f.create(Some(0)).await, &[any], 1, 60);
}

#[tokio::test]
async fn an_endpoint_with_a_star_limits_by_prefix_and_path_variants_count_as_one() {
    let f = Fixture::new().await;
    let db = f.db;
    let exact = f
        .limit(
            json!({"type": "instance.service.endpoint", "service_id": db,
                      "endpoint": "_table/contact", "rate": 3}),
        )
        .await;
    assert_passed(&f.get("/api/v2/db/_table/contact", None).await, 3, 2);
    assert_passed(&f.get("/api/v2/db/_table/CONTACT/", None).await, 3, 1);
    assert_passed(&f.get("/api/v2/db/_table//contact", None).await, 3, 0);
    assert_refused(
        &f.get("/api/v2/db/_table/Contact", None).await,
        &[exact],
        3,
        60,
    );
    assert_unlimited(&f.get("/api/v2/db/_table/contact/1", None).await);
    f.delete_limit(exact).await;

    let prefix = f
        .limit(
            json!({"type": "instance.service.endpoint", "service_id": db,
                      "endpoint": "_table/*", "rate": 2}),
        )
        .await;
    assert_passed(&f.get("/api/v2/db/_table/contact/1", None).await, 2, 1);
    assert_passed(&f.get("/api/v2/db/_table/employees", None).await, 2, 0);
    assert_refused(&f.read(None).await, &[prefix], 2, 60);
}

#[tokio::test]
async fn each_user_counts_per_user_until_a_users_own_limit_takes_its_place() {
    let f = Fixture::new().await;
    let each = f
        .limit(json!({"type": "instance.each_user", "rate": 1}))
        .await;
    assert_passed(&f.read(Some(0)).await, 1, 0);
    assert_refused(&f.read(Some(0)).await, &[each], 1, 60);
    assert_passed(&f.read(Some(1)).await, 1, 0);
    // An API key alone is nobody's: each-user limits do not apply.
    assert_unlimited(&f.read(None).await);

    let bob = f.users[1].0;
    f.limit(json!({"type": "instance.user", "user_id": bob, "rate": 3}))
        .await;
    assert_passed(&f.read(Some(1)).await, 3, 2);
    assert_passed(&f.read(Some(1)).await, 3, 1);
    assert_refused(&f.read(Some(0)).await, &[each], 1, 60);
}

#[tokio::test]
async fn denied_requests_are_not_counted_and_administrators_are_not_limited() {
    let f = Fixture::new().await;
    f.limit(json!({"type": "instance", "rate": 1})).await;
    // The role allows no DELETE: refused by the role, not counted.
    let denied = f
        .app
        .call(
            Method::DELETE,
            "/api/v2/db/_table/contact/1",
            Auth::both(&f.users[0].1, &f.key),
            None,
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
    assert_eq!(header(&denied, "x-ratelimit-limit"), None);
    for _ in 0..3 {
        let reply = f
            .app
            .get("/api/v2/db/_table/contact?limit=1", &f.admin)
            .await;
        assert_unlimited(&reply);
    }
    assert_passed(&f.read(None).await, 1, 0);
}

#[tokio::test]
async fn inactive_limits_never_apply_and_changes_take_effect_at_once() {
    let f = Fixture::new().await;
    let id = f
        .limit(json!({"type": "instance", "rate": 2, "is_active": false}))
        .await;
    assert_unlimited(&f.read(None).await);

    assert_eq!(
        patch(&f, id, json!({"is_active": true})).await,
        StatusCode::OK
    );
    assert_passed(&f.read(None).await, 2, 1);
    assert_eq!(patch(&f, id, json!({"rate": 5})).await, StatusCode::OK);
    assert_passed(&f.read(None).await, 5, 3);
    f.delete_limit(id).await;
    assert_unlimited(&f.read(None).await);
}

async fn patch(f: &Fixture, id: i64, body: Value) -> StatusCode {
    let path = format!("/api/v2/system/limit/{id}");
    f.app
        .send(Method::PATCH, &path, Some(&f.admin), Some(body))
        .await
        .status
}

#[tokio::test]
async fn the_user_service_is_limited_too() {
    let f = Fixture::new().await;
    let user_service = service_id(&f.app, &f.admin, "user").await;
    let id = f
        .limit(json!({"type": "instance.service", "service_id": user_service}))
        .await;
    assert_passed(&f.get("/api/v2/user/custom", Some(0)).await, 1, 0);
    assert_refused(&f.get("/api/v2/user/custom", Some(0)).await, &[id], 1, 60);
    // Another service is not counted by it.
    assert_unlimited(&f.read(Some(0)).await);
}
