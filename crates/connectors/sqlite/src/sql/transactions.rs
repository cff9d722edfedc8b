//! Transactions that span requests. Each one owns a connection of its own, on a thread of
//! its own (like a lane, but its connection stays inside the transaction between jobs),
//! so its statements run in order and never on a connection another request uses.
//!
//! ```text
//!   reserve (a slot; at most `max_transactions` open or reserved)
//!      |  BEGIN on the new thread's connection
//!      v  succeeded: the slot becomes the open entry (id -> owner, jobs)
//!   [open] -- a statement with its txId: a job on its thread, in order --> [open]
//!      |  the connection is back in autocommit after a job (COMMIT, ROLLBACK,
//!      |  or SQLite ended it itself)             -> entry removed, thread ends
//!      |  no job for `idle_timeout`               -> entry removed, thread ends
//!      v
//!   [ended]: the connection is closed, which rolls back anything uncommitted
//! ```
//!
//! A statement finds its transaction by id and owner under the registry lock, then sends
//! its job outside it. A transaction that expires in between drops the job unrun, and the
//! statement reports the transaction gone (it was idle for the whole timeout).

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use sluice_connector_core::ConnectorError;

use crate::connection::HardenedConnection;
use crate::options::SqliteOptions;

/// A transaction's connection as its jobs see it, with what the transaction did so far.
pub(crate) struct TxConnection {
    pub(crate) open: HardenedConnection,
    /// Whether the connection is read-only (a role without write access).
    pub(crate) read_only: bool,
    pub(crate) wrote: bool,
    pub(crate) ddl: bool,
}

pub(crate) type TxJob = Box<dyn FnOnce(Result<&mut TxConnection, ConnectorError>) + Send>;

struct Entry {
    owner: String,
    jobs: Sender<TxJob>,
}

#[derive(Default)]
struct State {
    open: HashMap<String, Entry>,
    reserved: usize,
}

pub(crate) struct Transactions {
    state: Mutex<State>,
    max: usize,
    idle: Duration,
}

/// One slot for a transaction about to open; given back when dropped unused.
pub(crate) struct Reservation {
    registry: Arc<Transactions>,
    used: bool,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if !self.used {
            self.registry.lock().reserved -= 1;
        }
    }
}

impl Transactions {
    pub(crate) fn new(max: usize, idle: Duration) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::default(),
            max,
            idle,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic never happens with the lock held (plain map updates), but if one did the
        // map is still consistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Transactions open now.
    pub(crate) fn open_count(&self) -> usize {
        self.lock().open.len()
    }

    /// `count` slots, or `None` when that many would exceed the bound.
    pub(crate) fn reserve(self: &Arc<Self>, count: usize) -> Option<Vec<Reservation>> {
        let mut state = self.lock();
        if state.open.len() + state.reserved + count > self.max {
            return None;
        }
        state.reserved += count;
        drop(state);
        Some(
            (0..count)
                .map(|_| Reservation {
                    registry: Arc::clone(self),
                    used: false,
                })
                .collect(),
        )
    }

    /// Whether `id` is an open transaction of `owner`.
    pub(crate) fn owned_by(&self, id: &str, owner: &str) -> bool {
        self.lock().open.get(id).is_some_and(|e| e.owner == owner)
    }

    /// The job queue of `owner`'s open transaction `id`.
    pub(crate) fn find(&self, id: &str, owner: &str) -> Option<Sender<TxJob>> {
        let state = self.lock();
        let entry = state.open.get(id).filter(|e| e.owner == owner)?;
        Some(entry.jobs.clone())
    }

    /// The transaction's `BEGIN` succeeded: its reservation becomes the open entry.
    pub(crate) fn admit(
        &self,
        mut reservation: Reservation,
        id: String,
        owner: String,
        jobs: Sender<TxJob>,
    ) {
        let mut state = self.lock();
        state.reserved -= 1;
        reservation.used = true;
        state.open.insert(id, Entry { owner, jobs });
    }

    pub(crate) fn end(&self, id: &str) {
        self.lock().open.remove(id);
    }

    /// Ends `id` when no job is waiting for it: it was idle for the whole timeout.
    fn expire(&self, id: &str, queue: &Receiver<TxJob>) -> bool {
        let mut state = self.lock();
        if !queue.is_empty() {
            return false;
        }
        state.open.remove(id);
        true
    }

    /// Starts the thread of a transaction that will be `id` once its `BEGIN` (the first
    /// job sent on the returned queue) succeeds. Its connection is read-only when
    /// `read_only`.
    pub(crate) fn spawn(
        self: &Arc<Self>,
        id: String,
        path: PathBuf,
        options: SqliteOptions,
        read_only: bool,
    ) -> Result<Sender<TxJob>, ConnectorError> {
        let (jobs, queue) = crossbeam_channel::unbounded::<TxJob>();
        let registry = Arc::downgrade(self);
        let idle = self.idle;
        std::thread::Builder::new()
            .name("sqlite-tx".to_owned())
            .spawn(move || serve(&registry, &id, &path, &options, read_only, &queue, idle))
            .map_err(|error| {
                tracing::warn!(%error, "could not start a transaction thread");
                ConnectorError::Busy
            })?;
        Ok(jobs)
    }
}

/// A transaction's thread: opens its connection, runs its jobs in order, and ends (closing
/// the connection, which rolls back what was not committed) when the transaction ends, when
/// it was idle for `idle`, or when the engine is gone.
fn serve(
    registry: &Weak<Transactions>,
    id: &str,
    path: &std::path::Path,
    options: &SqliteOptions,
    read_only: bool,
    queue: &Receiver<TxJob>,
    idle: Duration,
) {
    let opened = if read_only {
        HardenedConnection::open_read(path, options, 0)
    } else {
        HardenedConnection::open_write(path, options, 0)
    };
    let mut connection = match opened {
        Ok(open) => TxConnection {
            open,
            read_only,
            wrote: false,
            ddl: false,
        },
        Err(error) => {
            if let Ok(job) = queue.recv() {
                job(Err(error));
            }
            return;
        }
    };
    loop {
        let job = match queue.recv_timeout(idle) {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => {
                let Some(registry) = registry.upgrade() else {
                    return;
                };
                if registry.expire(id, queue) {
                    tracing::info!(
                        idle_timeout_ms = u64::try_from(idle.as_millis()).unwrap_or(u64::MAX),
                        "transaction rolled back after its idle timeout"
                    );
                    return;
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        connection.open.arm(options.statement_timeout);
        let ran = catch_unwind(AssertUnwindSafe(|| job(Ok(&mut connection))));
        connection.open.disarm();
        // COMMIT, ROLLBACK, or SQLite ended the transaction itself (an error that rolls
        // back, `RAISE(ROLLBACK)`): nothing is left to keep it for.
        if ran.is_err() || connection.open.connection.is_autocommit() {
            if let Some(registry) = registry.upgrade() {
                registry.end(id);
            }
            return;
        }
    }
}
