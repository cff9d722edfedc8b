//! The `_sql` engine: batches of client SQL in NSQLite's shape, shared by
//! `POST /api/v2/{service}/_sql` and `sluice nsqlite`.
//!
//! Where a statement without a `txId` runs is decided by SQLite: it is prepared on a read
//! lane (read-only connection) under a classifying authorizer; a statement for which
//! `sqlite3_stmt_readonly` is true runs there, one that writes moves to the database's
//! writer (the one the gateway's record writes use, so they never contend for the lock among
//! themselves) when the caller may write, and a `BEGIN` opens a transaction on a connection
//! of its own (`transactions.rs`). Statements with a `txId` run on their transaction's
//! connection, in order.
//!
//! A failing statement is reported in its place in `results` and the rest of the batch
//! still runs, as NSQLite does; statements before it are not undone (wrap a batch in a
//! transaction for all or nothing). Failures of the database itself end the batch.

mod statement;
#[cfg(test)]
mod tests;
mod transactions;
mod types;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use sluice_connector_core::ConnectorError;
use tokio::sync::oneshot;

use crate::authorizer::{authorize, authorize_dml, authorize_sql};
use crate::connection::HardenedConnection;
use crate::lanes::Lanes;
use crate::options::SqliteOptions;
use crossbeam_channel::Sender;
use statement::{Executed, Place, Policies, Step, TX_NOT_FOUND};
use transactions::{Reservation, Transactions, TxConnection, TxJob};
pub use types::{
    BatchOutput, Outcome, SqlAccess, SqlError, SqlParam, SqlSettings, SqlStatement, SqlValue,
    StatementResult,
};

const NOT_RUN: &str = "not run: an earlier statement of the batch found the database failing";

const TOO_MANY: &str = "too many open transactions: commit or roll back one, then retry";

/// A read connection prepares under the write policy: it cannot write whatever the
/// policy allows, and a statement that writes must prepare here to be recognised as one
/// (and moved to the writer) rather than be refused.
const READ_LANE: Policies = Policies {
    base: authorize_sql,
    restore: authorize,
};
const WRITE_LANE: Policies = Policies {
    base: authorize_sql,
    restore: authorize_dml,
};

/// The `_sql` engine of one SQLite database.
pub struct SqlEngine {
    reads: Arc<Lanes>,
    writer: Arc<Lanes>,
    path: PathBuf,
    options: SqliteOptions,
    transactions: Arc<Transactions>,
}

impl std::fmt::Debug for SqlEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlEngine").finish_non_exhaustive()
    }
}

impl SqlEngine {
    pub(crate) fn new(
        reads: Arc<Lanes>,
        writer: Arc<Lanes>,
        path: PathBuf,
        options: SqliteOptions,
        settings: SqlSettings,
    ) -> Self {
        Self {
            reads,
            writer,
            path,
            options,
            transactions: Transactions::new(settings.max_transactions, settings.idle_timeout),
        }
    }

    /// Transactions open now.
    pub fn open_transactions(&self) -> usize {
        self.transactions.open_count()
    }

    /// Opens a new read-only connection and runs `SELECT 1` on it: a file that vanished or
    /// cannot be opened any more fails here, where the lanes' open connections would still
    /// answer.
    ///
    /// # Errors
    ///
    /// The database cannot be opened or read.
    pub async fn health(&self) -> Result<(), ConnectorError> {
        let path = self.path.clone();
        let options = self.options.clone();
        tokio::task::spawn_blocking(move || {
            let open = HardenedConnection::open_read(&path, &options, 0)?;
            open.connection
                .query_row("SELECT 1", [], |_| Ok(()))
                .map_err(crate::error::map_error)
        })
        .await
        .map_err(|_| ConnectorError::Internal("the health check failed".to_owned()))?
    }

    /// Runs `statements` in order for `caller` (whoever a transaction is bound to: a
    /// session, an API key, a token) with `access`; a read returns at most `max_rows` rows.
    ///
    /// # Errors
    ///
    /// [`SqlError::TransactionNotFound`] when a `txId` is not an open transaction of
    /// `caller`, and [`SqlError::TooManyTransactions`] when its `BEGIN`s would exceed the
    /// bound: in both cases before anything ran. [`SqlError::Connector`] when the database
    /// fails (the statements before have run).
    pub async fn run(
        &self,
        caller: &str,
        access: SqlAccess,
        max_rows: usize,
        statements: Vec<SqlStatement>,
    ) -> Result<BatchOutput, SqlError> {
        let started = Instant::now();
        for statement in &statements {
            let id = &statement.tx_id;
            if !id.is_empty() && !self.transactions.owned_by(id, caller) {
                return Err(SqlError::TransactionNotFound);
            }
        }
        let mut reservations = self.reserve_begins(access, &statements).await?;
        let mut output = BatchOutput::default();
        let mut halted = false;
        for (index, statement) in statements.into_iter().enumerate() {
            let statement_started = Instant::now();
            let executed = if halted {
                Executed::refused(NOT_RUN)
            } else if statement.query.trim().is_empty() {
                Executed::refused("Empty query")
            } else {
                let first = index == 0;
                let ran = if statement.tx_id.is_empty() {
                    self.outside(
                        caller,
                        access,
                        max_rows,
                        statement,
                        &mut reservations,
                        first,
                    )
                    .await
                } else {
                    self.inside(caller, access, max_rows, statement).await
                };
                match ran {
                    Ok(executed) => executed,
                    // Once statements have run, the answer must say which: a failure of the
                    // database is this statement's result, and the rest do not run (an error
                    // answer would invite a retry of what already happened).
                    Err(SqlError::Connector(error)) if index > 0 => {
                        halted = true;
                        Executed::refused(database_failure(&error))
                    }
                    Err(error) => return Err(error),
                }
            };
            output.wrote |= executed.wrote;
            output.schema_changed |= executed.ddl;
            output.results.push(StatementResult {
                outcome: executed.outcome,
                time: statement_started.elapsed().as_secs_f64(),
            });
        }
        output.time = started.elapsed().as_secs_f64();
        Ok(output)
    }

    /// Slots for the batch's `BEGIN`s, taken before anything runs so that a batch refused
    /// for too many transactions has done nothing. A batch of one statement needs none: its
    /// `BEGIN` is the first thing it does.
    async fn reserve_begins(
        &self,
        access: SqlAccess,
        statements: &[SqlStatement],
    ) -> Result<Vec<Reservation>, SqlError> {
        if statements.len() < 2 || !access.transactions {
            return Ok(Vec::new());
        }
        let queries: Vec<String> = statements
            .iter()
            .filter(|s| s.tx_id.is_empty() && !s.query.trim().is_empty())
            .map(|s| s.query.clone())
            .collect();
        let begins = self
            .reads
            .run(move |connection| {
                Ok(queries
                    .iter()
                    .filter(|query| statement::is_begin(connection, READ_LANE, query))
                    .count())
            })
            .await?;
        self.transactions
            .reserve(begins)
            .ok_or(SqlError::TooManyTransactions)
    }

    /// A statement outside any transaction: on a read lane, then on the writer or a new
    /// transaction's connection when SQLite says it belongs there.
    async fn outside(
        &self,
        caller: &str,
        access: SqlAccess,
        max_rows: usize,
        statement: SqlStatement,
        reservations: &mut Vec<Reservation>,
        first: bool,
    ) -> Result<Executed, SqlError> {
        let statement = Arc::new(statement);
        let on_read = Arc::clone(&statement);
        let step = on_lane(&self.reads, Place::ReadLane, access, on_read, max_rows).await?;
        match step {
            Step::Done(executed) => Ok(executed),
            Step::NeedsWriter => {
                let step =
                    on_lane(&self.writer, Place::WriteLane, access, statement, max_rows).await?;
                match step {
                    Step::Done(executed) => Ok(executed),
                    // The schema changed in between and it no longer writes, or is a BEGIN:
                    // sent again, it is decided afresh.
                    Step::NeedsWriter | Step::Begin => Ok(Executed::refused(
                        "the database schema changed while the statement was prepared: retry it",
                    )),
                }
            }
            Step::Begin => {
                let reservation = match reservations.pop() {
                    Some(reservation) => reservation,
                    None => match self.transactions.reserve(1).and_then(|mut r| r.pop()) {
                        Some(reservation) => reservation,
                        None if first => return Err(SqlError::TooManyTransactions),
                        None => return Ok(Executed::refused(TOO_MANY)),
                    },
                };
                self.begin(caller, access, statement, reservation).await
            }
        }
    }

    /// Opens a transaction with `statement` (its `BEGIN`) on a new connection.
    async fn begin(
        &self,
        caller: &str,
        access: SqlAccess,
        statement: Arc<SqlStatement>,
        reservation: Reservation,
    ) -> Result<Executed, SqlError> {
        let id = uuid::Uuid::new_v4().to_string();
        let read_only = !access.writes;
        let jobs = self.transactions.spawn(
            id.clone(),
            self.path.clone(),
            self.options.clone(),
            read_only,
        )?;
        let registry = Arc::clone(&self.transactions);
        let owner = caller.to_owned();
        let own_queue = jobs.clone();
        let opened = on_transaction(jobs, move |tx| {
            let step = statement::run(
                &tx.open.connection,
                Place::Opening,
                tx_policies(tx),
                access,
                &statement,
                0,
            )?;
            let Step::Done(mut executed) = step else {
                return Ok(Executed::refused(statement::NOT_AUTHORIZED));
            };
            if !tx.open.connection.is_autocommit() {
                if let Outcome::Begin { tx_id } = &mut executed.outcome {
                    tx_id.clone_from(&id);
                }
                registry.admit(reservation, id, owner, own_queue);
            }
            Ok(executed)
        })
        .await;
        match opened {
            Some(result) => Ok(result?),
            None => Err(ConnectorError::Internal("a transaction thread ended".to_owned()).into()),
        }
    }

    /// A statement of an open transaction, on its connection.
    async fn inside(
        &self,
        caller: &str,
        access: SqlAccess,
        max_rows: usize,
        statement: SqlStatement,
    ) -> Result<Executed, SqlError> {
        let Some(jobs) = self.transactions.find(&statement.tx_id, caller) else {
            return Ok(Executed::refused(TX_NOT_FOUND));
        };
        let registry = Arc::clone(&self.transactions);
        let ran = on_transaction(jobs, move |tx| {
            let step = statement::run(
                &tx.open.connection,
                Place::InTransaction,
                tx_policies(tx),
                access,
                &statement,
                max_rows,
            )?;
            let Step::Done(mut executed) = step else {
                return Ok(Executed::refused(statement::TX_WITHIN_TX));
            };
            tx.wrote |= executed.wrote;
            tx.ddl |= executed.ddl;
            // What the transaction did counts once it is over: committed, or (for the
            // schema, which the caches may have seen) rolled back.
            let ended = tx.open.connection.is_autocommit();
            if ended {
                // Before answering: the caller's next request must not find it.
                registry.end(&statement.tx_id);
            }
            let committed = matches!(executed.outcome, Outcome::Commit);
            executed.wrote = ended && committed && tx.wrote;
            executed.ddl = ended && tx.ddl;
            Ok(executed)
        })
        .await;
        match ran {
            Some(result) => Ok(result?),
            // The transaction expired or ended just before the job reached it.
            None => Ok(Executed::refused(TX_NOT_FOUND)),
        }
    }
}

/// Runs `statement` on one of `lanes` (the read lanes or the writer, as `place` says).
async fn on_lane(
    lanes: &Arc<Lanes>,
    place: Place,
    access: SqlAccess,
    statement: Arc<SqlStatement>,
    max_rows: usize,
) -> Result<Step, ConnectorError> {
    let policies = if place == Place::WriteLane {
        WRITE_LANE
    } else {
        READ_LANE
    };
    lanes
        .run(move |connection| {
            statement::run(connection, place, policies, access, &statement, max_rows)
        })
        .await
}

/// Runs `work` on a transaction's connection, after the jobs queued before it; `None` when
/// the transaction ended before the job ran.
async fn on_transaction(
    jobs: Sender<TxJob>,
    work: impl FnOnce(&mut TxConnection) -> Result<Executed, ConnectorError> + Send + 'static,
) -> Option<Result<Executed, ConnectorError>> {
    let (answer, receiver) = oneshot::channel();
    let job: TxJob = Box::new(move |connection| {
        let _ = answer.send(connection.and_then(work));
    });
    jobs.send(job).ok()?;
    drop(jobs);
    receiver.await.ok()
}

/// What a statement is told when the database failed under it: no SQLite text, no path.
fn database_failure(error: &ConnectorError) -> &'static str {
    match error {
        ConnectorError::Busy => "the database is busy: no connection was free in time",
        ConnectorError::Full => "database or disk is full",
        ConnectorError::Unavailable(_) => "the database is unavailable",
        _ => "the database failed",
    }
}

/// A transaction's connection is read-only for a role without writes, else the writer's
/// kind with the `_sql` write policy.
fn tx_policies(tx: &TxConnection) -> Policies {
    if tx.read_only { READ_LANE } else { WRITE_LANE }
}
