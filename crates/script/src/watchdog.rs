//! One thread that marks a call's budget expired when its deadline passes, so the metered
//! allocator (`alloc.rs`) can refuse allocations without reading the clock itself. It sleeps
//! until the nearest armed deadline, and without any until it is woken.

use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Instant;

use crate::alloc::Budget;

#[derive(Default)]
struct Armed {
    /// The running calls: their budget and deadline.
    calls: Vec<(Arc<Budget>, Instant)>,
}

pub(crate) struct Watchdog {
    armed: Mutex<Armed>,
    wake: Condvar,
}

impl Watchdog {
    /// The process's watchdog, started on first use.
    pub(crate) fn global() -> &'static Watchdog {
        static WATCHDOG: OnceLock<&'static Watchdog> = OnceLock::new();
        WATCHDOG.get_or_init(|| {
            let watchdog: &'static Watchdog = Box::leak(Box::new(Watchdog {
                armed: Mutex::new(Armed::default()),
                wake: Condvar::new(),
            }));
            std::thread::Builder::new()
                .name("script-watchdog".into())
                .spawn(move || watchdog.watch())
                .expect("cannot start the script watchdog thread");
            watchdog
        })
    }

    /// Watches `budget` until [`Watchdog::disarm`]: at `deadline` it is marked expired.
    pub(crate) fn arm(&self, budget: &Arc<Budget>, deadline: Instant) {
        let mut armed = self.armed.lock().expect("watchdog lock poisoned");
        armed.calls.push((Arc::clone(budget), deadline));
        self.wake.notify_one();
    }

    pub(crate) fn disarm(&self, budget: &Arc<Budget>) {
        let mut armed = self.armed.lock().expect("watchdog lock poisoned");
        armed.calls.retain(|(b, _)| !Arc::ptr_eq(b, budget));
    }

    fn watch(&self) {
        let mut armed = self.armed.lock().expect("watchdog lock poisoned");
        loop {
            let now = Instant::now();
            armed.calls.retain(|(budget, deadline)| {
                let passed = *deadline <= now;
                if passed {
                    budget.expire();
                }
                !passed
            });
            armed = match armed.calls.iter().map(|(_, d)| *d).min() {
                Some(next) => {
                    let wait = next.saturating_duration_since(now);
                    self.wake
                        .wait_timeout(armed, wait)
                        .expect("watchdog lock poisoned")
                        .0
                }
                None => self.wake.wait(armed).expect("watchdog lock poisoned"),
            };
        }
    }
}
