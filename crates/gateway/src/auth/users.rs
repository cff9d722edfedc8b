//! Users by id, cached so that verifying a session costs no database round trip in the steady
//! state. A changed user's entry is dropped by the change feed (`changes.rs`), on every node.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use moka::future::Cache;
use sluice_system_db::{SystemDb, UserRow};

use crate::error::ApiError;
use crate::metrics::{CacheCounter, CacheCounts};

pub struct UserCache {
    by_id: Cache<i64, Option<Arc<UserRow>>>,
    /// Hits and misses, for `/metrics`.
    reads: CacheCounter,
}

impl Default for UserCache {
    fn default() -> Self {
        Self {
            // No time to live: the change feed drops an entry when its user changes.
            by_id: Cache::builder().max_capacity(100_000).build(),
            reads: CacheCounter::default(),
        }
    }
}

impl UserCache {
    pub async fn get(&self, db: &SystemDb, id: i64) -> Result<Option<Arc<UserRow>>, ApiError> {
        let loaded = &AtomicBool::new(false);
        let user = self
            .by_id
            .try_get_with(id, async move {
                loaded.store(true, Ordering::Relaxed);
                db.users().get(id).await.map(|u| u.map(Arc::new))
            })
            .await
            .map_err(ApiError::from);
        self.reads.record(!loaded.load(Ordering::Relaxed));
        user
    }

    /// How many reads were answered from the cache, and how many loaded the user.
    pub fn reads(&self) -> CacheCounts {
        self.reads.counts()
    }

    pub async fn invalidate(&self, id: i64) {
        self.by_id.invalidate(&id).await;
    }

    pub fn invalidate_all(&self) {
        self.by_id.invalidate_all();
    }
}
