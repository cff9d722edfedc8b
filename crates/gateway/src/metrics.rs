//! Prometheus metrics, served at `/metrics` (docs/OPERATIONS.md lists every metric).
//!
//! One [`Metrics`] per application state, never a process-wide registry: tests run many
//! servers in one process, and each must count only its own requests.
//!
//! What the request path touches is kept cheap: a request updates one counter and one
//! histogram (an atomic and a short lock, never held across an await), found through its
//! family's map only when its labels differ from the thread's previous request. What can be
//! read when scraped instead (SQLite queue depths, cache counters) is read then, from the
//! services and caches themselves.

use std::cell::RefCell;
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The `Content-Type` of the Prometheus text format that [`Metrics::render`] writes.
pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Upper bounds of the request-duration buckets, in seconds: a by-key read answers in well
/// under a millisecond, a large batch write in seconds.
const DURATION_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// What a request is counted under: a configured service's name only when the request
/// resolved to a registered service, otherwise one of a fixed few words, so the label's
/// values stay bounded whatever clients send.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ServiceLabel {
    Named(Arc<str>),
    System,
    User,
    Docs,
    Health,
    Other,
}

impl ServiceLabel {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Named(name) => name,
            Self::System => "system",
            Self::User => "user",
            Self::Docs => "docs",
            Self::Health => "health",
            Self::Other => "other",
        }
    }
}

impl EncodeLabelValue for ServiceLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    service: ServiceLabel,
    method: &'static str,
    status: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RouteLabels {
    service: ServiceLabel,
    method: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ServiceOnly {
    service: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CacheLabels {
    cache: &'static str,
    result: &'static str,
}

type DurationFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

/// The metrics of one running gateway.
pub struct Metrics {
    /// Tells this `Metrics` from others in [`LAST_COUNTED`] (an address could be reused by a
    /// later server's metrics; an id is not).
    id: u64,
    requests: Family<RequestLabels, Counter>,
    durations: DurationFamily,
    change_feed_lag: Gauge<f64, AtomicU64>,
    rate_limit_store_errors: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            requests: Family::default(),
            durations: Family::new_with_constructor(duration_histogram),
            change_feed_lag: Gauge::default(),
            rate_limit_store_errors: Counter::default(),
        }
    }
}

/// The handles of the metrics a thread last counted a request under. A worker's consecutive
/// requests mostly share their labels, and looking the handles up in their families (SipHash
/// over the labels and a read lock, twice) cost a one-row read about 1,000 instructions
/// (docs/PERFORMANCE.md). A handle counts into its family's own value, and families never
/// drop a label set, so counting through the kept handles is counting through the families.
struct LastCounted {
    metrics: u64,
    labels: RequestLabels,
    requests: Counter,
    duration: Histogram,
}

thread_local! {
    static LAST_COUNTED: RefCell<Option<LastCounted>> = const { RefCell::new(None) };
}

/// What is read from the services and caches when metrics are scraped.
#[derive(Debug, Default)]
pub struct ScrapeReadings {
    /// Jobs waiting for a lane, per SQLite service (by service name).
    pub sqlite_queue_depths: Vec<(String, usize)>,
    /// Hits and misses per cache.
    pub caches: Vec<(&'static str, CacheCounts)>,
    /// Cached reads the data cache dropped to stay under `data_cache.max_mib`.
    pub data_cache_evictions: u64,
    /// What the data cache's entries weigh, in bytes.
    pub data_cache_bytes: u64,
}

impl Metrics {
    /// Counts one answered request and its duration (until the response head was ready).
    pub fn observe_request(
        &self,
        service: &ServiceLabel,
        method: &Method,
        status: StatusCode,
        elapsed: Duration,
    ) {
        let method = method_label(method);
        let labels = RequestLabels {
            service: service.clone(),
            method,
            status: status_class(status),
        };
        LAST_COUNTED.with_borrow_mut(|last| {
            let counted = match last.take() {
                Some(last) if last.metrics == self.id && last.labels == labels => last,
                _ => LastCounted {
                    metrics: self.id,
                    requests: self.requests.get_or_create(&labels).clone(),
                    duration: (self.durations)
                        .get_or_create(&RouteLabels {
                            service: service.clone(),
                            method,
                        })
                        .clone(),
                    labels,
                },
            };
            counted.requests.inc();
            counted.duration.observe(elapsed.as_secs_f64());
            *last = Some(counted);
        });
    }

    /// How long ago this node last confirmed that it has applied every change of the system
    /// database (`AppState::staleness`, set when scraped).
    pub fn set_change_feed_lag(&self, lag: Duration) {
        self.change_feed_lag.set(lag.as_secs_f64());
    }

    /// Counts a limited request whose limits could not be checked because Redis could not
    /// be reached.
    pub fn count_rate_limit_store_error(&self) {
        self.rate_limit_store_errors.inc();
    }

    /// All metrics in the Prometheus text format.
    pub fn render(&self, readings: ScrapeReadings) -> String {
        // A registry per scrape: the long-lived metrics are shared handles (clones count into
        // the same values), and what is read at scrape time gets fresh families, so a service
        // that was deleted meanwhile no longer shows.
        let mut registry = Registry::default();
        registry.register(
            "sluice_http_requests",
            "HTTP requests answered, by service, method and status class",
            self.requests.clone(),
        );
        registry.register(
            "sluice_http_request_duration_seconds",
            "Time from receiving a request to its response head, by service and method",
            self.durations.clone(),
        );
        let queue_depths = Family::<ServiceOnly, Gauge>::default();
        for (service, depth) in readings.sqlite_queue_depths {
            let depth = i64::try_from(depth).unwrap_or(i64::MAX);
            queue_depths
                .get_or_create(&ServiceOnly { service })
                .set(depth);
        }
        registry.register(
            "sluice_sqlite_queue_depth",
            "Jobs waiting for a SQLite lane (read and write), by service",
            queue_depths,
        );
        let caches = Family::<CacheLabels, Counter>::default();
        for (cache, counts) in readings.caches {
            for (result, count) in [("hit", counts.hits), ("miss", counts.misses)] {
                caches
                    .get_or_create(&CacheLabels { cache, result })
                    .inc_by(count);
            }
        }
        registry.register(
            "sluice_cache_requests",
            "Reads of the gateway's caches, by cache and result (data: cached record reads)",
            caches,
        );
        let evictions = Counter::<u64>::default();
        evictions.inc_by(readings.data_cache_evictions);
        registry.register(
            "sluice_data_cache_evictions",
            "Cached record reads dropped to stay under data_cache.max_mib",
            evictions,
        );
        let bytes = Gauge::<i64, std::sync::atomic::AtomicI64>::default();
        bytes.set(i64::try_from(readings.data_cache_bytes).unwrap_or(i64::MAX));
        registry.register(
            "sluice_data_cache_bytes",
            "Memory the cached record reads take, in bytes (as the data cache weighs them)",
            bytes,
        );
        registry.register(
            "sluice_change_feed_lag_seconds",
            "Seconds since this node last confirmed it has applied every change of the system database",
            self.change_feed_lag.clone(),
        );
        registry.register(
            "sluice_rate_limit_store_errors",
            "Limited requests whose limits could not be checked because Redis could not be reached",
            self.rate_limit_store_errors.clone(),
        );
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &registry);
        text
    }
}

/// Hits and misses of one cache, counted where the cache is read and reported when scraped.
#[derive(Debug, Default)]
pub struct CacheCounter {
    hits: AtomicU64,
    misses: AtomicU64,
}

/// A reading of a [`CacheCounter`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheCounts {
    pub hits: u64,
    pub misses: u64,
}

impl CacheCounter {
    /// Counts a read answered from the cache (`true`) or loaded from the database (`false`).
    pub fn record(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn counts(&self) -> CacheCounts {
        CacheCounts {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

/// The method as a label: the standard ones by name, anything else as `OTHER`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_lines(text: &str, lines: &[&str]) {
        for line in lines {
            assert!(
                text.lines().any(|l| l == *line),
                "{line} missing from\n{text}"
            );
        }
    }

    #[test]
    fn requests_are_counted_by_service_method_and_status_class() {
        let metrics = Metrics::default();
        let db = ServiceLabel::Named(Arc::from("db"));
        for status in [StatusCode::OK, StatusCode::CREATED, StatusCode::NOT_FOUND] {
            metrics.observe_request(&db, &Method::GET, status, Duration::from_millis(2));
        }
        metrics.observe_request(
            &ServiceLabel::Other,
            &Method::from_bytes(b"BREW").unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
            Duration::from_millis(1),
        );
        let text = metrics.render(ScrapeReadings::default());
        assert_lines(
            &text,
            &[
                r#"sluice_http_requests_total{service="db",method="GET",status="2xx"} 2"#,
                r#"sluice_http_requests_total{service="db",method="GET",status="4xx"} 1"#,
                r#"sluice_http_requests_total{service="other",method="OTHER",status="4xx"} 1"#,
                r#"sluice_http_request_duration_seconds_count{service="db",method="GET"} 3"#,
                r#"sluice_http_request_duration_seconds_bucket{service="db",method="GET",le="0.0025"} 3"#,
                "sluice_change_feed_lag_seconds 0.0",
            ],
        );
    }

    #[test]
    fn scrape_readings_become_gauges_and_counters() {
        let metrics = Metrics::default();
        metrics.set_change_feed_lag(Duration::from_millis(1500));
        let apps = CacheCounts { hits: 7, misses: 1 };
        let text = metrics.render(ScrapeReadings {
            sqlite_queue_depths: vec![("db".into(), 3)],
            caches: vec![("apps", apps)],
            data_cache_evictions: 4,
            data_cache_bytes: 2048,
        });
        assert_lines(
            &text,
            &[
                r#"sluice_sqlite_queue_depth{service="db"} 3"#,
                r#"sluice_cache_requests_total{cache="apps",result="hit"} 7"#,
                r#"sluice_cache_requests_total{cache="apps",result="miss"} 1"#,
                "sluice_data_cache_evictions_total 4",
                "sluice_data_cache_bytes 2048",
                "sluice_change_feed_lag_seconds 1.5",
            ],
        );
    }

    #[test]
    fn a_cache_counter_counts_hits_and_misses() {
        let counter = CacheCounter::default();
        counter.record(true);
        counter.record(true);
        counter.record(false);
        assert_eq!(counter.counts(), CacheCounts { hits: 2, misses: 1 });
    }
}
