//! `GET /metrics`: the Prometheus text format, on the main listener or on a listener of its
//! own (`metrics.bind`). What is cheaper to read than to count (SQLite queue depths, cache
//! hits and misses) is read here, at scrape time, never on a request's path.

use actix_web::{HttpResponse, web};

use crate::metrics::{CONTENT_TYPE, ScrapeReadings};
use crate::registry::Backend;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(scrape));
}

async fn scrape(state: web::Data<AppState>) -> HttpResponse {
    let sqlite_queue_depths = state
        .services
        .all()
        .iter()
        .filter_map(|entry| match &entry.backend {
            Backend::Sqlite { database, .. } => Some((entry.name.clone(), database.queue_depth())),
            // The gauge is SQLite's lanes; a PostgreSQL or MySQL pool's waits are not reported yet.
            Backend::Remote { .. }
            | Backend::User { .. }
            | Backend::Script { .. }
            | Backend::Files { .. }
            | Backend::Unavailable { .. } => None,
        })
        .collect();
    let mut caches = state.access.cache_reads().to_vec();
    caches.push(("users", state.users.reads()));
    caches.push(("cors", state.cors.reads()));
    let data_cache = state.data_cache.readings();
    caches.push(("data", data_cache.reads));
    state.metrics.set_change_feed_lag(state.staleness());
    let text = state.metrics.render(ScrapeReadings {
        sqlite_queue_depths,
        caches,
        data_cache_evictions: data_cache.evictions,
        data_cache_bytes: data_cache.bytes,
    });
    HttpResponse::Ok().content_type(CONTENT_TYPE).body(text)
}
