//! Errors raised before any handler, sent as raw bytes over TCP: the request line, the head's
//! size and its framing headers. Each answer is DreamFactory's envelope with a fitting status,
//! never an empty body (docs/HTTP-ERRORS.md).

use serde_json::Value;
use sluice_tests::{TestApp, df_error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response read off the wire: status line, lower-cased header lines, JSON body.
struct RawReply {
    status_line: String,
    headers: Vec<(String, String)>,
    body: Value,
}

impl RawReply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` as is and reads until the server closes the connection (every request
/// here either asks for that or is one the server closes after answering).
async fn raw(app: &TestApp, request: &[u8]) -> RawReply {
    let address = app.url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.expect("connect");
    // The server may answer and close before it has read everything; that is its right.
    let _ = stream.write_all(request).await;
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes).await;
    let text = String::from_utf8(bytes).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("a response head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect::<Vec<_>>();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .expect("content-length");
    assert_eq!(
        body.len(),
        length,
        "{status_line}: body is not the advertised length"
    );
    let body = serde_json::from_str(body).unwrap_or_else(|_| panic!("JSON body: {body:?}"));
    RawReply {
        status_line,
        headers,
        body,
    }
}

/// Asserts status line, envelope and the headers every error carries, and that the server
/// closed the connection.
fn assert_envelope(reply: &RawReply, status_line: &str, status: u16, message: &str) {
    assert_eq!(reply.status_line, status_line);
    assert_eq!(reply.body, df_error(status, message));
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("connection"), Some("close"));
}

const CODEC_400: &str = "The request is malformed: its request line or a header cannot be \
                         parsed (for example, conflicting Content-Length and Transfer-Encoding).";

#[tokio::test]
async fn a_request_target_past_the_limit_is_414() {
    let app = TestApp::spawn().await;
    let request = format!(
        "GET /api/v2/system/environment?filter={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(9000)
    );
    let reply = raw(&app, request.as_bytes()).await;
    assert_envelope(
        &reply,
        "HTTP/1.1 414 URI Too Long",
        414,
        "The request URI is too long: the limit is 8192 bytes.",
    );
    assert!(reply.header("x-request-id").is_some());
}

#[tokio::test]
async fn headers_past_the_limit_are_431_even_when_they_are_credentials() {
    let app = TestApp::spawn().await;
    let message = "The request headers are too large: the limit is 16384 bytes.";
    let big = "b".repeat(20_000);
    for header in [
        format!("X-Padding: {big}"),
        format!("Authorization: Bearer {big}"),
    ] {
        let request =
            format!("GET /api/v2/system/environment HTTP/1.1\r\nHost: x\r\n{header}\r\n\r\n");
        let reply = raw(&app, request.as_bytes()).await;
        assert_envelope(
            &reply,
            "HTTP/1.1 431 Request Header Fields Too Large",
            431,
            message,
        );
    }
}

#[tokio::test]
async fn the_limits_are_settings() {
    let app = TestApp::spawn_with_env(vec![
        ("SLUICE__SERVER__MAX_URI_BYTES".into(), "2048".into()),
        ("SLUICE__SERVER__MAX_HEADER_BYTES".into(), "4096".into()),
    ])
    .await;
    let request = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(3000));
    let reply = raw(&app, request.as_bytes()).await;
    assert_eq!(
        reply.body,
        df_error(414, "The request URI is too long: the limit is 2048 bytes.")
    );
    let request = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-A: {}\r\n\r\n",
        "a".repeat(5000)
    );
    let reply = raw(&app, request.as_bytes()).await;
    assert_eq!(
        reply.body,
        df_error(
            431,
            "The request headers are too large: the limit is 4096 bytes."
        )
    );
}

#[tokio::test]
async fn a_head_past_the_codec_limits_is_431_in_the_envelope() {
    let app = TestApp::spawn().await;
    // Past actix-http's 128 KiB for a request head.
    let huge = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-A: {}\r\n\r\n",
        "a".repeat(140_000)
    );
    // More than the 96 headers it parses.
    let many: String = (0..100).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many = format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    for request in [huge, many] {
        let reply = raw(&app, request.as_bytes()).await;
        assert_envelope(
            &reply,
            "HTTP/1.1 431 Request Header Fields Too Large",
            431,
            "The request headers are too large.",
        );
    }
}

#[tokio::test]
async fn conflicting_body_framing_is_400() {
    let app = TestApp::spawn().await;
    for request in [
        &b"POST /api/v2/system/admin/session HTTP/1.1\r\nHost: x\r\n\
            Content-Type: application/json\r\nContent-Length: 4\r\n\
            Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"[..],
        b"POST /api/v2/system/admin/session HTTP/1.1\r\nHost: x\r\n\
            Content-Length: 2\r\nContent-Length: 4\r\n\r\n{}",
        b"POST /api/v2/system/admin/session HTTP/1.0\r\n\
            Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    ] {
        let reply = raw(&app, request).await;
        assert_envelope(&reply, "HTTP/1.1 400 Bad Request", 400, CODEC_400);
    }
}

#[tokio::test]
async fn a_malformed_request_line_is_400_in_the_envelope() {
    let app = TestApp::spawn().await;
    for request in [
        &b"GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        b"\x01\x02garbage\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header Name: x\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    ] {
        let reply = raw(&app, request).await;
        assert_envelope(&reply, "HTTP/1.1 400 Bad Request", 400, CODEC_400);
        assert!(reply.header("date").is_some());
    }
}

#[tokio::test]
async fn a_malformed_request_after_good_ones_on_one_connection_is_400_in_the_envelope() {
    let app = TestApp::spawn().await;
    // Pipelined: the good responses and the error leave in as few writes as the server likes.
    let request = b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n\
        GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\nGET /a b c HTTP/1.1\r\n\r\n";
    let address = app.url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("read");
    let text = String::from_utf8(bytes).expect("utf-8");
    assert_eq!(
        text.matches("HTTP/1.1 404 Not Found\r\n").count(),
        2,
        "{text}"
    );
    let (_, last) = text
        .rsplit_once("HTTP/1.1 400 Bad Request\r\n")
        .expect("a 400");
    let (_, body) = last.split_once("\r\n\r\n").expect("head");
    assert_eq!(
        serde_json::from_str::<Value>(body).expect("json"),
        df_error(400, CODEC_400)
    );
}
