//! `GET /docs`: the API docs page and the Swagger UI files it loads, all served by the binary;
//! and `GET /api/v2/api_docs/system`, the system API's document the page offers admins.

use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, TestApp, df_error, df_error_hint, hints};

use crate::access::service_id;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// Status, headers and the raw body of a GET without credentials.
async fn fetch(app: &TestApp, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    fetch_with(app, Method::GET, path).await
}

async fn fetch_with(app: &TestApp, method: Method, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = app
        .client
        .request(method, format!("{}{path}", app.url))
        .send()
        .await
        .expect("request");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

fn header(headers: &HeaderMap, name: impl reqwest::header::AsHeaderName) -> &str {
    headers
        .get(name)
        .map_or("", |v| v.to_str().expect("ascii header"))
}

#[tokio::test]
async fn the_page_is_served_with_a_strict_policy_and_links_nothing_outside() {
    let app = TestApp::spawn().await;
    for path in ["/docs", "/docs/"] {
        let (status, headers, body) = fetch(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(header(&headers, CONTENT_TYPE), "text/html; charset=utf-8");
        assert_eq!(header(&headers, "content-security-policy"), CSP);
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        assert_eq!(header(&headers, CACHE_CONTROL), "no-cache");
        let page = String::from_utf8(body).expect("utf-8");
        for script in [
            r#"<script src="/docs/swagger-ui-bundle.js"></script>"#,
            r#"<script src="/docs/swagger-ui-standalone-preset.js"></script>"#,
            r#"<script src="/docs/sluice-docs.js"></script>"#,
        ] {
            assert!(page.contains(script), "{script} missing");
        }
        assert!(!page.contains("://"), "an absolute URL in the page");
        assert!(
            !page.contains("<script>"),
            "an inline script, which the policy refuses"
        );
    }
    let (status, headers, body) = fetch_with(&app, Method::HEAD, "/docs").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, CONTENT_TYPE), "text/html; charset=utf-8");
    assert!(body.is_empty(), "HEAD has no body");
    for ours in ["/docs/sluice-docs.js", "/docs/sluice-docs.css"] {
        let (status, _, body) = fetch(&app, ours).await;
        assert_eq!(status, StatusCode::OK, "{ours}");
        let text = String::from_utf8(body).expect("utf-8");
        assert!(!text.contains("://"), "an absolute URL in {ours}");
    }
}

#[tokio::test]
async fn swagger_ui_and_our_files_are_served_with_their_content_types() {
    let app = TestApp::spawn().await;
    let expected = [
        (
            "swagger-ui-bundle.js",
            "text/javascript; charset=utf-8",
            "public, max-age=86400",
        ),
        (
            "swagger-ui-standalone-preset.js",
            "text/javascript; charset=utf-8",
            "public, max-age=86400",
        ),
        (
            "swagger-ui.css",
            "text/css; charset=utf-8",
            "public, max-age=86400",
        ),
        ("favicon-32x32.png", "image/png", "public, max-age=86400"),
        ("favicon-16x16.png", "image/png", "public, max-age=86400"),
        (
            "sluice-docs.js",
            "text/javascript; charset=utf-8",
            "no-cache",
        ),
        ("sluice-docs.css", "text/css; charset=utf-8", "no-cache"),
    ];
    for (file, content_type, cache) in expected {
        let (status, headers, body) = fetch(&app, &format!("/docs/{file}")).await;
        assert_eq!(status, StatusCode::OK, "{file}");
        assert_eq!(header(&headers, CONTENT_TYPE), content_type, "{file}");
        assert_eq!(header(&headers, CACHE_CONTROL), cache, "{file}");
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        assert!(!body.is_empty(), "{file} is empty");
    }
    let (_, _, bundle) = fetch(&app, "/docs/swagger-ui-bundle.js").await;
    assert!(bundle.len() > 1_000_000, "the whole bundle is embedded");
    let (_, _, png) = fetch(&app, "/docs/favicon-32x32.png").await;
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[tokio::test]
async fn other_files_are_not_served() {
    let app = TestApp::spawn().await;
    // Swagger UI's own page and initializer would load its petstore example from the web.
    for file in [
        "index.html",
        "swagger-initializer.js",
        "oauth2-redirect.html",
        "nope.js",
    ] {
        let (status, headers, body) = fetch(&app, &format!("/docs/{file}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{file}");
        assert_eq!(header(&headers, CONTENT_TYPE), "application/json");
        let body: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(
            body,
            df_error(404, &format!("The docs page has no file {file}."))
        );
    }
    let (status, _, _) = fetch(&app, "/docs/%2e%2e%2fCargo.toml").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_home_page_links_the_docs_page() {
    let app = TestApp::spawn().await;
    let (status, _, body) = fetch(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    let home = String::from_utf8(body).expect("utf-8");
    assert!(
        home.contains(r#"<a href="/docs">API docs page</a>"#),
        "{home}"
    );
}

#[tokio::test]
async fn admins_get_the_system_document_and_api_keys_do_not() {
    let (app, admin) = TestApp::with_demo_service().await;
    let reply = app.get("/api/v2/api_docs/system", &admin).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let expected = sluice_gateway::openapi::system_document().expect("system document");
    assert_eq!(reply.body, expected);
    assert_eq!(reply.body["servers"], json!([{"url": "/api/v2"}]));

    let db = service_id(&app, &admin, "db").await;
    let role = json!({"name": "reader", "is_active": true, "role_service_access_by_role_id": [
        {"service_id": db, "component": "_table/*", "verb_mask": 1, "requestor_mask": 1}]});
    let role_id = app.create_role(&admin, role).await;
    let (_, key) = app.create_app(&admin, "reader", Some(role_id)).await;
    let with_key = |path: &'static str| app.call(Method::GET, path, Auth::key(&key), None);
    let denied = with_key("/api/v2/api_docs/system").await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        denied.body,
        df_error_hint(
            401,
            "Unauthorized. User is not authenticated.",
            hints::SYSTEM
        )
    );
    // The list names database services only, as before.
    let list = with_key("/api/v2/api_docs?as_list=true").await;
    assert_eq!(list.body, json!({"resource": ["db"]}));
}
