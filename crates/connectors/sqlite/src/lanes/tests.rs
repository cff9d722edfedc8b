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

type Request<'a> = Pin<Box<dyn Future<Output = Result<(), ConnectorError>> + 'a>>;

/// Holds `held` lanes of `lanes` with the gate's jobs, then queues `waiting` more of them
/// behind; returns every request. The held ones are sent one at a time, each after the one
/// before started, so each finds every started lane busy and may start another.
async fn fill<'a>(
    lanes: &'a Arc<Lanes>,
    gate: &mut Gate,
    held: usize,
    waiting: usize,
) -> Vec<Request<'a>> {
    let mut requests = Vec::new();
    for sent in 0..held + waiting {
        let mut request: Request<'a> = Box::pin(lanes.run(gate.job()));
        queue(&mut request).await;
        if sent < held {
            gate.started().await;
        }
        requests.push(request);
    }
    requests
}

async fn all_answered(requests: Vec<Request<'_>>) {
    for request in requests {
        assert!(within("a queued job's answer", request).await.is_ok());
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
    let holder = fill(&lanes, &mut gate, 1, 0).await;
    let waiting = within("the wait for a lane to run out", lanes.run(|_| Ok(()))).await;
    assert!(matches!(waiting, Err(ConnectorError::Busy)), "{waiting:?}");
    gate.open();
    // The holder's own `acquire_timeout` ran out too (it started first), but a lane had
    // taken its job: it gets the job's answer, never `Busy`.
    all_answered(holder).await;
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
    let holder = fill(&pool, &mut gate, 1, 0).await;

    let timed_out = within("the wait to run out", pool.run(counting())).await;
    assert!(
        matches!(timed_out, Err(ConnectorError::Busy)),
        "{timed_out:?}"
    );
    let mut cancelled = Box::pin(pool.run(counting()));
    queue(&mut cancelled).await;
    drop(cancelled);

    gate.open();
    all_answered(holder).await;
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

/// Runs `failing` on a one-lane pool after its file was replaced under the open connection
/// and returns its answer; the read after it must see the new file, on a fresh connection.
async fn answer_before_a_reopen<F>(failing: F) -> Result<(), ConnectorError>
where
    F: FnOnce(&Connection) -> Result<(), ConnectorError> + Send + 'static,
{
    let (dir, pool) = pool(SqliteOptions {
        pool_size: 1,
        ..SqliteOptions::default()
    });
    assert_eq!(pool.run(read_x).await.ok(), Some(1));
    replace_database(&dir, 2);
    let answer = pool.run(failing).await;
    assert_eq!(pool.run(read_x).await.ok(), Some(2), "a fresh connection");
    answer
}

#[tokio::test]
async fn a_job_that_finds_the_database_unavailable_makes_its_lane_reopen() {
    let gone =
        answer_before_a_reopen(|_| Err(ConnectorError::Unavailable("the file is gone".to_owned())))
            .await;
    assert!(
        matches!(gone, Err(ConnectorError::Unavailable(_))),
        "{gone:?}"
    );
}

#[tokio::test]
async fn a_panicking_job_is_an_internal_error_and_its_connection_is_dropped() {
    let panicked = answer_before_a_reopen(|_| panic!("boom")).await;
    assert!(
        matches!(panicked, Err(ConnectorError::Internal(_))),
        "{panicked:?}"
    );
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
async fn no_more_lanes_than_the_pool_size() {
    let (_dir, pool) = pool(SqliteOptions {
        pool_size: 3,
        acquire_timeout: PATIENCE,
        ..SqliteOptions::default()
    });
    let mut gate = Gate::new();
    let requests = fill(&pool, &mut gate, 3, 29).await;
    let lanes = pool.shared.lanes.load(Ordering::SeqCst);
    assert_eq!(lanes, 3, "three held requests, then 29 more");
    assert_eq!(pool.shared.queue.len(), 29, "the others wait their turn");
    gate.open();
    all_answered(requests).await;
}

#[tokio::test]
async fn writes_run_one_at_a_time() {
    let (_dir, writer) = writer(SqliteOptions {
        acquire_timeout: PATIENCE,
        ..SqliteOptions::default()
    });
    let mut gate = Gate::new();
    let writes = fill(&writer, &mut gate, 1, 7).await;
    let lanes = writer.shared.lanes.load(Ordering::SeqCst);
    assert_eq!(lanes, 1, "a second writer started");
    assert_eq!(
        writer.shared.queue.len(),
        7,
        "the writes wait for the one running"
    );
    gate.open();
    all_answered(writes).await;
}

#[tokio::test]
async fn queued_counts_the_jobs_no_lane_has_taken() {
    let (_dir, pool) = pool(SqliteOptions {
        pool_size: 1,
        ..SqliteOptions::default()
    });
    assert_eq!(pool.queued(), 0);
    let mut gate = Gate::new();
    let requests = fill(&pool, &mut gate, 1, 2).await;
    assert_eq!(pool.queued(), 2, "one job runs, two wait");
    gate.open();
    all_answered(requests).await;
    assert_eq!(pool.queued(), 0);
}

/// Sees the lane's decision through its count of releases; what the release frees is
/// measured in the benchmark (docs/PERFORMANCE.md, "Idle lanes hand their pages back").
#[tokio::test]
async fn an_idle_lane_hands_its_cached_pages_back_and_still_answers() {
    let (_dir, pool) = pool(SqliteOptions {
        idle_release: Duration::from_millis(10),
        ..SqliteOptions::default()
    });
    assert_eq!(pool.run(read_x).await.expect("read"), 1);
    within("the idle lane to give its pages back", async {
        while pool.releases() == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    assert_eq!(pool.run(read_x).await.expect("read after the release"), 1);
}

/// A job's end is no reason to release: only the idle interval is.
#[tokio::test]
async fn no_lane_releases_before_the_idle_interval() {
    let (_dir, pool) = pool(SqliteOptions {
        idle_release: Duration::from_secs(3600),
        ..SqliteOptions::default()
    });
    for _ in 0..100 {
        assert_eq!(pool.run(read_x).await.expect("read"), 1);
    }
    assert_eq!(pool.releases(), 0);
}
