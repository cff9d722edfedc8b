//! What tests take from their surroundings: settings from literals, the machine's Redis, and
//! names no other test (or earlier run) uses.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// `SLUICE__...` settings for [`TestApp::spawn_with_env`](crate::TestApp::spawn_with_env),
/// from pairs of literals.
pub fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

/// The machine's Redis (`SLUICE_TEST_REDIS_URL`), which `.ci/run` starts when it is down.
/// Tests sharing it keep their keys apart with a `unique_name` key prefix.
pub fn redis_url() -> String {
    std::env::var("SLUICE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A name no other test uses, `prefix_<pid>_<microseconds>_<n>`: unique among parallel
/// tests (the counter), test processes (the pid) and earlier runs, whose leftovers a killed
/// process may have left behind (the clock). Lowercase ASCII, digits and underscores, so it
/// is a valid database, service or file name as it is.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_micros());
    format!(
        "{prefix}_{}_{micros}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs the future `work` makes to completion on a runtime of its own, in a thread of its
/// own, and waits for it: for a `Drop` (synchronous, and possibly inside a test's runtime)
/// that must clean up a database.
pub fn on_own_runtime<F, Fut>(work: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let _ = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(work());
    })
    .join();
}
