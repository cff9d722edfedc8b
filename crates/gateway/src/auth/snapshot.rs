//! One cached value, for the tables every request reads (apps, roles, lookups), kept until
//! the change feed invalidates it. A fresh read is an uncontended lock and an `Arc` clone: a moka lookup per table
//! per request showed in the benchmark profile (docs/PERFORMANCE.md), and a single key needs
//! none of moka's eviction machinery.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use crate::metrics::{CacheCounter, CacheCounts};

pub struct Snapshot<T> {
    current: RwLock<Option<Arc<T>>>,
    /// Bumped by `invalidate`, so a load that began before a change is never stored.
    generation: AtomicU64,
    /// One load at a time: callers that find the value stale wait for it, not the database.
    loading: tokio::sync::Mutex<()>,
    /// Hits and misses, for `/metrics`.
    reads: CacheCounter,
}

impl<T> Default for Snapshot<T> {
    fn default() -> Self {
        Self {
            current: RwLock::new(None),
            generation: AtomicU64::new(0),
            loading: tokio::sync::Mutex::new(()),
            reads: CacheCounter::default(),
        }
    }
}

impl<T> Snapshot<T> {
    /// The value, loaded by `load` when there is none.
    ///
    /// # Errors
    ///
    /// Whatever `load` fails with; nothing is stored then.
    pub async fn get_or_load<E, Fut>(&self, load: impl FnOnce() -> Fut) -> Result<Arc<T>, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.fresh() {
            self.reads.record(true);
            return Ok(value);
        }
        let _loading = self.loading.lock().await;
        if let Some(value) = self.fresh() {
            self.reads.record(true);
            return Ok(value);
        }
        self.reads.record(false);
        let generation = self.generation.load(Ordering::Acquire);
        let value = Arc::new(load().await?);
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if self.generation.load(Ordering::Acquire) == generation {
            *current = Some(Arc::clone(&value));
        }
        Ok(value)
    }

    /// How many reads found the value, and how many loaded it.
    pub fn reads(&self) -> CacheCounts {
        self.reads.counts()
    }

    /// Drops the value; the next read loads it again.
    pub fn invalidate(&self) {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        *current = None;
    }

    fn fresh(&self) -> Option<Arc<T>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        current.as_ref().map(Arc::clone)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    async fn load_counting(snapshot: &Snapshot<usize>, loads: &AtomicUsize) -> usize {
        let value = snapshot
            .get_or_load(|| async { Ok::<_, ()>(loads.fetch_add(1, Ordering::SeqCst) + 1) })
            .await
            .expect("loads");
        *value
    }

    #[tokio::test]
    async fn a_value_is_loaded_once_until_invalidated() {
        let snapshot = Snapshot::default();
        let loads = AtomicUsize::new(0);
        assert_eq!(load_counting(&snapshot, &loads).await, 1);
        assert_eq!(load_counting(&snapshot, &loads).await, 1);
        snapshot.invalidate();
        assert_eq!(load_counting(&snapshot, &loads).await, 2);
    }

    #[tokio::test]
    async fn a_failed_load_stores_nothing() {
        let snapshot: Snapshot<usize> = Snapshot::default();
        let failed = snapshot
            .get_or_load(|| async { Err::<usize, _>("down") })
            .await;
        assert_eq!(failed.err(), Some("down"));
        let loads = AtomicUsize::new(0);
        assert_eq!(load_counting(&snapshot, &loads).await, 1);
    }

    #[tokio::test]
    async fn a_load_overtaken_by_an_invalidation_is_not_kept() {
        let snapshot = Snapshot::default();
        let stale = snapshot
            .get_or_load(|| async {
                snapshot.invalidate();
                Ok::<_, ()>(0)
            })
            .await
            .expect("loads");
        assert_eq!(*stale, 0, "the caller still gets what it loaded");
        let loads = AtomicUsize::new(0);
        assert_eq!(load_counting(&snapshot, &loads).await, 1);
    }
}
