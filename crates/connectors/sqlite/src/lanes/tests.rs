//! The lanes' contract: deadlines, waiting, invalidation, abandoned and panicking jobs.

use std::time::{Duration, Instant};

use super::*;
use crate::error::map_error;

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

#[tokio::test]
async fn a_statement_running_past_its_time_limit_is_busy() {
    let (_dir, pool) = pool(SqliteOptions {
        statement_timeout: Duration::from_millis(100),
        ..SqliteOptions::default()
    });
    let started = Instant::now();
    let result = pool
        .run(|connection| {
            let endless = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) \
                           SELECT COUNT(*) FROM c";
            connection
                .query_row(endless, [], |row| row.get::<_, i64>(0))
                .map_err(map_error)
        })
        .await;
    assert!(matches!(result, Err(ConnectorError::Busy)), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The connection is fine for the next job.
    let one = pool
        .run(|c| {
            c.query_row("SELECT x FROM t", [], |r| r.get::<_, i64>(0))
                .map_err(map_error)
        })
        .await;
    assert_eq!(one.ok(), Some(1));
}

#[tokio::test]
async fn waiting_too_long_for_a_connection_is_busy() {
    let (_dir, pool) = pool(SqliteOptions {
        pool_size: 1,
        acquire_timeout: Duration::from_millis(50),
        ..SqliteOptions::default()
    });
    let holder = {
        let pool = Arc::clone(&pool);
        tokio::spawn(async move {
            pool.run(|_| {
                std::thread::sleep(Duration::from_millis(500));
                Ok(())
            })
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let waiting = pool.run(|_| Ok(())).await;
    assert!(matches!(waiting, Err(ConnectorError::Busy)), "{waiting:?}");
    assert!(holder.await.expect("joined").is_ok());
    assert!(pool.run(|_| Ok(())).await.is_ok(), "free again afterwards");
}

fn read_x(connection: &Connection) -> Result<i64, ConnectorError> {
    connection
        .query_row("SELECT x FROM t", [], |row| row.get(0))
        .map_err(map_error)
}

#[tokio::test]
async fn invalidate_retires_pooled_connections() {
    let (dir, pool) = pool(SqliteOptions {
        pool_size: 1,
        ..SqliteOptions::default()
    });
    assert_eq!(pool.run(read_x).await.ok(), Some(1));
    // Another file takes the old one's place; the open connection still reads the old.
    let replacement = dir.path().join("new.sqlite");
    rusqlite::Connection::open(&replacement)
        .and_then(|c| c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (2);"))
        .expect("replacement created");
    std::fs::rename(&replacement, dir.path().join("db.sqlite")).expect("replaced");
    assert_eq!(pool.run(read_x).await.ok(), Some(1));
    pool.invalidate();
    assert_eq!(pool.run(read_x).await.ok(), Some(2));
}

#[tokio::test]
async fn a_job_given_up_while_queued_never_runs() {
    let (_dir, pool) = pool(SqliteOptions {
        pool_size: 1,
        acquire_timeout: Duration::from_millis(50),
        ..SqliteOptions::default()
    });
    let ran = Arc::new(AtomicUsize::new(0));
    let holder = {
        let pool = Arc::clone(&pool);
        tokio::spawn(async move {
            pool.run(|_| {
                std::thread::sleep(Duration::from_millis(300));
                Ok(())
            })
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let timed_out = {
        let ran = Arc::clone(&ran);
        pool.run(move |_| {
            ran.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .await
    };
    assert!(
        matches!(timed_out, Err(ConnectorError::Busy)),
        "{timed_out:?}"
    );
    let cancelled = {
        let ran = Arc::clone(&ran);
        let pool = Arc::clone(&pool);
        tokio::spawn(async move {
            pool.run(move |_| {
                ran.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    cancelled.abort();
    assert!(holder.await.expect("joined").is_ok());
    assert!(pool.run(|_| Ok(())).await.is_ok(), "free again afterwards");
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_panicking_job_is_an_internal_error_and_the_lane_goes_on() {
    let (_dir, pool) = pool(SqliteOptions {
        pool_size: 1,
        ..SqliteOptions::default()
    });
    let panicked = pool
        .run(|_| -> Result<(), ConnectorError> { panic!("boom") })
        .await;
    assert!(
        matches!(panicked, Err(ConnectorError::Internal(_))),
        "{panicked:?}"
    );
    assert_eq!(pool.run(read_x).await.ok(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_more_lanes_than_the_pool_size() {
    let (_dir, pool) = pool(SqliteOptions {
        pool_size: 3,
        ..SqliteOptions::default()
    });
    let reads = (0..32).map(|_| {
        let pool = Arc::clone(&pool);
        tokio::spawn(async move {
            pool.run(|connection| {
                std::thread::sleep(Duration::from_millis(5));
                read_x(connection)
            })
            .await
        })
    });
    for read in reads.collect::<Vec<_>>() {
        assert_eq!(read.await.expect("joined").ok(), Some(1));
    }
    let lanes = pool.shared.lanes.load(Ordering::SeqCst);
    assert!((1..=3).contains(&lanes), "{lanes} lanes");
}

#[tokio::test]
async fn a_write_running_past_its_time_limit_is_busy_and_the_writer_recovers() {
    let (_dir, writer) = writer(SqliteOptions {
        statement_timeout: Duration::from_millis(100),
        ..SqliteOptions::default()
    });
    let started = Instant::now();
    let result = writer
        .run(|connection| {
            let endless = "INSERT INTO t WITH RECURSIVE c(n) AS \
                           (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c";
            connection.execute(endless, []).map_err(map_error)
        })
        .await;
    assert!(matches!(result, Err(ConnectorError::Busy)), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let rows = writer
        .run(|c| {
            c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get::<_, i64>(0))
                .map_err(map_error)
        })
        .await;
    assert_eq!(rows.ok(), Some(1), "the interrupted insert left nothing");
}

#[tokio::test]
async fn waiting_too_long_for_the_writer_is_busy() {
    let (_dir, writer) = writer(SqliteOptions {
        acquire_timeout: Duration::from_millis(50),
        ..SqliteOptions::default()
    });
    let holder = {
        let writer = Arc::clone(&writer);
        tokio::spawn(async move {
            writer
                .run(|_| {
                    std::thread::sleep(Duration::from_millis(400));
                    Ok(())
                })
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let waiting = writer.run(|_| Ok(())).await;
    assert!(matches!(waiting, Err(ConnectorError::Busy)), "{waiting:?}");
    assert!(holder.await.expect("joined").is_ok());
    assert!(
        writer.run(|_| Ok(())).await.is_ok(),
        "free again afterwards"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_run_one_at_a_time() {
    let (_dir, writer) = writer(SqliteOptions::default());
    let running = Arc::new(AtomicUsize::new(0));
    let writes = (0..8).map(|_| {
        let writer = Arc::clone(&writer);
        let running = Arc::clone(&running);
        tokio::spawn(async move {
            writer
                .run(move |_| {
                    let overlapping = running.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(overlapping)
                })
                .await
        })
    });
    for write in writes.collect::<Vec<_>>() {
        assert_eq!(write.await.expect("joined").ok(), Some(0));
    }
}
