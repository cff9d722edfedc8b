//! The data cache: finished `_table` read responses of services with `cache_enabled`, kept
//! in memory (docs/CACHING.md).
//!
//! - **Keys** (`key`) hold the canonical request and everything that changes the answer
//!   for the caller, plus the service's *stamp*. Stamps come from one sequence that grows at
//!   every invalidation: a record write, a schema change or a flush of the service gives it
//!   a new stamp, and a role, app or lookup change gives every service one. A key with an
//!   old stamp is never asked for again, so invalidation is one atomic increment and the
//!   stale entries age out of the bounded store.
//! - **Invalidation happens only in `changes.rs`**, through the change feed, so every node
//!   drops the same reads: writes announce [`Topic::Data`](sluice_system_db::Topic::Data).
//! - **Time** is the server's [`Clock`]: an entry older than the service's `cache_ttl`
//!   minutes is a miss, so tests move the clock instead of sleeping.
//! - **Memory** is bounded by `data_cache.max_mib`: moka weighs each entry by its bytes and
//!   evicts the least useful ones past the cap.

mod key;
mod read;
mod settings;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use moka::notification::RemovalCause;
use moka::sync::Cache;

use crate::clock::Clock;
use crate::metrics::{CacheCounter, CacheCounts};

pub use read::{CacheTicket, CacheableRead, announce_service_write, announce_write};
pub use settings::DataCacheSettings;

/// What every entry costs beyond its key and body (moka's own bookkeeping, roughly).
const ENTRY_OVERHEAD_BYTES: usize = 96;

/// One finished response: the JSON body exactly as sent, and when it was stored.
#[derive(Clone)]
struct StoredAnswer {
    body: Bytes,
    stored_at_ms: i64,
}

/// The node's data cache. Built once per server; see the module documentation.
pub struct DataCache {
    /// `None` when `data_cache.max_mib` is 0: nothing is cached.
    store: Option<Cache<String, StoredAnswer>>,
    /// Grows by one at every invalidation; stamps are values it had.
    sequence: AtomicU64,
    /// The stamp of the last invalidation of every service at once.
    everything_stamp: AtomicU64,
    /// The stamp of each service's last invalidation (none yet: 0).
    service_stamps: RwLock<HashMap<i64, u64>>,
    reads: CacheCounter,
    evictions: Arc<AtomicU64>,
    clock: Arc<Clock>,
}

/// A reading of the cache for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DataCacheReadings {
    pub reads: CacheCounts,
    /// Entries dropped to stay under `data_cache.max_mib`.
    pub evictions: u64,
    /// What the entries weigh now, in bytes (moka's estimate, updated lazily).
    pub bytes: u64,
}

impl DataCache {
    pub fn new(settings: &DataCacheSettings, clock: Arc<Clock>) -> Self {
        let evictions = Arc::new(AtomicU64::new(0));
        let store = (settings.max_mib > 0).then(|| {
            let counted = Arc::clone(&evictions);
            Cache::builder()
                .max_capacity(settings.max_bytes())
                .weigher(|key: &String, value: &StoredAnswer| {
                    let bytes = key.len() + value.body.len() + ENTRY_OVERHEAD_BYTES;
                    u32::try_from(bytes).unwrap_or(u32::MAX)
                })
                .eviction_listener(move |_, _, cause| {
                    if cause == RemovalCause::Size {
                        counted.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .build()
        });
        Self {
            store,
            sequence: AtomicU64::new(0),
            everything_stamp: AtomicU64::new(0),
            service_stamps: RwLock::default(),
            reads: CacheCounter::default(),
            evictions,
            clock,
        }
    }

    /// Where the sequence stands: taken when a request starts, before its caller's role is
    /// resolved (see [`CacheTicket`]).
    fn sequence(&self) -> u64 {
        self.sequence.load(Ordering::Acquire)
    }

    /// The stamp a read of `service_id` is keyed by now.
    fn stamp(&self, service_id: i64) -> u64 {
        let everything = self.everything_stamp.load(Ordering::Acquire);
        let service = self.service_stamps.read().map_or(u64::MAX, |stamps| {
            stamps.get(&service_id).copied().unwrap_or(0)
        });
        everything.max(service)
    }

    /// Drops the cached reads of one service: its records or schema changed, or it was
    /// flushed. Called by the change feed only.
    pub fn invalidate_service(&self, service_id: i64) {
        let stamp = self.sequence.fetch_add(1, Ordering::AcqRel) + 1;
        if let Ok(mut stamps) = self.service_stamps.write() {
            stamps.insert(service_id, stamp);
        }
    }

    /// Drops every cached read: a role, app or lookup changed (they decide what callers
    /// see), or the node reloaded everything. Called by the change feed only.
    pub fn invalidate_all(&self) {
        let stamp = self.sequence.fetch_add(1, Ordering::AcqRel) + 1;
        self.everything_stamp.store(stamp, Ordering::Release);
        if let Some(store) = &self.store {
            // Frees the memory now; the stamp alone would already make them unreachable.
            store.invalidate_all();
        }
    }

    /// The stored body for `key` when it is younger than `ttl_ms`; counts the read.
    fn get(&self, key: &str, ttl_ms: i64) -> Option<Bytes> {
        let found = self.store.as_ref().and_then(|store| store.get(key));
        let now = self.clock.now_millis();
        let fresh = found.filter(|entry| now.saturating_sub(entry.stored_at_ms) < ttl_ms);
        self.reads.record(fresh.is_some());
        fresh.map(|entry| entry.body)
    }

    fn insert(&self, key: String, body: Bytes) {
        if let Some(store) = &self.store {
            let stored_at_ms = self.clock.now_millis();
            store.insert(key, StoredAnswer { body, stored_at_ms });
        }
    }

    /// Counts a read that skipped the cache (`refresh=true`) as a miss.
    fn count_miss(&self) {
        self.reads.record(false);
    }

    /// Read when metrics are scraped: moka's pending bookkeeping is done first, so the
    /// weight and the evictions are current.
    pub fn readings(&self) -> DataCacheReadings {
        if let Some(store) = &self.store {
            store.run_pending_tasks();
        }
        DataCacheReadings {
            reads: self.reads.counts(),
            evictions: self.evictions.load(Ordering::Relaxed),
            bytes: self.store.as_ref().map_or(0, Cache::weighted_size),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn cache(max_mib: u64) -> DataCache {
        DataCache::new(&DataCacheSettings { max_mib }, Arc::default())
    }

    #[test]
    fn an_entry_is_fresh_until_its_ttl_on_the_servers_clock() {
        let cache = cache(1);
        cache.insert("k".into(), Bytes::from_static(b"[1]"));
        assert_eq!(cache.get("k", 60_000), Some(Bytes::from_static(b"[1]")));
        cache.clock.advance(Duration::from_secs(59));
        assert!(cache.get("k", 60_000).is_some());
        cache.clock.advance(Duration::from_secs(1));
        assert_eq!(cache.get("k", 60_000), None);
        assert_eq!(cache.readings().reads, CacheCounts { hits: 2, misses: 1 });
    }

    #[test]
    fn invalidating_a_service_changes_only_its_stamp() {
        let cache = cache(1);
        let (one, two) = (cache.stamp(1), cache.stamp(2));
        cache.invalidate_service(1);
        assert!(cache.stamp(1) > one);
        assert_eq!(cache.stamp(2), two);
        let before = cache.stamp(1);
        cache.invalidate_all();
        assert!(cache.stamp(1) > before);
        assert!(cache.stamp(2) > two);
        assert!(cache.sequence() >= cache.stamp(1));
    }

    #[test]
    fn no_memory_means_nothing_is_cached() {
        let cache = cache(0);
        cache.insert("k".into(), Bytes::from_static(b"[]"));
        assert_eq!(cache.get("k", 60_000), None);
    }

    #[test]
    fn entries_past_the_cap_are_evicted_and_counted() {
        let cache = cache(1);
        let body = Bytes::from(vec![b' '; 100 * 1024]);
        for n in 0..40 {
            cache.insert(format!("k{n}"), body.clone());
        }
        let readings = cache.readings();
        assert!(readings.bytes <= 1024 * 1024, "{readings:?}");
        assert!(readings.evictions > 0, "{readings:?}");
    }
}
