//! The counters of a single node, in process. One lock covers every counter: a request's
//! limits are checked and counted together, and the critical section is a few map lookups,
//! far shorter than anything else a request does.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::counter::{Allowance, CounterState, apply};

/// Counters at which the map is next swept of expired ones; it then doubles with what stays.
const FIRST_SWEEP_AT: usize = 1024;

#[derive(Debug)]
pub struct LocalCounters {
    inner: Mutex<Counters>,
}

#[derive(Debug)]
struct Counters {
    by_key: HashMap<String, CounterState>,
    sweep_at: usize,
}

impl Default for LocalCounters {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Counters {
                by_key: HashMap::new(),
                sweep_at: FIRST_SWEEP_AT,
            }),
        }
    }
}

impl LocalCounters {
    /// Applies one request to the counters of `keys` and returns them as saved.
    pub fn hit(&self, keys: &[&str], allowances: &[Allowance], now: i64) -> Vec<CounterState> {
        let mut counters = self.lock();
        let mut states: Vec<CounterState> = keys
            .iter()
            .map(|key| counters.by_key.get(*key).copied().unwrap_or_default())
            .collect();
        apply(allowances, &mut states, now);
        for (key, state) in keys.iter().zip(&states) {
            match counters.by_key.get_mut(*key) {
                Some(stored) => *stored = *state,
                None => {
                    counters.by_key.insert((*key).to_owned(), *state);
                }
            }
        }
        if counters.by_key.len() >= counters.sweep_at {
            counters.by_key.retain(|_, state| state.expires_at() > now);
            counters.sweep_at = (counters.by_key.len() * 2).max(FIRST_SWEEP_AT);
        }
        states
    }

    /// The counters of `keys` as they stand.
    pub fn read(&self, keys: &[String]) -> Vec<CounterState> {
        let counters = self.lock();
        keys.iter()
            .map(|key| counters.by_key.get(key).copied().unwrap_or_default())
            .collect()
    }

    /// Forgets the counters of `keys`.
    pub fn reset(&self, keys: &[String]) {
        let mut counters = self.lock();
        for key in keys {
            counters.by_key.remove(key);
        }
    }

    /// Forgets every counter.
    pub fn reset_all(&self) {
        self.lock().by_key.clear();
    }

    fn lock(&self) -> MutexGuard<'_, Counters> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_persist_between_hits_and_expired_ones_are_swept() {
        let store = LocalCounters::default();
        let limit = [Allowance {
            rate: 1,
            period_ms: 1000,
        }];
        assert_eq!(store.hit(&["a"], &limit, 0)[0].attempts, 1);
        assert!(store.hit(&["a"], &limit, 10)[0].is_locked(10));
        for i in 0..FIRST_SWEEP_AT {
            store.hit(&[&format!("k{i}")], &limit, 5000);
        }
        assert_eq!(store.read(&["a".to_string()]), [CounterState::default()]);
        store.reset_all();
        assert_eq!(store.read(&["k1".to_string()]), [CounterState::default()]);
    }
}
