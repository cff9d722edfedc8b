//! Waiting for a condition with a deadline, never a sleep: a fast server passes fast, a slow
//! one fails with what it still saw.

use std::fmt::Debug;
use std::future::Future;
use std::time::{Duration, Instant};

/// Between two attempts: short against the deadlines (1 s for a change to reach another
/// node), so the time reported is within a few milliseconds of the real one.
const POLL_INTERVAL: Duration = Duration::from_millis(5);

/// Runs `attempt` until it succeeds, and returns its value and how long that took (also
/// printed, for the propagation figures; `--nocapture` shows them). Panics with the last
/// failure once `deadline` has passed: a deadline, not a sleep, so a fast cluster passes
/// fast and a slow one fails with what it still saw.
pub async fn eventually<T, E, F, Fut>(
    what: &str,
    deadline: Duration,
    mut attempt: F,
) -> (T, Duration)
where
    E: Debug,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let started = Instant::now();
    loop {
        let outcome = attempt().await;
        let elapsed = started.elapsed();
        match outcome {
            Ok(value) => {
                eprintln!("{what}: after {elapsed:?}");
                return (value, elapsed);
            }
            Err(last) if elapsed >= deadline => {
                panic!("{what}: not within {deadline:?}; the last attempt saw {last:?}")
            }
            Err(_) => tokio::time::sleep(POLL_INTERVAL).await,
        }
    }
}
