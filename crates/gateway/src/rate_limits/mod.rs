//! API rate limits as DreamFactory defines them (`/api/v2/system/limit`), enforced on every
//! request that passed authorisation for a service, except administrators'
//! (docs/RATE-LIMITS.md).
//!
//! - `kinds`: the limit types and periods;
//! - `rules`: the active limits prepared for matching, and matching (pure);
//! - `counter`: the counter state machine over an explicit `now` (pure);
//! - `local_store`, `redis_store`, `store`: where counters live (`leases`: requests a node
//!   counts ahead against Redis when a limit is far from full);
//! - `enforce`: the check that `auth::access` runs, its 429, and the response headers.

pub mod cache_view;
pub mod counter;
pub mod enforce;
pub mod kinds;
mod leases;
pub mod local_store;
pub mod redis_store;
pub mod rules;
pub mod settings;
pub mod store;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Map, Value};
use sluice_system_db::{DbError, LimitRow, SystemDb};

use crate::auth::snapshot::Snapshot;
use crate::shared_redis::SharedRedis;
use rules::LimitSet;
use settings::{OnRedisError, RateLimitSettings};
use store::CounterStore;

pub use enforce::{LimitNote, enforce, limit_headers, note_limits, rate_limit_headers};

/// Whether the limits are known to be none (`NONE`), or may be some.
const UNKNOWN: u64 = 0;
const NONE: u64 = 1;
const SOME: u64 = 2;

/// This node's limits and counters.
pub struct RateLimiter {
    limits: Snapshot<LimitSet>,
    /// `generation << 2 | UNKNOWN/NONE/SOME`: what the last load found, valid only while
    /// `generation` is the current one, so a load that raced a change never says "none".
    known: AtomicU64,
    generation: AtomicU64,
    pub(crate) store: CounterStore,
    on_redis_error: OnRedisError,
    /// When the last "Redis unreachable" warning was logged (ms), to log one a minute.
    last_warning_ms: AtomicI64,
}

impl RateLimiter {
    /// Counters in Redis when there is one, else in process.
    pub fn new(settings: &RateLimitSettings, redis: Option<Arc<SharedRedis>>) -> Self {
        let store = match redis {
            Some(redis) => CounterStore::Redis(redis_store::RedisCounters::new(
                redis,
                &settings.redis_key_prefix,
                Duration::from_millis(settings.redis_timeout_ms),
            )),
            None => CounterStore::Local(local_store::LocalCounters::default()),
        };
        Self {
            limits: Snapshot::default(),
            known: AtomicU64::new(UNKNOWN),
            generation: AtomicU64::new(0),
            store,
            on_redis_error: settings.on_redis_error,
            last_warning_ms: AtomicI64::new(i64::MIN),
        }
    }

    /// Whether a request may meet a limit: `false` only when the limits are loaded and none
    /// is active. Two atomic loads; what requests pay when no limit is set.
    pub fn may_limit(&self) -> bool {
        let known = self.known.load(Ordering::Acquire);
        known & 3 != NONE || known >> 2 != self.generation.load(Ordering::Acquire)
    }

    /// The active limits, loaded when the change feed dropped them.
    ///
    /// # Errors
    ///
    /// The system database cannot be read.
    pub async fn limits(&self, db: &SystemDb) -> Result<Arc<LimitSet>, DbError> {
        let generation = self.generation.load(Ordering::Acquire);
        let set = self
            .limits
            .get_or_load(|| async { Ok::<_, DbError>(LimitSet::build(db.limits().list().await?)) })
            .await?;
        let found = if set.is_empty() { NONE } else { SOME };
        if self.generation.load(Ordering::Acquire) == generation {
            self.known.store(generation << 2 | found, Ordering::Release);
        }
        Ok(set)
    }

    /// Drops the limits (the change feed calls this when the `limits` table changed); the
    /// next limited request loads them again.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.limits.invalidate();
        if let CounterStore::Redis(redis) = &self.store {
            redis.forget_leases();
        }
    }

    /// Logs that Redis could not be reached, at most once a minute.
    fn warn_store_error(&self, error: &redis::RedisError, now_ms: i64) {
        let last = self.last_warning_ms.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last) < 60_000 {
            return;
        }
        if self
            .last_warning_ms
            .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            tracing::warn!(
                %error,
                on_redis_error = ?self.on_redis_error,
                "rate limits cannot reach Redis (logged at most once a minute)"
            );
        }
    }
}

/// A stored limit as DreamFactory shows it: its fields, with `period` by name.
pub fn limit_object(row: &LimitRow) -> Map<String, Value> {
    let mut object = match serde_json::to_value(row) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    if let Some(name) = kinds::period_name(row.limit.period) {
        object.insert("period".into(), Value::from(name));
    }
    object
}
