//! `MysqlConnector`: the `Connector` for one MySQL or MariaDB database.

use std::sync::Arc;

use async_trait::async_trait;
use mysql_async::{Conn, IsolationLevel, OptsBuilder, Pool, Transaction, TxOpts};
use sluice_connector_core::{
    Connector, ConnectorError, ReadOutput, ReadPlan, SchemaChange, SchemaSnapshot, WriteOutput,
    WritePlan,
};
use sluice_connector_tokio::{PerThread, Retry, read, run_blocking};
use tokio::runtime::Handle;

use crate::config::MysqlConfig;
use crate::error::{is_connection_lost, map_connect_error, map_error};
use crate::execute::MysqlConnection;
use crate::introspect::introspect;
use crate::schema_write;
use crate::write;

/// A MySQL or MariaDB database behind a service: a pool of connections per thread that
/// serves it ([`PerThread`]), each connection with its own cache of prepared statements.
/// Core's [`Database`](sluice_connector_core::Database) keeps the schema snapshot and plans
/// every request; this only introspects and executes.
pub struct MysqlConnector {
    pools: PerThread<Pool>,
    options: OptsBuilder,
    acquire_timeout: std::time::Duration,
}

impl std::fmt::Debug for MysqlConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No host, user or password: Debug output ends up in logs and errors.
        f.debug_struct("MysqlConnector").finish_non_exhaustive()
    }
}

impl MysqlConnector {
    /// A connector for `config`. Connects lazily: nothing is opened until the first call,
    /// so a database that is down does not stop the gateway from starting.
    ///
    /// # Errors
    ///
    /// `BadRequest` when the settings cannot make a pool (a pool size of 0, a character
    /// set name that is not one).
    pub fn new(config: &MysqlConfig) -> Result<Self, ConnectorError> {
        Ok(Self {
            pools: PerThread::default(),
            options: config.driver_opts()?,
            acquire_timeout: config.acquire_timeout(),
        })
    }

    /// A connection from this thread's pool (made on the thread's first request), or a new
    /// one; 503 when none comes within the acquire timeout.
    async fn conn(&self) -> Result<Conn, ConnectorError> {
        let pool = self.pools.get_or(|| Pool::new(self.options.clone()));
        match tokio::time::timeout(self.acquire_timeout, pool.get_conn()).await {
            Ok(conn) => conn.map_err(map_connect_error),
            Err(_) => Err(ConnectorError::Busy),
        }
    }

    async fn read_once(&self, plan: &Arc<ReadPlan>) -> Result<ReadOutput, ConnectorError> {
        let mut conn = self.conn().await?;
        if !plan.related.is_empty() {
            return read_with_related(conn, Arc::clone(plan)).await;
        }
        let result = read_on(&mut conn, plan).await;
        discard_if_lost(conn, &result).await;
        result
    }
}

impl MysqlConnector {
    /// Runs the write in one transaction on a blocking thread (core's nested writes and
    /// read-backs are synchronous), awaiting each statement there.
    async fn write_once(&self, plan: &Arc<WritePlan>) -> Result<WriteOutput, Retry> {
        let mut conn = self.conn().await.map_err(Retry::Failed)?;
        let plan = Arc::clone(plan);
        run_blocking("a write", move |handle| {
            let result = write_on(handle, &mut conn, &plan);
            if let Err(Retry::Again(error) | Retry::Failed(error)) = &result
                && is_connection_lost(error)
            {
                let _ = handle.block_on(conn.disconnect());
            }
            result
        })
        .await
        .map_err(Retry::Failed)?
    }
}

fn write_on(handle: &Handle, conn: &mut Conn, plan: &WritePlan) -> Result<WriteOutput, Retry> {
    let mut transaction = handle
        .block_on(conn.start_transaction(TxOpts::default()))
        .map_err(|error| {
            let error = map_error(error);
            match is_connection_lost(&error) {
                true => Retry::Again(error),
                false => Retry::Failed(error),
            }
        })?;
    let finished = match write::execute(handle, &mut transaction, plan) {
        Ok(finished) => finished,
        Err(error) => {
            // Undo what the write did; the request's error is what the client sees.
            let _ = handle.block_on(transaction.rollback());
            return Err(Retry::Failed(error));
        }
    };
    let ended = match finished.commit {
        true => handle.block_on(transaction.commit()),
        false => handle.block_on(transaction.rollback()),
    };
    ended.map_err(|error| Retry::Failed(map_error(error)))?;
    finished.output.map_err(Retry::Failed)
}

async fn read_on(conn: &mut Conn, plan: &ReadPlan) -> Result<ReadOutput, ConnectorError> {
    if !plan.needs_snapshot() {
        return read(&mut MysqlConnection { conn }, plan).await;
    }
    // The rows and the COUNT that may follow must see the same snapshot.
    let mut transaction = snapshot(conn).await?;
    let output = read(
        &mut MysqlConnection {
            conn: &mut transaction,
        },
        plan,
    )
    .await?;
    transaction.commit().await.map_err(map_error)?;
    Ok(output)
}

/// Core's related loading is synchronous, so this read runs on a blocking thread, in one
/// snapshot, awaiting each statement there.
async fn read_with_related(
    mut conn: Conn,
    plan: Arc<ReadPlan>,
) -> Result<ReadOutput, ConnectorError> {
    run_blocking("a read with related data", move |handle| {
        let result = (|| {
            let mut transaction = handle.block_on(snapshot(&mut conn))?;
            let mut connection = MysqlConnection {
                conn: &mut transaction,
            };
            let output = sluice_connector_tokio::read_with_related(handle, &mut connection, &plan)?;
            handle.block_on(transaction.commit()).map_err(map_error)?;
            Ok(output)
        })();
        handle.block_on(discard_if_lost(conn, &result));
        result
    })
    .await?
}

/// Closes a connection that the server closed, rather than handing it back to the pool,
/// so a read run once more gets another.
async fn discard_if_lost<T>(conn: Conn, result: &Result<T, ConnectorError>) {
    if let Err(error) = result
        && is_connection_lost(error)
    {
        let _ = conn.disconnect().await;
    }
}

/// A read-only transaction whose statements all see one snapshot of the database.
async fn snapshot(conn: &mut Conn) -> Result<Transaction<'_>, ConnectorError> {
    let mut options = TxOpts::default();
    options
        .with_isolation_level(IsolationLevel::RepeatableRead)
        .with_consistent_snapshot(true)
        .with_readonly(Some(true));
    conn.start_transaction(options).await.map_err(map_error)
}

#[async_trait]
impl Connector for MysqlConnector {
    /// Reads the connection's database through `information_schema`.
    async fn introspect(&self) -> Result<SchemaSnapshot, ConnectorError> {
        let mut conn = self.conn().await?;
        let result = introspect(&mut conn).await;
        discard_if_lost(conn, &result).await;
        result
    }

    /// A read that met a connection closed since its last use runs once more on another.
    #[tracing::instrument(level = "debug", skip_all, fields(table.name = plan.query.table.name()))]
    async fn execute_read(&self, plan: ReadPlan) -> Result<ReadOutput, ConnectorError> {
        let plan = Arc::new(plan);
        match self.read_once(&plan).await {
            Err(error) if is_connection_lost(&error) => self.read_once(&plan).await,
            other => other,
        }
    }

    /// A write whose transaction could not begin on a connection closed since its last use
    /// runs once more on another (nothing was written yet).
    #[tracing::instrument(level = "debug", skip_all, fields(table.name = plan.table.name()))]
    async fn execute_write(&self, plan: WritePlan) -> Result<WriteOutput, ConnectorError> {
        let plan = Arc::new(plan);
        match self.write_once(&plan).await {
            Err(Retry::Again(error)) => {
                tracing::debug!(error = %error, "write retried on another connection");
                self.write_once(&plan).await.map_err(Retry::into_error)
            }
            other => other.map_err(Retry::into_error),
        }
    }

    /// One statement per change (`schema_write`): MySQL's DDL commits by itself, so a
    /// change is checked whole first and never applied half-way.
    async fn apply_schema_change(
        &self,
        schema: Arc<SchemaSnapshot>,
        change: SchemaChange,
    ) -> Result<(), ConnectorError> {
        let mut conn = self.conn().await?;
        let result = schema_write::apply(&mut conn, &schema, &change).await;
        discard_if_lost(conn, &result).await;
        result
    }

    /// Nothing to drop: MySQL and MariaDB prepare a statement again by themselves when a
    /// table it reads changed, and every statement is compiled from the current snapshot.
    fn invalidate(&self) {}
}
