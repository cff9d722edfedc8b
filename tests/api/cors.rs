//! CORS: `/api/v2/system/cors` rules and the middleware that answers preflights and marks
//! cross-origin responses with them. Rules apply as soon as their write returns.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Reply, TestApp};

const TRUSTED: &str = "https://trusted.example";

/// A request with the given headers and no credentials, as a browser's preflight is sent.
async fn cross(app: &TestApp, method: Method, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = app.client.request(method, format!("{}{path}", app.url));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    TestApp::reply(request.send().await.expect("request")).await
}

async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> Reply {
    cross(
        app,
        Method::OPTIONS,
        path,
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", method),
            ("Access-Control-Request-Headers", "content-type"),
        ],
    )
    .await
}

/// A cross-origin `GET /api/v2/system` without credentials: refused with a 400 (no API key or
/// session), which is an actual response all the same and must carry the CORS headers.
async fn actual(app: &TestApp, origin: &str) -> Reply {
    cross(app, Method::GET, "/api/v2/system", &[("Origin", origin)]).await
}

/// The `Access-Control-*` and `Vary` headers of a response, sorted, for exact comparison.
fn cors_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("access-control-") || *name == "vary")
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("?").to_string()))
        .collect();
    found.sort();
    found
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = expected
        .iter()
        .map(|(n, v)| ((*n).to_string(), (*v).to_string()))
        .collect();
    pairs.sort();
    pairs
}

async fn create_rule(app: &TestApp, token: &str, rule: Value) -> i64 {
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/cors",
            Some(token),
            Some(json!({ "resource": [rule] })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["resource"][0]["id"].as_i64().expect("id")
}

fn trusted_rule() -> Value {
    json!({
        "path": "api/v2/*",
        "origin": format!("{TRUSTED}, http://localhost:3000"),
        "header": "Content-Type, X-DreamFactory-Api-Key",
        "exposed_header": "X-Request-Id",
        "method": 3,
        "max_age": 600,
        "supports_credentials": true,
    })
}

/// A record without its timestamps, which the test cannot know.
fn without_dates(mut record: Value) -> Value {
    for field in ["created_date", "last_modified_date"] {
        let value = record.as_object_mut().expect("object").remove(field);
        assert!(value.is_some_and(|v| v.is_string()), "{field}");
    }
    record
}

#[tokio::test]
async fn rules_are_created_listed_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let token = app.login().await;

    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/cors",
            Some(&token),
            Some(json!({"resource": [{"path": "*", "origin": "*", "description": "public"}]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body, json!({"resource": [{"id": 1}]}));

    let reply = app.get("/api/v2/system/cors/1", &token).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        without_dates(reply.body),
        json!({"id": 1, "path": "*", "description": "public", "origin": "*", "header": null,
               "exposed_header": null, "method": 0, "max_age": 3600,
               "supports_credentials": false, "enabled": true, "created_by_id": 1,
               "last_modified_by_id": 1})
    );

    let reply = app
        .get(
            "/api/v2/system/cors?fields=id,path,origin&include_count=true",
            &token,
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"id": 1, "path": "*", "origin": "*"}], "meta": {"count": 1}})
    );

    let reply = app
        .send(
            Method::PATCH,
            "/api/v2/system/cors/1",
            Some(&token),
            Some(json!({"origin": TRUSTED, "method": 31, "enabled": false})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({"id": 1}));
    let reply = app
        .get(
            "/api/v2/system/cors/1?fields=origin,method,enabled,path",
            &token,
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"origin": TRUSTED, "method": 31, "enabled": false, "path": "*"})
    );

    let reply = app
        .send(Method::DELETE, "/api/v2/system/cors/1", Some(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({"id": 1}));
    let reply = app.get("/api/v2/system/cors/1", &token).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.body["error"]["message"],
        "Record with identifier '1' not found."
    );
}

fn invalid(field: &str, message: &str) -> Value {
    json!({"error": {"code": 400, "context": {field: [message]},
        "message": format!("Invalid data supplied. {message}"), "status_code": 400}})
}

#[tokio::test]
async fn invalid_rules_are_refused_with_the_field_named() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let any_with_credentials = "The origin * cannot be used with supports_credentials: browsers refuse credentials for any origin; list the origins instead.";
    let cases = [
        (
            json!({"path": "*", "origin": "*", "supports_credentials": true}),
            invalid("origin", any_with_credentials),
        ),
        (
            json!({"path": "*", "origin": format!("{TRUSTED},*"), "supports_credentials": 1}),
            invalid("origin", any_with_credentials),
        ),
        (
            json!({"origin": "*"}),
            invalid("path", "The path field is required."),
        ),
        (
            json!({"path": "*"}),
            invalid("origin", "The origin field is required."),
        ),
        (
            json!({"path": "*", "origin": "null"}),
            invalid(
                "origin",
                "'null' is not an origin: write scheme://host[:port] (as https://app.example) or *.",
            ),
        ),
        (
            json!({"path": "*", "origin": "https://*.example.com"}),
            invalid(
                "origin",
                "'https://*.example.com' is not an origin: write scheme://host[:port] (as https://app.example) or *.",
            ),
        ),
        (
            json!({"path": "^api/.*$", "origin": "*"}),
            invalid(
                "path",
                "Regular-expression paths are not supported; use * as a wildcard, as in api/v2/*.",
            ),
        ),
        (
            json!({"path": "*", "origin": "*", "method": 32}),
            invalid(
                "method",
                "The method must be a verb mask from 0 to 31 (GET 1, POST 2, PUT 4, PATCH 8, DELETE 16).",
            ),
        ),
        (
            json!({"path": "*", "origin": "*", "max_age": -1}),
            invalid(
                "max_age",
                "The max_age must be a number of seconds, 0 or more.",
            ),
        ),
        (
            json!({"path": "*", "origin": "*", "header": "Content Type"}),
            invalid("header", "'Content Type' is not a header name."),
        ),
        (
            json!({"path": "*", "origin": "*", "method": "all"}),
            invalid("method", "The method must be an integer."),
        ),
    ];
    for (rule, expected) in cases {
        let reply = app
            .send(
                Method::POST,
                "/api/v2/system/cors",
                Some(&token),
                Some(json!({ "resource": [rule] })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{rule}");
        assert_eq!(reply.body, expected, "{rule}");
    }
    let reply = app.get("/api/v2/system/cors?count_only=true", &token).await;
    assert_eq!(reply.body, json!(0));

    // An update is checked against the rule as it will be, and a path is unique.
    let id = create_rule(&app, &token, json!({"path": "*", "origin": "*"})).await;
    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/cors/{id}"),
            Some(&token),
            Some(json!({"supports_credentials": true})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, invalid("origin", any_with_credentials));
    let reply = app
        .send(
            Method::POST,
            "/api/v2/system/cors",
            Some(&token),
            Some(json!({"resource": [{"path": "*", "origin": TRUSTED}]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        invalid("path", "A CORS rule for this path already exists.")
    );
}

#[tokio::test]
async fn an_allowed_preflight_is_answered_before_authentication() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    create_rule(&app, &token, trusted_rule()).await;

    let reply = preflight(&app, "/api/v2/db/_table/todo", TRUSTED, "POST").await;

    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        cors_headers(&reply.headers),
        pairs(&[
            ("access-control-allow-origin", TRUSTED),
            ("access-control-allow-methods", "GET, POST"),
            (
                "access-control-allow-headers",
                "Content-Type, X-DreamFactory-Api-Key"
            ),
            ("access-control-max-age", "600"),
            ("access-control-allow-credentials", "true"),
            ("vary", "Origin"),
        ])
    );
    assert_eq!(reply.body, Value::Null);
}

#[tokio::test]
async fn a_preflight_no_rule_allows_gets_todays_answer_without_cors_headers() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let before = preflight(&app, "/api/v2/system", TRUSTED, "GET").await;
    // Without credentials the system service refuses it before anything else.
    assert_eq!(before.status, StatusCode::BAD_REQUEST);
    create_rule(&app, &token, trusted_rule()).await;

    for (origin, method) in [
        ("https://evil.example", "GET"),
        (TRUSTED, "DELETE"),
        ("null", "GET"),
    ] {
        let reply = preflight(&app, "/api/v2/system", origin, method).await;
        assert_eq!(reply.status, before.status, "{origin} {method}");
        assert_eq!(reply.body, before.body, "{origin} {method}");
        assert_eq!(
            cors_headers(&reply.headers)
                .into_iter()
                .filter(|(name, _)| name != "vary")
                .collect::<Vec<_>>(),
            [],
            "{origin} {method}"
        );
    }
    // Outside the rule's path, nothing changes either.
    let reply = preflight(&app, "/docs", TRUSTED, "GET").await;
    assert_eq!(cors_headers(&reply.headers), []);
}

#[tokio::test]
async fn an_allowed_actual_request_is_marked_and_others_are_not() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    create_rule(&app, &token, trusted_rule()).await;

    let reply = actual(&app, "http://localhost:3000").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        cors_headers(&reply.headers),
        pairs(&[
            ("access-control-allow-origin", "http://localhost:3000"),
            ("access-control-allow-credentials", "true"),
            ("access-control-expose-headers", "X-Request-Id"),
            ("vary", "Origin"),
        ])
    );

    for origin in [
        "null",
        "https://trusted.example.evil.com",
        "https://eviltrusted.example",
        "http://trusted.example",
        "https://trusted.example:8443",
        "http://localhost:3001",
        "https://evil.example",
    ] {
        let reply = actual(&app, origin).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{origin}");
        assert_eq!(
            cors_headers(&reply.headers),
            pairs(&[("vary", "Origin")]),
            "{origin} is never echoed"
        );
    }

    // The default port is the same origin.
    let reply = actual(&app, "https://trusted.example:443").await;
    assert_eq!(
        reply.headers["access-control-allow-origin"],
        "https://trusted.example:443"
    );
}

#[tokio::test]
async fn a_request_without_origin_is_untouched() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    create_rule(
        &app,
        &token,
        json!({"path": "*", "origin": "*", "method": 31}),
    )
    .await;

    let reply = app.get("/api/v2/system/cors?count_only=true", &token).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(cors_headers(&reply.headers), []);
    let reply = cross(&app, Method::GET, "/docs", &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(cors_headers(&reply.headers), []);
}

#[tokio::test]
async fn any_origin_without_credentials_answers_star() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    create_rule(
        &app,
        &token,
        json!({"path": "api/*", "origin": "*", "method": 1}),
    )
    .await;

    let reply = preflight(&app, "/api/v2/system", "https://anyone.example", "GET").await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        cors_headers(&reply.headers),
        pairs(&[
            ("access-control-allow-origin", "*"),
            ("access-control-allow-methods", "GET"),
            ("access-control-max-age", "3600"),
            ("vary", "Origin"),
        ])
    );
    // `null` is not an origin, even for `*`.
    let reply = actual(&app, "null").await;
    assert_eq!(cors_headers(&reply.headers), pairs(&[("vary", "Origin")]));
}

#[tokio::test]
async fn the_longest_matching_path_decides_and_disabled_rules_do_not_count() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    create_rule(
        &app,
        &token,
        json!({"path": "*", "origin": "*", "method": 1}),
    )
    .await;
    let system = create_rule(
        &app,
        &token,
        json!({"path": "api/v2/system*", "origin": TRUSTED, "method": 1}),
    )
    .await;

    let reply = actual(&app, "https://other.example").await;
    assert_eq!(cors_headers(&reply.headers), pairs(&[("vary", "Origin")]));
    let reply = preflight(&app, "/api/v2/db/_table/x", "https://other.example", "GET").await;
    assert_eq!(reply.headers["access-control-allow-origin"], "*");

    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/cors/{system}"),
            Some(&token),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = actual(&app, "https://other.example").await;
    assert_eq!(reply.headers["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn a_rule_applies_as_soon_as_its_write_returns() {
    let app = TestApp::spawn().await;
    let token = app.login().await;
    let reply = actual(&app, TRUSTED).await;
    assert_eq!(cors_headers(&reply.headers), []);

    let id = create_rule(&app, &token, json!({"path": "*", "origin": TRUSTED})).await;
    let reply = actual(&app, TRUSTED).await;
    assert_eq!(reply.headers["access-control-allow-origin"], TRUSTED);

    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/cors/{id}"),
            Some(&token),
            Some(json!({"origin": "https://new.example"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = actual(&app, TRUSTED).await;
    assert_eq!(cors_headers(&reply.headers), pairs(&[("vary", "Origin")]));

    let reply = app
        .send(
            Method::DELETE,
            &format!("/api/v2/system/cors/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = actual(&app, "https://new.example").await;
    assert_eq!(cors_headers(&reply.headers), []);
}
