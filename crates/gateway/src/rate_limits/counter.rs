//! The counter state machine, DreamFactory's semantics over an explicit `now`: `rate`
//! requests pass in a window of one period that starts with the first of them; the request
//! that finds the count at `rate` exceeds the limit, which locks it out for one period from
//! that moment (the count starts again after).
//!
//! A request is checked against all its limits at once: it passes only when none is locked
//! out or full, and only then is it counted, by every one of them. A refused request counts
//! nowhere; it locks out each limit it found full. The Redis store runs the same steps in Lua
//! (`redis_store.rs`); both are tested against the same expectations.

/// One counter as stored. Times are milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CounterState {
    /// Requests counted in the current window.
    pub attempts: i64,
    /// When the current window ends (no window before the first request).
    pub window_ends: i64,
    /// Until when the limit refuses every request (0: not locked out).
    pub locked_until: i64,
}

impl CounterState {
    /// The attempts that count at `now`: none once the window has ended.
    pub fn attempts_at(&self, now: i64) -> i64 {
        if self.window_ends <= now {
            0
        } else {
            self.attempts
        }
    }

    pub fn is_locked(&self, now: i64) -> bool {
        self.locked_until > now
    }

    /// When this counter no longer holds anything: a store may forget it then.
    pub fn expires_at(&self) -> i64 {
        self.window_ends.max(self.locked_until)
    }
}

/// A limit as the counter sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub rate: i64,
    pub period_ms: i64,
}

/// Applies one request to the counters of all its limits (`states[i]` is the counter of
/// `allowances[i]`), changing them as the store must save them.
pub fn apply(allowances: &[Allowance], states: &mut [CounterState], now: i64) {
    for state in states.iter_mut() {
        if state.window_ends <= now {
            state.attempts = 0;
            state.window_ends = 0;
        }
    }
    let refused = allowances
        .iter()
        .zip(states.iter())
        .any(|(allowance, state)| state.is_locked(now) || state.attempts >= allowance.rate);
    for (allowance, state) in allowances.iter().zip(states.iter_mut()) {
        if refused {
            if !state.is_locked(now) && state.attempts >= allowance.rate {
                state.locked_until = now + allowance.period_ms;
                state.attempts = 0;
                state.window_ends = 0;
            }
        } else {
            if state.attempts == 0 {
                state.window_ends = now + allowance.period_ms;
            }
            state.attempts += 1;
        }
    }
}

/// What one request's check came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Counted; `index` is the tightest limit (fewest requests left, then smallest rate),
    /// `remaining` what it has left.
    Passed { index: usize, remaining: i64 },
    /// Refused; `index` is the limit that blocks longest, locked out until `until`.
    Refused { index: usize, until: i64 },
}

/// The verdict of the counters as [`apply`] left them. Since a refused request locks out
/// every limit it found full, the request was refused exactly when a counter is locked out.
/// `None` when there are no limits.
pub fn verdict(allowances: &[Allowance], states: &[CounterState], now: i64) -> Option<Verdict> {
    let blocking = states
        .iter()
        .enumerate()
        .filter(|(_, state)| state.is_locked(now))
        .max_by_key(|(_, state)| state.locked_until);
    if let Some((index, state)) = blocking {
        return Some(Verdict::Refused {
            index,
            until: state.locked_until,
        });
    }
    allowances
        .iter()
        .zip(states)
        .enumerate()
        .map(|(index, (allowance, state))| {
            (
                index,
                allowance.rate - state.attempts_at(now),
                allowance.rate,
            )
        })
        // Fewest requests left; of those, the smallest rate.
        .min_by_key(|(_, remaining, rate)| (*remaining, *rate))
        .map(|(index, remaining, _)| Verdict::Passed {
            index,
            remaining: remaining.max(0),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn per_minute(rate: i64) -> Allowance {
        Allowance {
            rate,
            period_ms: MINUTE,
        }
    }

    fn hit(allowances: &[Allowance], states: &mut [CounterState], now: i64) -> Verdict {
        apply(allowances, states, now);
        verdict(allowances, states, now).expect("limits")
    }

    #[test]
    fn rate_requests_pass_then_one_period_of_lock_out_from_the_moment_of_exceeding() {
        let limits = [per_minute(2)];
        let mut states = [CounterState::default()];
        let t0 = 1_000_000;
        assert_eq!(
            hit(&limits, &mut states, t0),
            Verdict::Passed {
                index: 0,
                remaining: 1
            }
        );
        assert_eq!(
            hit(&limits, &mut states, t0 + 10),
            Verdict::Passed {
                index: 0,
                remaining: 0
            }
        );
        let exceeded_at = t0 + 30_000;
        assert_eq!(
            hit(&limits, &mut states, exceeded_at),
            Verdict::Refused {
                index: 0,
                until: exceeded_at + MINUTE
            }
        );
        // Past the first window, but still within the lock-out.
        assert_eq!(
            hit(&limits, &mut states, t0 + MINUTE + 1),
            Verdict::Refused {
                index: 0,
                until: exceeded_at + MINUTE
            }
        );
        assert_eq!(
            hit(&limits, &mut states, exceeded_at + MINUTE),
            Verdict::Passed {
                index: 0,
                remaining: 1
            }
        );
    }

    #[test]
    fn a_window_ends_one_period_after_its_first_request() {
        let limits = [per_minute(1)];
        let mut states = [CounterState::default()];
        hit(&limits, &mut states, 0);
        assert_eq!(
            hit(&limits, &mut states, MINUTE),
            Verdict::Passed {
                index: 0,
                remaining: 0
            }
        );
    }

    #[test]
    fn a_refused_request_counts_nowhere_and_locks_only_the_full_limits() {
        let limits = [per_minute(1), per_minute(5)];
        let mut states = [CounterState::default(); 2];
        assert_eq!(
            hit(&limits, &mut states, 0),
            Verdict::Passed {
                index: 0,
                remaining: 0
            }
        );
        assert_eq!(
            hit(&limits, &mut states, 1),
            Verdict::Refused {
                index: 0,
                until: 1 + MINUTE
            }
        );
        assert_eq!(states[1].attempts, 1, "the refused request was not counted");
        assert!(!states[1].is_locked(1));
        assert_eq!(
            hit(&limits, &mut states, 1 + MINUTE),
            Verdict::Passed {
                index: 0,
                remaining: 0
            }
        );
    }

    #[test]
    fn the_tightest_limit_is_reported_on_success_and_the_longest_lock_out_on_refusal() {
        let limits = [
            per_minute(10),
            per_minute(3),
            Allowance {
                rate: 1,
                period_ms: 10 * MINUTE,
            },
        ];
        let mut states = [CounterState::default(); 3];
        assert_eq!(
            hit(&limits, &mut states, 0),
            Verdict::Passed {
                index: 2,
                remaining: 0
            }
        );
        assert_eq!(
            hit(&limits, &mut states, 5),
            Verdict::Refused {
                index: 2,
                until: 5 + 10 * MINUTE
            }
        );
    }

    #[test]
    fn no_limits_no_verdict() {
        assert_eq!(verdict(&[], &[], 0), None);
    }
}
