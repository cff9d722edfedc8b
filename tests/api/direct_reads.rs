//! Plain one-record reads are answered by a layer of their own, without actix's routing
//! (`routes::db::direct`); a trailing slash, an `Origin`, a body or a percent-encoded
//! segment sends the same read through the routes. Both ways give the same answer: status,
//! body and headers.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sluice_tests::{Auth, Reply};

use crate::rate_limits::{Fixture, header};

/// The headers of a reply but the ones that differ between any two answers.
fn lasting_headers(reply: &Reply) -> HeaderMap {
    let mut headers = reply.headers.clone();
    headers.remove("date");
    headers.remove("x-request-id");
    headers
}

async fn both_ways(f: &Fixture, path: &str, auth: Auth<'_>) -> (Reply, Reply) {
    let direct = f.app.call(Method::GET, path, auth, None).await;
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let slashed = format!("{route}/?{query}");
    let routed = f.app.call(Method::GET, &slashed, auth, None).await;
    (direct, routed)
}

fn assert_same(direct: &Reply, routed: &Reply, path: &str) {
    assert_eq!(direct.status, routed.status, "{path}");
    assert_eq!(direct.body, routed.body, "{path}");
    assert_eq!(lasting_headers(direct), lasting_headers(routed), "{path}");
}

#[tokio::test]
async fn a_direct_read_answers_as_the_routed_one() {
    let f = Fixture::new().await;
    let (_, no_role) = f.app.create_app(&f.admin, "no-role", None).await;
    let key = Auth::key(&f.key);
    let cases = [
        ("/api/v2/db/_table/contact/1?fields=id,first_name", key, 200),
        ("/api/v2/db/_table/contact/999999", key, 404),
        ("/api/v2/db/_table/nosuch/1", key, 404),
        ("/api/v2/nosuch/_table/contact/1", key, 401),
        (
            "/api/v2/nosuch/_table/contact/1",
            Auth::token(&f.admin),
            404,
        ),
        ("/api/v2/db/_table/contact/1", Auth::default(), 400),
        ("/api/v2/db/_table/contact/1", Auth::key(&no_role), 400),
        ("/api/v2/db/_table/contact/1", Auth::key("not-a-key"), 400),
        ("/api/v2/db/_table/contact/1", Auth::token(&f.admin), 200),
    ];
    for (path, auth, status) in cases {
        let (direct, routed) = both_ways(&f, path, auth).await;
        assert_eq!(direct.status.as_u16(), status, "{path}: {}", direct.body);
        assert_same(&direct, &routed, path);
    }
    let (direct, _) = both_ways(&f, "/api/v2/db/_table/contact/1?fields=id", key).await;
    assert_eq!(direct.body, json!({"id": 1}));
    assert_eq!(
        header(&direct, "x-content-type-options").as_deref(),
        Some("nosniff")
    );
}

#[tokio::test]
async fn a_direct_read_is_counted_and_refused_by_rate_limits() {
    let f = Fixture::new().await;
    let id = f.limit(json!({"type": "instance", "rate": 2})).await;
    let path = "/api/v2/db/_table/contact/1?fields=id";
    let (direct, routed) = both_ways(&f, path, Auth::key(&f.key)).await;
    for (reply, remaining) in [(&direct, "1"), (&routed, "0")] {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(header(reply, "x-ratelimit-limit").as_deref(), Some("2"));
        assert_eq!(
            header(reply, "x-ratelimit-remaining").as_deref(),
            Some(remaining)
        );
    }
    let refused = f.app.call(Method::GET, path, Auth::key(&f.key), None).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.body["error"]["context"][0]["id"], json!(id));
    assert_eq!(
        header(&refused, "x-ratelimit-remaining").as_deref(),
        Some("0")
    );
    assert!(header(&refused, "retry-after").is_some());
}

#[tokio::test]
async fn reads_the_direct_layer_leaves_to_the_routes_still_answer() {
    let f = Fixture::new().await;
    let key = Auth::key(&f.key);
    // A percent-encoded id and a doubled slash go through the routes, as before; the system
    // API's own scopes are never a database service's (this is the system API refusing an
    // API key alone).
    for (path, status) in [
        ("/api/v2/db/_table/contact/%31?fields=id", StatusCode::OK),
        ("/api/v2/db/_table//contact/1?fields=id", StatusCode::OK),
        ("/api/v2/system/_table/contact/1", StatusCode::UNAUTHORIZED),
    ] {
        let reply = f.app.call(Method::GET, path, key, None).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
        if status == StatusCode::OK {
            assert_eq!(reply.body, json!({"id": 1}), "{path}");
        }
    }
}
