//! NSQLite's endpoints and its error format `{"id", "error", "message"}`: `id` is a UUID
//! that the log line of the error carries too, `error` the status text.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use futures::StreamExt;
use serde_json::json;
use sluice_connector_core::ConnectorError;
use sluice_connector_sqlite::sql::{SqlAccess, SqlError};

use super::NsqliteState;
use super::tokens::{Holder, Role};
use crate::sql_wire::parse_batch;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::route().to(health))
        .route("/version", web::route().to(version))
        .route("/stats", web::route().to(stats))
        .service(
            web::resource("/query")
                .route(web::post().to(query))
                .default_service(web::to(method_not_allowed)),
        )
        .default_service(web::to(not_found));
}

/// An error answer: logged once, with the id the client sees.
struct Failure {
    status: StatusCode,
    message: &'static str,
    retry_after: Option<u32>,
}

impl Failure {
    fn new(status: StatusCode, message: &'static str) -> Self {
        Self {
            status,
            message,
            retry_after: None,
        }
    }

    fn respond(self, request: &HttpRequest, cause: &str) -> HttpResponse {
        let id = uuid::Uuid::new_v4().to_string();
        let status_text = self.status.canonical_reason().unwrap_or("Error");
        tracing::warn!(
            error.id = %id,
            status = self.status.as_u16(),
            error.message = self.message,
            cause,
            url = request.path(),
            "nsqlite request failed"
        );
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(json!({"id": id, "error": status_text, "message": self.message}))
    }
}

fn unauthorized() -> Failure {
    Failure::new(StatusCode::UNAUTHORIZED, "Unauthorized")
}

/// Who is calling, or the 401.
async fn holder(state: &NsqliteState, request: &HttpRequest) -> Result<Holder, Failure> {
    let header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    state.tokens.holder(header).await.ok_or_else(unauthorized)
}

async fn admin(state: &NsqliteState, request: &HttpRequest) -> Result<(), Failure> {
    match holder(state, request).await?.role {
        Role::Admin => Ok(()),
        Role::ReadWrite | Role::ReadOnly => Err(Failure::new(StatusCode::FORBIDDEN, "Forbidden")),
    }
}

/// `GET /health`: `SELECT 1` on the database, then a plain `OK`.
async fn health(state: web::Data<NsqliteState>, request: HttpRequest) -> HttpResponse {
    match state.engine.health().await {
        Ok(()) => text("OK"),
        Err(error) => Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Failed to query the database",
        )
        .respond(&request, &error.to_string()),
    }
}

/// `GET /version` (admin): the version as plain text.
async fn version(state: web::Data<NsqliteState>, request: HttpRequest) -> HttpResponse {
    match admin(&state, &request).await {
        Ok(()) => text(concat!("v", env!("CARGO_PKG_VERSION"))),
        Err(failure) => failure.respond(&request, "not an admin token"),
    }
}

/// `GET /stats` (admin): NSQLite's documented fields.
async fn stats(state: web::Data<NsqliteState>, request: HttpRequest) -> HttpResponse {
    match admin(&state, &request).await {
        Ok(()) => HttpResponse::Ok().json(state.stats.reading()),
        Err(failure) => failure.respond(&request, "not an admin token"),
    }
}

fn text(body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(body)
}

async fn not_found(request: HttpRequest) -> HttpResponse {
    Failure::new(StatusCode::NOT_FOUND, "Not Found").respond(&request, "no such endpoint")
}

async fn method_not_allowed(request: HttpRequest) -> HttpResponse {
    Failure::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
        .respond(&request, "only POST runs queries")
}

/// `POST /query`: a batch of statements, run as the token's role allows.
async fn query(
    state: web::Data<NsqliteState>,
    request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let _queued = state.stats.enter();
    match run_query(&state, &request, payload).await {
        Ok(response) => response,
        Err((failure, cause)) => failure.respond(&request, &cause),
    }
}

async fn run_query(
    state: &NsqliteState,
    request: &HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, (Failure, String)> {
    let holder = holder(state, request)
        .await
        .map_err(|failure| (failure, "missing or unknown token".to_owned()))?;
    let body = read_body(request, payload, state.config.max_request_bytes).await?;
    let statements = parse_batch(&body, state.config.max_statements).map_err(|reason| {
        let failure = Failure::new(StatusCode::BAD_REQUEST, "Failed to read request body");
        (failure, reason)
    })?;
    let access = match holder.role {
        Role::Admin | Role::ReadWrite => SqlAccess::READ_WRITE,
        // NSQLite's read-only tokens run reads only: no transactions either.
        Role::ReadOnly => SqlAccess {
            writes: false,
            transactions: false,
        },
    };
    let output = state
        .engine
        .run(&holder.key, access, state.config.max_rows, statements)
        .await
        .map_err(|error| (failure_of(&error), error.to_string()))?;
    for result in &output.results {
        state.stats.record(result.time);
    }
    Ok(HttpResponse::Ok().json(&output))
}

fn failure_of(error: &SqlError) -> Failure {
    let busy = |message| Failure {
        status: StatusCode::SERVICE_UNAVAILABLE,
        message,
        retry_after: Some(1),
    };
    match error {
        SqlError::TransactionNotFound => {
            Failure::new(StatusCode::NOT_FOUND, "Transaction not found")
        }
        SqlError::TooManyTransactions => busy("Too many open transactions"),
        SqlError::Connector(ConnectorError::Busy) => busy("The database is busy"),
        SqlError::Connector(ConnectorError::Unavailable(_)) => busy("The database is unavailable"),
        SqlError::Connector(ConnectorError::Full) => {
            Failure::new(StatusCode::INSUFFICIENT_STORAGE, "The database is full")
        }
        SqlError::Connector(_) => {
            Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
    }
}

/// The body, refused with 413 as soon as it is known to exceed `limit`.
async fn read_body(
    request: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, (Failure, String)> {
    let too_large = || {
        let failure = Failure::new(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
        (failure, format!("the body exceeds {limit} bytes"))
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| {
            let failure = Failure::new(StatusCode::BAD_REQUEST, "Failed to read request body");
            (failure, error.to_string())
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// NSQLite's `/stats`: `/query` requests, those in progress (and their most at once), and
/// the time statements took.
#[derive(Default)]
pub struct Stats {
    requests: AtomicU64,
    queued: AtomicI64,
    queued_max: AtomicI64,
    statements: AtomicU64,
    total_nanos: AtomicU64,
    max_nanos: AtomicU64,
}

/// Counts a request as queued until dropped.
pub struct InProgress<'a>(&'a Stats);

impl Drop for InProgress<'_> {
    fn drop(&mut self) {
        self.0.queued.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Stats {
    fn enter(&self) -> InProgress<'_> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let now = self.queued.fetch_add(1, Ordering::AcqRel) + 1;
        self.queued_max.fetch_max(now, Ordering::AcqRel);
        InProgress(self)
    }

    fn record(&self, seconds: f64) {
        let nanos = u64::try_from(Duration::from_secs_f64(seconds).as_nanos()).unwrap_or(u64::MAX);
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.total_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.max_nanos.fetch_max(nanos, Ordering::Relaxed);
    }

    fn reading(&self) -> serde_json::Value {
        let seconds = |nanos: u64| Duration::from_nanos(nanos).as_secs_f64();
        let total = self.total_nanos.load(Ordering::Relaxed);
        let statements = self.statements.load(Ordering::Relaxed);
        let average = if statements == 0 {
            0.0
        } else {
            seconds(total) / statements as f64
        };
        json!({
            "httpRequests": self.requests.load(Ordering::Relaxed),
            "httpRequestsQueued": self.queued.load(Ordering::Acquire),
            "httpRequestsQueuedMax": self.queued_max.load(Ordering::Acquire),
            "dbTotalTime": seconds(total),
            "dbTotalTimeMax": seconds(self.max_nanos.load(Ordering::Relaxed)),
            "dbAveTime": average,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use actix_web::test::TestRequest;

    use super::*;

    /// Collects what the subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("buffer").extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn the_error_id_the_client_gets_is_in_the_log_line() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let request = TestRequest::default()
            .uri("/query?x=secret")
            .to_http_request();
        let response = tracing::subscriber::with_default(subscriber, || {
            Failure::new(StatusCode::FORBIDDEN, "Forbidden").respond(&request, "a cause")
        });
        assert_eq!(
            response
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|v| v.as_bytes()),
            Some(&b"application/json"[..])
        );
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .expect("body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
        let id = body["id"].as_str().expect("id");
        assert_eq!(
            body,
            json!({"id": id, "error": "Forbidden", "message": "Forbidden"})
        );
        let log = String::from_utf8(captured.0.lock().expect("buffer").clone()).expect("utf-8");
        assert!(log.contains(&format!("error.id={id}")), "{log}");
        assert!(
            log.contains("url=\"/query\"") && !log.contains("secret"),
            "{log}"
        );
    }
}
