//! Requests a node may count against a shared (Redis) counter without asking Redis: when a
//! limit is far from full, the script grants a node a few requests ahead (a lease), and the
//! node serves them from memory. Far from the limit, this saves nearly every round trip; near
//! it, leases shrink to one request, so the count is exact where it decides anything.
//!
//! A lease is at most 1/[`LEASE_SHARE`] of what remained of the limit when it was granted
//! (and at most [`LEASE_MAX`]), so requests leased by one node and not yet served hold back
//! at most that much from the others; a lease ends with its counter's window.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use super::counter::{Allowance, CounterState};

/// A node may take ahead this fraction of what remains of a limit.
const LEASE_SHARE: i64 = 64;
/// And never more than this many requests.
const LEASE_MAX: i64 = 1_000;

#[derive(Debug, Clone, Copy)]
struct Lease {
    /// Requests granted and not yet served.
    unused: i64,
    /// The counter as Redis saved it when the lease was granted (its attempts include the
    /// whole grant).
    saved: CounterState,
}

#[derive(Debug, Default)]
pub struct Leases {
    by_key: Mutex<HashMap<String, Lease>>,
}

impl Leases {
    /// Serves one request from the leases of every key, if each has one left and its window
    /// is still open; returns the counters as this node sees them (attempts without the
    /// requests it still holds). `None`: Redis must decide.
    pub fn take(&self, keys: &[&str], now: i64) -> Option<Vec<CounterState>> {
        let mut leases = self.by_key.lock().unwrap_or_else(PoisonError::into_inner);
        let usable = |key: &&str| {
            leases
                .get(*key)
                .is_some_and(|lease| lease.unused > 0 && lease.saved.window_ends > now)
        };
        if !keys.iter().all(usable) {
            return None;
        }
        let mut states = Vec::with_capacity(keys.len());
        for key in keys {
            if let Some(lease) = leases.get_mut(*key) {
                lease.unused -= 1;
                states.push(seen(lease));
            }
        }
        Some(states)
    }

    /// How many requests to ask Redis for, for each of `keys`: one unless a lease showed the
    /// limit far from full.
    pub fn wanted(&self, keys: &[&str], allowances: &[Allowance]) -> Vec<i64> {
        let leases = self.by_key.lock().unwrap_or_else(PoisonError::into_inner);
        keys.iter()
            .zip(allowances)
            .map(|(key, allowance)| {
                let remaining = leases
                    .get(*key)
                    .map_or(0, |lease| allowance.rate - lease.saved.attempts);
                (remaining / LEASE_SHARE).clamp(1, LEASE_MAX)
            })
            .collect()
    }

    /// Keeps what Redis granted this request (`granted[i]` requests for `keys[i]`, one of
    /// them this request's) and returns the counters as this node sees them.
    pub fn keep(
        &self,
        keys: &[&str],
        saved: &[CounterState],
        granted: &[i64],
    ) -> Vec<CounterState> {
        let mut leases = self.by_key.lock().unwrap_or_else(PoisonError::into_inner);
        keys.iter()
            .zip(saved.iter().zip(granted))
            .map(|(key, (saved, granted))| {
                let unused = (granted - 1).max(0);
                let lease = match leases.get(*key) {
                    // Granted in the same window: requests still held there stay usable.
                    Some(held) if held.saved.window_ends == saved.window_ends && *granted > 0 => {
                        Lease {
                            unused: held.unused + unused,
                            saved: *saved,
                        }
                    }
                    _ => Lease {
                        unused,
                        saved: *saved,
                    },
                };
                leases.insert((*key).to_owned(), lease);
                seen(&lease)
            })
            .collect()
    }

    /// Forgets the leases of `keys` (their counters were reset).
    pub fn forget(&self, keys: &[String]) {
        let mut leases = self.by_key.lock().unwrap_or_else(PoisonError::into_inner);
        for key in keys {
            leases.remove(key);
        }
    }

    /// Forgets every lease (the limits changed, or every counter was reset).
    pub fn forget_all(&self) {
        self.by_key
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// The counter as this node sees it: the requests it holds are not counted yet.
fn seen(lease: &Lease) -> CounterState {
    CounterState {
        attempts: lease.saved.attempts - lease.unused,
        ..lease.saved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000;

    fn key(name: &str) -> [&str; 1] {
        [name]
    }

    fn saved(attempts: i64) -> CounterState {
        CounterState {
            attempts,
            window_ends: NOW + 60_000,
            locked_until: 0,
        }
    }

    #[test]
    fn near_the_limit_every_request_asks_redis() {
        let leases = Leases::default();
        let small = [Allowance {
            rate: 100,
            period_ms: 60_000,
        }];
        assert_eq!(leases.wanted(&key("k"), &small), [1]);
        leases.keep(&key("k"), &[saved(1)], &[1]);
        assert_eq!(leases.wanted(&key("k"), &small), [1]);
        assert_eq!(leases.take(&key("k"), NOW), None);
    }

    #[test]
    fn far_from_the_limit_a_grant_serves_the_next_requests_from_memory() {
        let leases = Leases::default();
        let large = [Allowance {
            rate: 1_000_000,
            period_ms: 60_000,
        }];
        leases.keep(&key("k"), &[saved(1)], &[1]);
        assert_eq!(leases.wanted(&key("k"), &large), [LEASE_MAX]);
        // Granted 1,000: this request and 999 held; the node sees 1 + ... counted.
        let seen_now = leases.keep(&key("k"), &[saved(1_001)], &[1_000]);
        assert_eq!(seen_now[0].attempts, 2);
        let next = leases.take(&key("k"), NOW).expect("served from the lease");
        assert_eq!(next[0].attempts, 3);
        // The window ended: Redis decides again.
        assert_eq!(leases.take(&key("k"), NOW + 60_000), None);
    }

    #[test]
    fn a_request_with_a_key_without_a_lease_asks_redis() {
        let leases = Leases::default();
        leases.keep(&key("a"), &[saved(10)], &[50]);
        let both = ["a", "b"];
        assert_eq!(leases.take(&both, NOW), None);
        leases.forget(&["a".to_string()]);
        assert_eq!(leases.take(&key("a"), NOW), None);
    }
}
