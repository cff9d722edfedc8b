//! The threads that run SQLite. Each connection of a database is owned by its own thread
//! (a "lane"): `pool_size` read lanes, opened read-only, and one write lane, so writes of
//! this process are serialised and never meet "database is locked" among themselves (only
//! another process holding the write lock past the busy timeout makes a write fail, with
//! `ConnectorError::Busy`).
//!
//! A request queues its job on a channel the lanes share and awaits the answer; a lane that
//! finishes a job takes the next one straight from the queue. Under load a query therefore
//! starts without waking any thread, where `spawn_blocking` behind a semaphore cost two
//! thread hand-offs per read, and only a fixed few threads ever touch SQLite (the blocking
//! pool grew to about 25, each with its own allocator state; docs/PERFORMANCE.md). A request
//! waits at most `acquire_timeout` for a lane to take its job.
//!
//! # A job's life
//!
//! ```text
//!   Lanes::run
//!       |
//!       v       a lane receives it and wins the claim
//!   [queued] --------------------------------------> [taken] -- opening the connection --+
//!       |                                               |          failed               |
//!       | acquire_timeout ran out, or the request's     | connection current,           |
//!       | future was dropped, and it won the claim      | or (re)opened for it          |
//!       v                                               v                               v
//!   [abandoned]                                     [running] -- the job returned --> [answered]
//!   never runs: a lane that                             |
//!   receives it skips it                                +------- the job panicked --> [panicked]
//! ```
//!
//! - queued -> taken | abandoned: the request and the lanes race for the job's `Claim` with
//!   one compare-exchange, so exactly one wins. A taken job runs to its answer even when the
//!   request's wait runs out a moment later (the request then waits for that answer, so a
//!   write that happened is never reported as `Busy`); an abandoned job never runs, so a
//!   request answered `Busy` or gone has written nothing.
//! - taken -> running: the connection is from the current generation (opened after the last
//!   `invalidate`), a transaction a failed earlier job left open is rolled back, and the
//!   statement deadline is armed for the whole job.
//! - taken -> answered: the connection could not be opened; the job's answer is that error
//!   (`Unavailable` for a missing or damaged file) and the job's work never runs.
//! - running -> answered: the result goes to the request if it still waits. An
//!   `Unavailable` result discards the connection (the file vanished or turned corrupt).
//! - running -> panicked: the job's answer is dropped unsent, so its request gets
//!   `Internal`; the connection is dropped, since the job may have left it half-way.
//!
//! # A lane's life
//!
//! ```text
//!   started by a request that found no lane idle (at most `pool_size` read lanes,
//!   one write lane; the first read lane starts with the connection `reads` opened)
//!       |
//!       v         takes a job, connection current
//!   [idle] ---------------------------------------> [running] --- job answered or
//!     ^  \                                              ^         panicked ---> [idle]
//!     |   \ takes a job: no connection yet, or one     |
//!     |    v from before an invalidate, or discarded    |
//!     |   [reopening] ---------- opened ---------------+
//!     |        |
//!     +--------+ open failed: the job answered with the error, no connection kept
//!
//!   [idle] -- the pool dropped and the queue drained --> the thread ends
//! ```
//!
//! - idle: counted in `Shared::idle`; while none is idle, each new request starts another
//!   lane until the lane count is reached, so lanes appear only under load. A lane idle for
//!   `idle_release` hands its connection's cached pages back and keeps waiting.
//! - reopening: after an `invalidate` (a schema change, a replaced file) or a discarded
//!   connection, the next job runs on a connection opened after it; a failed open keeps
//!   no connection, so every later job tries again and a restored file is served without a
//!   restart.
//! - running: one job per lane at a time; a job answered `Unavailable` or a panic leaves
//!   the lane without a connection (back to reopening on its next job).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use rusqlite::Connection;
use sluice_connector_core::ConnectorError;
use tokio::sync::oneshot;

use crate::connection::HardenedConnection;
use crate::options::SqliteOptions;

pub(crate) struct Lanes {
    jobs: Sender<Job>,
    shared: Arc<Shared>,
}

struct Shared {
    path: PathBuf,
    options: SqliteOptions,
    kind: Kind,
    /// Lanes take their jobs here; the channel closes when the pool is dropped, and the
    /// lanes end after the jobs already queued.
    queue: Receiver<Job>,
    /// Lanes started so far; at most `Kind::lanes`, started as load needs them. An atomic,
    /// not a lock: under full load every request asks, and nearly always all have started.
    lanes: AtomicUsize,
    /// Lanes waiting for a job right now.
    idle: AtomicUsize,
    /// Bumped by `invalidate`; a lane whose connection is from an older generation opens a
    /// new one before its next job, so no statement prepared against the old schema
    /// survives and a file that was replaced or damaged meanwhile is seen as it is now.
    generation: AtomicU64,
    /// Times an idle lane handed its connection's cached pages back.
    releases: AtomicU64,
}

#[derive(Clone, Copy)]
enum Kind {
    Read,
    Write,
}

impl Kind {
    fn lanes(self, options: &SqliteOptions) -> usize {
        match self {
            Kind::Read => options.pool_size.max(1),
            Kind::Write => 1,
        }
    }

    fn open(self, shared: &Shared, generation: u64) -> Result<HardenedConnection, ConnectorError> {
        match self {
            Kind::Read => HardenedConnection::open_read(&shared.path, &shared.options, generation),
            Kind::Write => {
                HardenedConnection::open_write(&shared.path, &shared.options, generation)
            }
        }
    }

    fn thread_name(self) -> &'static str {
        match self {
            Kind::Read => "sqlite-read",
            Kind::Write => "sqlite-write",
        }
    }
}

/// What a lane does with its connection after a job.
enum Verdict {
    Keep,
    /// The job saw the file vanish or turn corrupt: the next job opens a fresh connection
    /// and reports the state it finds.
    Discard,
}

type Work = Box<dyn FnOnce(Result<&Connection, ConnectorError>) -> Verdict + Send>;

struct Job {
    claim: Arc<Claim>,
    work: Work,
}

/// Who owns a queued job: still waiting, taken by a lane, or given up by its request
/// (timed out or cancelled), in which case no lane runs it.
struct Claim(AtomicU8);

const WAITING: u8 = 0;
const TAKEN: u8 = 1;
const ABANDONED: u8 = 2;

impl Claim {
    fn settle(&self, to: u8) -> bool {
        self.0
            .compare_exchange(WAITING, to, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

/// Abandons the job if the request goes away (its future dropped) before a lane took it.
struct Ticket(Arc<Claim>);

impl Drop for Ticket {
    fn drop(&mut self) {
        self.0.settle(ABANDONED);
    }
}

impl Lanes {
    /// The read lanes of `path`. Opens the first connection now, so a missing or broken
    /// file fails here rather than on the first request.
    pub(crate) fn reads(path: PathBuf, options: SqliteOptions) -> Result<Self, ConnectorError> {
        let first = HardenedConnection::open_read(&path, &options, 0)?;
        Ok(Self::new(path, options, Kind::Read, Some(first)))
    }

    /// The write lane of `path`. Its connection opens on the first write, so a service
    /// whose file is read-only can still be read.
    pub(crate) fn writer(path: PathBuf, options: SqliteOptions) -> Self {
        Self::new(path, options, Kind::Write, None)
    }

    fn new(
        path: PathBuf,
        options: SqliteOptions,
        kind: Kind,
        first: Option<HardenedConnection>,
    ) -> Self {
        let (jobs, queue) = crossbeam_channel::unbounded();
        let lanes = Self {
            jobs,
            shared: Arc::new(Shared {
                path,
                options,
                kind,
                queue,
                lanes: AtomicUsize::new(0),
                idle: AtomicUsize::new(0),
                generation: AtomicU64::new(0),
                releases: AtomicU64::new(0),
            }),
        };
        if first.is_some() {
            lanes.start_lane(first);
        }
        lanes
    }

    pub(crate) fn invalidate(&self) {
        self.shared.generation.fetch_add(1, Ordering::Relaxed);
    }

    #[cfg(test)]
    fn releases(&self) -> u64 {
        self.shared.releases.load(Ordering::Acquire)
    }

    /// Jobs in the queue that no lane has taken yet (abandoned ones included until a lane
    /// skips them): one atomic read of the channel's length.
    pub(crate) fn queued(&self) -> usize {
        self.jobs.len()
    }

    /// Runs `job` on the connection of one of the lanes, with the statement deadline armed
    /// over the whole job.
    ///
    /// # Errors
    ///
    /// `Busy` when no lane takes the job within `acquire_timeout`; the connection's open
    /// errors; whatever `job` returns; `Internal` if the job panicked (its connection is
    /// then dropped).
    pub(crate) async fn run<T, F>(self: &Arc<Self>, job: F) -> Result<T, ConnectorError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ConnectorError> + Send + 'static,
    {
        let (answer, mut receiver) = oneshot::channel();
        let claim = Arc::new(Claim(AtomicU8::new(WAITING)));
        let ticket = Ticket(Arc::clone(&claim));
        let work: Work = Box::new(move |connection| {
            let result = connection.and_then(job);
            let verdict = match result {
                Err(ConnectorError::Unavailable(_)) => Verdict::Discard,
                _ => Verdict::Keep,
            };
            // The request may have gone away meanwhile; nobody is left to tell.
            let _ = answer.send(result);
            verdict
        });
        self.jobs.send(Job { claim, work }).map_err(|_closed| {
            ConnectorError::Internal("the database lanes are closed".to_owned())
        })?;
        if self.shared.idle.load(Ordering::Acquire) == 0 {
            self.start_lane(None);
        }
        let answer =
            match tokio::time::timeout(self.shared.options.acquire_timeout, &mut receiver).await {
                Ok(answer) => answer,
                Err(_elapsed) if ticket.0.settle(ABANDONED) => return Err(ConnectorError::Busy),
                // A lane took the job just as the wait ran out: its answer is on the way.
                Err(_elapsed) => receiver.await,
            };
        drop(ticket);
        answer.map_err(|_lost| ConnectorError::Internal("a database task failed".to_owned()))?
    }

    /// Starts another lane unless all are running.
    fn start_lane(&self, connection: Option<HardenedConnection>) {
        let kind = self.shared.kind;
        let most = kind.lanes(&self.shared.options);
        let reserved =
            self.shared
                .lanes
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |started| {
                    (started < most).then_some(started + 1)
                });
        if reserved.is_err() {
            return;
        }
        let shared = Arc::clone(&self.shared);
        let started = std::thread::Builder::new()
            .name(kind.thread_name().to_owned())
            .spawn(move || lane(&shared, connection));
        if let Err(error) = started {
            self.shared.lanes.fetch_sub(1, Ordering::AcqRel);
            // The lanes already running serve the queue; with none, requests time out as
            // Busy and the next request tries again.
            tracing::warn!(%error, "could not start a database thread");
        }
    }
}

/// The next job; when none comes within `idle_release`, the connection's cached pages go
/// back to the allocator first, then the lane waits as long as it takes.
fn next_job(shared: &Shared, connection: Option<&HardenedConnection>) -> Option<Job> {
    match shared.queue.recv_timeout(shared.options.idle_release) {
        Ok(job) => return Some(job),
        Err(RecvTimeoutError::Disconnected) => return None,
        Err(RecvTimeoutError::Timeout) => {}
    }
    if let Some(open) = connection {
        // Only frees pages no statement holds; nothing can fail that a job would notice.
        let _ = open.connection.release_memory();
        shared.releases.fetch_add(1, Ordering::AcqRel);
    }
    shared.queue.recv().ok()
}

/// One lane: takes jobs until the pool is dropped, opening its connection when it first
/// needs one and again after an invalidation or a discarded connection.
fn lane(shared: &Shared, mut connection: Option<HardenedConnection>) {
    loop {
        shared.idle.fetch_add(1, Ordering::AcqRel);
        let next = next_job(shared, connection.as_ref());
        shared.idle.fetch_sub(1, Ordering::AcqRel);
        let Some(Job { claim, work }) = next else {
            return;
        };
        if !claim.settle(TAKEN) {
            continue;
        }
        let generation = shared.generation.load(Ordering::Relaxed);
        let current = match connection.take() {
            Some(open) if open.generation == generation => Ok(open),
            _ => shared.kind.open(shared, generation),
        };
        let open = match current {
            Ok(open) => open,
            Err(error) => {
                work(Err(error));
                continue;
            }
        };
        // A job that failed half-way may have left its transaction open.
        if !open.connection.is_autocommit() {
            let _ = open.connection.execute_batch("ROLLBACK");
        }
        open.arm(shared.options.statement_timeout);
        let verdict = catch_unwind(AssertUnwindSafe(|| work(Ok(&open.connection))));
        open.disarm();
        // A job that panicked dropped its answer; its request reports an internal error.
        if let Ok(Verdict::Keep) = verdict {
            connection = Some(open);
        }
    }
}

#[cfg(test)]
mod tests;
