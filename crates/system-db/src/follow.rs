//! Following the changes other nodes make (see `changes.rs`): on PostgreSQL a connection that
//! listens for the triggers' notifications, and on every backend a poll of the version as the
//! safety net.

use std::time::Duration;

use sqlx::postgres::PgListener;

use crate::SystemDb;

const CHANNEL: &str = "sluice_change";
/// How long a node waits before reconnecting a listener that failed.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);
/// Recorded changes are kept this long; a node further behind reloads everything.
const RETAIN_SECONDS: i64 = 3600;
/// Pruning runs on one poll in this many.
const PRUNE_EVERY_POLLS: u64 = 600;

impl SystemDb {
    /// Applies other nodes' changes until the returned future is dropped: as PostgreSQL
    /// notifies them, and by polling every `poll_every`. On SQLite (one node) only the poll
    /// runs, which also covers another process writing the same file.
    pub async fn follow_changes(&self, poll_every: Duration) {
        match self.listen_url() {
            Some(url) => tokio::join!(self.listen(url), self.poll(poll_every)).0,
            None => self.poll(poll_every).await,
        }
    }

    async fn poll(&self, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Logged when reading starts failing and when it works again, not on every poll of an
        // outage.
        let mut failing = false;
        for tick in 0u64.. {
            ticks.tick().await;
            if let Err(error) = self.catch_up().await {
                if !failing {
                    tracing::warn!(%error, "cannot read the change feed; retrying every poll");
                }
                failing = true;
                continue;
            }
            if std::mem::take(&mut failing) {
                tracing::info!("the change feed is read again");
            }
            if tick % PRUNE_EVERY_POLLS == PRUNE_EVERY_POLLS - 1 {
                let before = chrono::Utc::now().timestamp() - RETAIN_SECONDS;
                if let Err(error) = self.prune_changes(before).await {
                    tracing::warn!(%error, "cannot prune the change feed");
                }
            }
        }
    }

    /// `try_recv`, not `recv`: `recv` reconnects silently and loses what was sent meanwhile.
    /// Every (re)connection is followed by a reload of everything, which covers that gap.
    async fn listen(&self, url: &str) {
        // As in `poll`: one line when listening fails, one when it works again.
        let mut failing = false;
        loop {
            match self.listening(url).await {
                Ok(listener) => {
                    if std::mem::take(&mut failing) {
                        tracing::info!("listening for changes of other nodes again");
                    }
                    let error = self.receive(listener).await;
                    tracing::warn!(%error, "the change-feed listener lost its connection");
                }
                Err(error) => {
                    if !failing {
                        tracing::warn!(%error, "cannot listen for changes of other nodes; retrying");
                    }
                    failing = true;
                }
            }
            tokio::time::sleep(RECONNECT_AFTER).await;
        }
    }

    /// Applies notified changes until the listener fails to reconnect; that failure.
    async fn receive(&self, mut listener: PgListener) -> sqlx::Error {
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => {
                    // One catch-up covers every notification already received.
                    while listener.next_buffered().is_some() {}
                    self.apply_notified().await;
                }
                // Lost, and already reconnected and listening again.
                Ok(None) => self.resync_logged().await,
                Err(error) => return error,
            }
        }
    }

    async fn listening(&self, url: &str) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        self.resync_logged().await;
        Ok(listener)
    }

    async fn apply_notified(&self) {
        if let Err(error) = self.catch_up().await {
            tracing::warn!(%error, "cannot apply a notified change yet");
        }
    }

    async fn resync_logged(&self) {
        if let Err(error) = self.resync().await {
            tracing::warn!(%error, "cannot reload after reconnecting to the change feed");
        }
    }
}
