//! The lanes' contract: deadlines, waiting, invalidation, reopening, abandoned and panicking
//! jobs. The tests never sleep to let something happen: a job that must hold its lane waits
//! on a `Gate` the test opens, a request is queued by polling it once (a request queues its
//! job before its first await), and every wait for something that must happen is bounded by
//! `PATIENCE`, so a broken lane fails the test instead of hanging it.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use tokio::sync::mpsc;

use super::*;
use crate::error::map_error;

/// How long a test waits for something that must happen before it calls it broken. Only a
/// bound for failures: passing runs never wait for it.
const PATIENCE: Duration = Duration::from_secs(20);

async fn within<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_elapsed| panic!("{what}: still waiting after {PATIENCE:?}"))
}

/// Polls a request once, which queues its job (and starts a lane if none is idle).
async fn queue<F: Future + Unpin>(request: &mut F) {
    poll_fn(|context| {
        let polled = Pin::new(&mut *request).poll(context);
        assert!(
            polled.is_pending(),
            "the request answered before its job was let go"
        );
        Poll::Ready(())
    })
    .await;
}

/// Jobs that report when they start, then hold their lane until the test opens the gate.
struct Gate {
    started: mpsc::UnboundedSender<()>,
    starts: mpsc::UnboundedReceiver<()>,
    /// Dropped to open the gate: every held job's `recv` then returns.
    closed: Option<crossbeam_channel::Sender<()>>,
    passage: Receiver<()>,
}

impl Gate {
    fn new() -> Self {
        let (started, starts) = mpsc::unbounded_channel();
        let (closed, passage) = crossbeam_channel::bounded(0);
        Self {
            started,
            starts,
            closed: Some(closed),
            passage,
        }
    }

    fn job(&self) -> impl FnOnce(&Connection) -> Result<(), ConnectorError> + Send + 'static {
        let started = self.started.clone();
        let passage = self.passage.clone();
        move |_connection| {
            let _ = started.send(());
            let _opened = passage.recv();
            Ok(())
        }
    }

    /// Waits until one more held job has started on a lane.
    async fn started(&mut self) {
        within("a job to start on a lane", self.starts.recv()).await;
    }

    fn open(&mut self) {
        self.closed = None;
    }
}

fn database() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("db.sqlite");
    Connection::open(&path)
        .and_then(|c| c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);"))
        .expect("database created");
    (dir, path)
}

fn pool(options: SqliteOptions) -> (tempfile::TempDir, Arc<Lanes>) {
    let (dir, path) = database();
    let pool = Lanes::reads(path, options).expect("read lanes open");
    (dir, Arc::new(pool))
}

fn writer(options: SqliteOptions) -> (tempfile::TempDir, Arc<Lanes>) {
    let (dir, path) = database();
    (dir, Arc::new(Lanes::writer(path, options)))
}

/// Puts a database whose `t` holds `x` in place of the pool's file, as a restore would.
fn replace_database(dir: &tempfile::TempDir, x: i64) {
    let replacement = dir.path().join("new.sqlite");
    Connection::open(&replacement)
        .and_then(|c| c.execute_batch(&format!("CREATE TABLE t (x); INSERT INTO t VALUES ({x});")))
        .expect("replacement created");
    std::fs::rename(&replacement, dir.path().join("db.sqlite")).expect("replaced");
}

fn read_x(connection: &Connection) -> Result<i64, ConnectorError> {
    connection
        .query_row("SELECT x FROM t", [], |row| row.get(0))
        .map_err(map_error)
}

#[tokio::test]
async fn a_statement_running_past_its_time_limit_is_busy() {
    let (_dir, pool) = pool(SqliteOptions {
        statement_timeout: Duration::from_millis(100),
        ..SqliteOptions::default()
    });
    let endless = pool.run(|connection| {
        let endless = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) \
                       SELECT COUNT(*) FROM c";
        connection
            .query_row(endless, [], |row| row.get::<_, i64>(0))
            .map_err(map_error)
    });
    let result = within("the deadline to stop an endless read", endless).await;
    assert!(matches!(result, Err(ConnectorError::Busy)), "{result:?}");
    // The connection is fine for the next job.
    assert_eq!(pool.run(read_x).await.ok(), Some(1));
}

#[tokio::test]
async fn a_write_running_past_its_time_limit_is_busy_and_the_writer_recovers() {
    let (_dir, writer) = writer(SqliteOptions {
        statement_timeout: Duration::from_millis(100),
        ..SqliteOptions::default()
    });
    let endless = writer.run(|connection| {
        let endless = "INSERT INTO t WITH RECURSIVE c(n) AS \
                       (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c";
        connection.execute(endless, []).map_err(map_error)
    });
    let result = within("the deadline to stop an endless write", endless).await;
    assert!(matches!(result, Err(ConnectorError::Busy)), "{result:?}");
    let rows = writer
        .run(|c| {
            c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get::<_, i64>(0))
                .map_err(map_error)
        })
        .await;
    assert_eq!(rows.ok(), Some(1), "the interrupted insert left nothing");
}

/// With every lane of `lanes` held, a request waits `acquire_timeout` and is `Busy`; once
/// the lane is free, requests run again.
async fn waiting_for_a_held_lane_is_busy(lanes: Arc<Lanes>) {
    let mut gate = Gate::new();
    let mut holder = Box::pin(lanes.run(gate.job()));
    queue(&mut holder).await;
    gate.started().await;
    let waiting = within("the wait for a lane to run out", lanes.run(|_| Ok(()))).await;
    assert!(matches!(waiting, Err(ConnectorError::Busy)), "{waiting:?}");
    gate.open();
    // The holder's own `acquire_timeout` ran out too (it started first), but a lane had
    // taken its job: it gets the job's answer, never `Busy`.
    assert!(
        holder.await.is_ok(),
        "a taken job answers after its wait ran out"
    );
    assert!(lanes.run(|_| Ok(())).await.is_ok(), "free again afterwards");
}

#[tokio::test]
async fn waiting_too_long_for_a_connection_is_busy() {
    let (_dir, pool) = pool(SqliteOptions {
        pool_size: 1,
        acquire_timeout: Duration::from_millis(50),
        ..SqliteOptions::default()
    });
    waiting_for_a_held_lane_is_busy(pool).await;
}

#[tokio::test]
async fn waiting_too_long_for_the_writer_is_busy() {
    let (_dir, writer) = writer(SqliteOptions {
        acquire_timeout: Duration::from_millis(50),
        ..SqliteOptions::default()
    });
    waiting_for_a_held_lane_is_busy(writer).await;
}

#[tokio::test]
async fn a_job_given_up_while_queued_never_runs() {
    let (_dir, pool) = pool(SqliteOptions {
        pool_size: 1,
        acquire_timeout: Duration::from_millis(50),
        ..SqliteOptions::default()
    });
    let ran = Arc::new(AtomicUsize::new(0));
    let counting = || {
        let ran = Arc::clone(&ran);
        move |_: &Connection| {
            ran.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    };
    let mut gate = Gate::new();
    let mut holder = Box::pin(pool.run(gate.job()));
    queue(&mut holder).await;
    gate.started().await;

    let timed_out = within("the wait to run out", pool.run(counting())).await;
    assert!(
        matches!(timed_out, Err(ConnectorError::Busy)),
        "{timed_out:?}"
    );
    let mut cancelled = Box::pin(pool.run(counting()));
    queue(&mut cancelled).await;
    drop(cancelled);

    gate.open();
    assert!(holder.await.is_ok());
    // The one lane takes jobs in order: this answer comes after it passed both given-up jobs.
    assert!(pool.run(|_| Ok(())).await.is_ok(), "free again afterwards");
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn invalidate_retires_pooled_connections() {
    let (dir, pool) = pool(SqliteOptions {
        pool_size: 1,
        ..SqliteOptions::default()
    });
    assert_eq!(pool.run(read_x).await.ok(), Some(1));
    // Another file takes the old one's place; the open connection still reads the old.
    replace_database(&dir, 2);
    assert_eq!(pool.run(read_x).await.ok(), Some(1));
    pool.invalidate();
    assert_eq!(pool.run(read_x).await.ok(), Some(2));
}

#[tokio::test]
async fn a_job_that_finds_the_database_unavailable_makes_its_lane_reopen() {
    let (dir, pool) = pool(SqliteOptions {
        pool_size: 1,
        ..SqliteOptions::default()
    });
    assert_eq!(pool.run(read_x).await.ok(), Some(1));
    replace_database(&dir, 2);
    let gone = pool
        .run(|_| -> Result<(), ConnectorError> {
            Err(ConnectorError::Unavailable("the file is gone".to_owned()))
        })
        .await;
    assert!(
        matches!(gone, Err(ConnectorError::Unavailable(_))),
        "{gone:?}"
    );
    assert_eq!(pool.run(read_x).await.ok(), Some(2), "a fresh connection");
}

#[tokio::test]
async fn a_missing_file_is_unavailable_until_it_is_back() {
    let (dir, pool) = pool(SqliteOptions {
        pool_size: 1,
        ..SqliteOptions::default()
    });
    let (file, aside) = (dir.path().join("db.sqlite"), dir.path().join("aside"));
    std::fs::rename(&file, &aside).expect("moved aside");
    pool.invalidate();
    let missing = pool.run(read_x).await;
    assert!(
        matches!(missing, Err(ConnectorError::Unavailable(_))),
        "{missing:?}"
    );
    std::fs::rename(&aside, &file).expect("moved back");
    assert_eq!(
        pool.run(read_x).await.ok(),
        Some(1),
        "reopened without help"
    );
}

#[tokio::test]
async fn a_panicking_job_is_an_internal_error_and_its_connection_is_dropped() {
    let (dir, pool) = pool(SqliteOptions {
        pool_size: 1,
        ..SqliteOptions::default()
    });
    assert_eq!(pool.run(read_x).await.ok(), Some(1));
    replace_database(&dir, 2);
    let panicked = pool
        .run(|_| -> Result<(), ConnectorError> { panic!("boom") })
        .await;
    assert!(
        matches!(panicked, Err(ConnectorError::Internal(_))),
        "{panicked:?}"
    );
    assert_eq!(
        pool.run(read_x).await.ok(),
        Some(2),
        "the lane goes on, reopened"
    );
}

#[tokio::test]
async fn no_more_lanes_than_the_pool_size() {
    let (_dir, pool) = pool(SqliteOptions {
        pool_size: 3,
        acquire_timeout: PATIENCE,
        ..SqliteOptions::default()
    });
    let mut gate = Gate::new();
    let mut requests = Vec::new();
    // One at a time, so each request finds every started lane busy and starts another.
    for _ in 0..3 {
        let mut request = Box::pin(pool.run(gate.job()));
        queue(&mut request).await;
        gate.started().await;
        requests.push(request);
    }
    assert_eq!(pool.shared.lanes.load(Ordering::SeqCst), 3);
    for _ in 0..29 {
        let mut request = Box::pin(pool.run(gate.job()));
        queue(&mut request).await;
        requests.push(request);
    }
    assert_eq!(
        pool.shared.lanes.load(Ordering::SeqCst),
        3,
        "a full pool grew"
    );
    assert_eq!(
        pool.shared.queue.len(),
        29,
        "the other requests wait their turn"
    );
    gate.open();
    for request in requests {
        assert!(within("a queued read", request).await.is_ok());
    }
}

#[tokio::test]
async fn writes_run_one_at_a_time() {
    let (_dir, writer) = writer(SqliteOptions {
        acquire_timeout: PATIENCE,
        ..SqliteOptions::default()
    });
    let mut gate = Gate::new();
    let mut first = Box::pin(writer.run(gate.job()));
    queue(&mut first).await;
    gate.started().await;
    let mut rest = Vec::new();
    for _ in 0..7 {
        let mut write = Box::pin(writer.run(gate.job()));
        queue(&mut write).await;
        rest.push(write);
    }
    assert_eq!(
        writer.shared.lanes.load(Ordering::SeqCst),
        1,
        "a second writer"
    );
    assert_eq!(
        writer.shared.queue.len(),
        7,
        "the writes wait for the one running"
    );
    gate.open();
    assert!(first.await.is_ok());
    for write in rest {
        assert!(within("a queued write", write).await.is_ok());
    }
}
