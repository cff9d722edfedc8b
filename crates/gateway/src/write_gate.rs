//! Bounds how many record writes read, parse and run their bodies at once. Each database
//! has one writer, so requests beyond a few only wait; parsed JSON is several times the size
//! of its text (a 1,000-record batch is about 1 MiB as `serde_json::Value`), so 64 batches
//! read and parsed up front while they queued took Sluice's resident memory past 130 MiB in
//! the benchmark. Waiting requests now leave their bodies unread in the connection.

use std::time::Duration;

use sluice_connector_core::ConnectorError;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::ApiError;

/// The fewest writes parsed and running at once: one parsing while another runs keeps a
/// database's writer fed even with a single HTTP worker.
const FEWEST_TURNS: usize = 2;

pub struct WriteGate {
    permits: Semaphore,
    /// `sqlite.acquire_timeout_ms`: the same bound as the wait for the writer itself.
    wait: Duration,
}

impl WriteGate {
    /// One turn per HTTP worker (at least two), across all services. Parsing a body and
    /// running its statements are CPU work on the workers and the writers, so further turns
    /// mostly hold parsed batches while they queue: with four turns on two cores, 1,000-record
    /// inserts ran 6-11% faster but the peak held 2.4-3 MiB more (docs/PERFORMANCE.md).
    pub fn new(workers: usize, wait: Duration) -> Self {
        Self {
            permits: Semaphore::new(workers.max(FEWEST_TURNS)),
            wait,
        }
    }

    /// Waits for a turn; the write runs while the permit lives.
    ///
    /// # Errors
    ///
    /// 503 with Retry-After, as for a busy database, when no turn comes within the wait.
    pub async fn enter(&self) -> Result<SemaphorePermit<'_>, ApiError> {
        match tokio::time::timeout(self.wait, self.permits.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ConnectorError::Busy.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_write_waiting_past_the_bound_is_told_the_database_is_busy() {
        let gate = WriteGate::new(3, Duration::from_millis(20));
        let held: Vec<_> = futures::future::try_join_all((0..3).map(|_| gate.enter()))
            .await
            .expect("every permit is free");
        let refused = gate.enter().await.expect_err("no permit left");
        assert_eq!(refused.status.as_u16(), 503);
        drop(held);
        assert!(gate.enter().await.is_ok(), "free again once a write ends");
    }

    #[tokio::test]
    async fn one_worker_still_gets_two_turns() {
        let gate = WriteGate::new(1, Duration::from_millis(20));
        let first = gate.enter().await.expect("a first turn");
        let second = gate.enter().await.expect("a second turn");
        assert!(gate.enter().await.is_err(), "no third turn");
        drop((first, second));
    }
}
