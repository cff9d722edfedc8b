//! The engine: a pool of threads of its own (never actix's or tokio's workers), each with a
//! QuickJS runtime and a locked-down context it reuses (`context.rs`). A runtime is freed and
//! built anew after a call that was interrupted or ran out of memory.
//!
//! The awaiting side ([`Engine::run`]) answers the script's `platform.api` calls while it
//! waits, and gives up at the deadline even if the thread has not ended yet: a request never
//! waits on a runaway script, and the thread ends at its next interrupt poll or allocation.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use tokio::sync::{mpsc, oneshot};

use crate::alloc::Budget;
use crate::run::{HostCall, Worker};
use crate::{EngineSettings, Host, Job, Outcome, ScriptError};

/// How long an idle pool thread waits for work before it ends (its runtime with it).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Native stack of a pool thread: QuickJS's own stack limit (`run::MAX_STACK_BYTES`) is
/// reached well before it.
const THREAD_STACK_BYTES: usize = 8 * 1024 * 1024;

pub(crate) struct Task {
    pub(crate) job: Job,
    pub(crate) deadline: Instant,
    pub(crate) calls: mpsc::UnboundedSender<HostCall>,
    pub(crate) done: oneshot::Sender<Result<Outcome, ScriptError>>,
}

struct Shared {
    settings: EngineSettings,
    tasks: Receiver<Task>,
    threads: AtomicUsize,
    idle: AtomicUsize,
}

/// The script engine; cheap to share (`Arc` inside).
#[derive(Clone)]
pub struct Engine {
    shared: Arc<Shared>,
    submit: Sender<Task>,
}

impl Engine {
    pub fn new(settings: EngineSettings) -> Self {
        let (submit, tasks) = crossbeam_channel::unbounded();
        Self {
            shared: Arc::new(Shared {
                settings,
                tasks,
                threads: AtomicUsize::new(0),
                idle: AtomicUsize::new(0),
            }),
            submit,
        }
    }

    pub fn settings(&self) -> &EngineSettings {
        &self.shared.settings
    }

    /// Runs `job` on the pool and waits for it, answering its `platform.api` calls with
    /// `host` meanwhile.
    ///
    /// # Errors
    ///
    /// [`ScriptError`]: the script threw, or passed a limit.
    pub async fn run(&self, job: Job, host: &dyn Host) -> Result<Outcome, ScriptError> {
        let deadline = job
            .deadline
            .unwrap_or_else(|| Instant::now() + self.shared.settings.time_limit);
        let (calls, mut call_rx) = mpsc::unbounded_channel();
        let (done, mut done_rx) = oneshot::channel();
        self.ensure_thread()?;
        let task = Task {
            job,
            deadline,
            calls,
            done,
        };
        self.submit
            .send(task)
            .map_err(|_| ScriptError::Unavailable("the pool is closed".into()))?;
        let give_up = tokio::time::Instant::from_std(deadline);
        loop {
            tokio::select! {
                result = &mut done_rx => {
                    return result.unwrap_or(Err(ScriptError::TimedOut));
                }
                Some(call) = call_rx.recv() => {
                    let answer = tokio::time::timeout_at(give_up, host.call(call.request)).await;
                    let Ok(reply) = answer else {
                        return Err(ScriptError::TimedOut);
                    };
                    // The script may have ended meanwhile; it then no longer waits.
                    let _ = call.reply.send(reply);
                }
                () = tokio::time::sleep_until(give_up) => return Err(ScriptError::TimedOut),
            }
        }
    }

    /// Starts a thread when none is idle and the pool may grow.
    fn ensure_thread(&self) -> Result<(), ScriptError> {
        let shared = &self.shared;
        if shared.idle.load(Ordering::Acquire) > 0 {
            return Ok(());
        }
        let max = shared.settings.max_threads.max(1);
        let grown = shared
            .threads
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            });
        if grown.is_err() {
            // At the limit: the call waits in the queue (its deadline still holds).
            return Ok(());
        }
        let shared = Arc::clone(shared);
        let started = std::thread::Builder::new()
            .name("script".into())
            .stack_size(THREAD_STACK_BYTES)
            .spawn(move || serve(&shared));
        if let Err(error) = started {
            self.shared.threads.fetch_sub(1, Ordering::AcqRel);
            tracing::error!(%error, "cannot start a script thread");
            return Err(ScriptError::Unavailable(
                "no thread could be started".into(),
            ));
        }
        Ok(())
    }
}

/// A pool thread: takes tasks until it has been idle for [`IDLE_TIMEOUT`] or the engine is
/// gone.
fn serve(shared: &Shared) {
    let budget = Arc::new(Budget::new(shared.settings.memory_limit_bytes));
    let mut worker = Worker::new(budget, shared.settings);
    loop {
        shared.idle.fetch_add(1, Ordering::AcqRel);
        let next = shared.tasks.recv_timeout(IDLE_TIMEOUT);
        shared.idle.fetch_sub(1, Ordering::AcqRel);
        match next {
            Ok(task) => {
                // A call whose requester gave up (its deadline passed in the queue) is not run.
                if task.done.is_closed() || task.deadline <= Instant::now() {
                    let _ = task.done.send(Err(ScriptError::TimedOut));
                    continue;
                }
                let result = worker.run(task.job, task.deadline, &task.calls);
                let _ = task.done.send(result);
                worker.prepare();
            }
            // A task may have come in as the wait ended, from a caller that saw this thread
            // idle and so started none.
            Err(RecvTimeoutError::Timeout) if !shared.tasks.is_empty() => {}
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
        }
    }
    shared.threads.fetch_sub(1, Ordering::AcqRel);
}
