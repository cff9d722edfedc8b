//! The load generator: N keep-alive HTTP/1.1 connections, each sending requests back to back
//! for a fixed time; latency of every successful request, non-2xx answers and transport
//! failures counted as errors.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::net::TcpStream;

pub const API_KEY_HEADER: &str = "x-dreamfactory-api-key";

/// Consecutive connection failures after which a connection gives up (the server is gone).
const MAX_CONNECT_FAILURES: u32 = 100;

/// The runtime the load generator and the harness run on: `threads` worker threads (the
/// servers get the remaining cores' time, as in production on a shared box).
pub fn client_runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
}

/// One request of a scenario.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    pub path_and_query: String,
    pub body: Option<Bytes>,
}

impl Call {
    pub fn get(path_and_query: String) -> Self {
        Self {
            method: Method::GET,
            path_and_query,
            body: None,
        }
    }

    pub fn with_body(method: Method, path_and_query: String, body: Bytes) -> Self {
        Self {
            method,
            path_and_query,
            body: Some(body),
        }
    }
}

/// Makes the next request of a scenario; each connection has its own seeded generator.
pub type Plan = Arc<dyn Fn(&mut StdRng) -> Call + Send + Sync>;

/// Where the load goes and the credentials every request carries.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub addr: SocketAddr,
    pub api_key: Option<String>,
}

#[derive(Debug, Default)]
pub struct LoadResult {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// Latencies of the successful requests, in microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// The first error seen, for the report (a status and the start of the body).
    pub first_error: Option<String>,
}

impl LoadResult {
    pub fn requests_per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency at `percentile` (0-100), in milliseconds.
    pub fn latency_ms(&self, percentile: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let last = self.latencies_us.len() - 1;
        let index = ((percentile / 100.0) * last as f64).round() as usize;
        f64::from(self.latencies_us[index.min(last)]) / 1000.0
    }
}

#[derive(Default)]
struct ConnectionStats {
    requests: u64,
    errors: u64,
    latencies_us: Vec<u32>,
    first_error: Option<String>,
}

impl ConnectionStats {
    fn error(&mut self, message: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(message());
        }
    }
}

/// Runs `plan` over `connections` connections for `duration`. Requests still in flight at
/// the deadline complete and count; the elapsed time runs until the last one ends.
pub async fn run(
    endpoint: &Endpoint,
    plan: Plan,
    connections: usize,
    duration: Duration,
    seed: u64,
) -> LoadResult {
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..connections)
        .map(|index| {
            let endpoint = endpoint.clone();
            let plan = Arc::clone(&plan);
            let seed = seed.wrapping_mul(1_000_003).wrapping_add(index as u64);
            tokio::spawn(async move { drive(&endpoint, &plan, deadline, seed).await })
        })
        .collect();
    let mut result = LoadResult::default();
    for task in tasks {
        let stats = task.await.unwrap_or_else(|error| {
            let mut stats = ConnectionStats::default();
            stats.error(|| format!("load task failed: {error}"));
            stats
        });
        result.requests += stats.requests;
        result.errors += stats.errors;
        result.latencies_us.extend(stats.latencies_us);
        if result.first_error.is_none() {
            result.first_error = stats.first_error;
        }
    }
    result.elapsed = started.elapsed();
    result.latencies_us.sort_unstable();
    result
}

async fn drive(endpoint: &Endpoint, plan: &Plan, deadline: Instant, seed: u64) -> ConnectionStats {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut stats = ConnectionStats::default();
    let mut sender: Option<SendRequest<Full<Bytes>>> = None;
    let mut connect_failures = 0;
    while Instant::now() < deadline {
        let connection = match sender.as_mut() {
            Some(connection) => connection,
            None => match connect(endpoint.addr).await {
                Ok(connection) => {
                    connect_failures = 0;
                    sender.insert(connection)
                }
                Err(error) => {
                    stats.error(|| format!("connect: {error:#}"));
                    connect_failures += 1;
                    if connect_failures >= MAX_CONNECT_FAILURES {
                        break;
                    }
                    continue;
                }
            },
        };
        let call = plan(&mut rng);
        let started = Instant::now();
        match send(connection, endpoint, call).await {
            Ok((status, _)) if status.is_success() => {
                stats.requests += 1;
                let micros = started.elapsed().as_micros();
                stats
                    .latencies_us
                    .push(u32::try_from(micros).unwrap_or(u32::MAX));
            }
            Ok((status, body)) => {
                stats.requests += 1;
                stats.error(|| describe_failure(status, &body));
            }
            Err(error) => {
                stats.requests += 1;
                stats.error(|| format!("transport: {error:#}"));
                sender = None;
            }
        }
    }
    stats
}

pub fn describe_failure(status: StatusCode, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
    format!("HTTP {}: {text}", status.as_u16())
}

/// Opens one keep-alive HTTP/1.1 connection.
pub async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        // Ends when the sender is dropped or the server closes; either is seen by `send`.
        let _ = connection.await;
    });
    Ok(sender)
}

/// Sends one request and reads the whole answer (so the connection can be reused).
pub async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    endpoint: &Endpoint,
    call: Call,
) -> anyhow::Result<(StatusCode, Bytes)> {
    let mut builder = Request::builder()
        .method(call.method)
        .uri(call.path_and_query)
        .header(HOST, HeaderValue::from_str(&endpoint.addr.to_string())?);
    if let Some(key) = &endpoint.api_key {
        builder = builder.header(API_KEY_HEADER, key.as_str());
    }
    if call.body.is_some() {
        builder = builder.header(CONTENT_TYPE, "application/json");
    }
    let request = builder.body(Full::new(call.body.unwrap_or_default()))?;
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// One request on a fresh connection, for checks outside the timed runs.
pub async fn probe(endpoint: &Endpoint, call: Call) -> anyhow::Result<(StatusCode, Bytes)> {
    let mut sender = connect(endpoint.addr)
        .await
        .with_context(|| format!("cannot connect to {}", endpoint.addr))?;
    send(&mut sender, endpoint, call).await
}
