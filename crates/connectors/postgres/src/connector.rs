//! `PostgresConnector`: the `Connector` for one PostgreSQL service.

use std::sync::Arc;

use async_trait::async_trait;
use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime, Transaction,
};
use sluice_connector_core::{
    Connector, ConnectorError, ReadOutput, ReadPlan, SchemaChange, SchemaSnapshot, WriteOutput,
    WritePlan,
};
use sluice_connector_tokio::{PerThread, Retry, read, read_with_related, run_blocking};
use tokio_postgres::IsolationLevel;

use crate::config::PostgresConfig;
use crate::error::{
    is_connection_lost, is_retryable, is_stale_statement, map_error, map_pool_error,
};
use crate::execute::PgConnection;
use crate::introspect::introspect;
use crate::schema_write;
use crate::write;

/// A PostgreSQL database behind a service: a pool of connections per thread that serves it
/// ([`PerThread`]), each connection with its own cache of prepared statements. Core's
/// [`Database`](sluice_connector_core::Database) keeps the schema snapshot and plans every
/// request; this only introspects and executes.
pub struct PostgresConnector {
    pools: PerThread<Pool>,
    config: PostgresConfig,
}

impl std::fmt::Debug for PostgresConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No host, user or password: Debug output ends up in logs and errors.
        f.debug_struct("PostgresConnector")
            .field("schema", &self.config.schema)
            .finish_non_exhaustive()
    }
}

impl PostgresConnector {
    /// A connector for `config`. Connects lazily: nothing is opened until the first call,
    /// so a database that is down does not stop the gateway from starting.
    ///
    /// # Errors
    ///
    /// `BadRequest` when the pool cannot be built from the settings (a pool size of 0).
    pub fn new(config: &PostgresConfig) -> Result<Self, ConnectorError> {
        let connector = Self {
            pools: PerThread::default(),
            config: config.clone(),
        };
        connector.pool()?;
        Ok(connector)
    }

    /// This thread's pool, made on its first request.
    ///
    /// A pooled connection is handed out again after checking only that it is still open
    /// (no round trip on every acquire); a connection that broke since is replaced on the
    /// request after the one that saw it fail.
    fn pool(&self) -> Result<&Pool, ConnectorError> {
        self.pools.get_or_try(|| {
            let manager = Manager::from_config(
                self.config.driver_config(),
                tokio_postgres::NoTls,
                ManagerConfig {
                    recycling_method: RecyclingMethod::Fast,
                },
            );
            Pool::builder(manager)
                .max_size(self.config.pool_size)
                .runtime(Runtime::Tokio1)
                .wait_timeout(Some(self.config.acquire_timeout()))
                .create_timeout(Some(self.config.acquire_timeout()))
                .build()
                .map_err(|_| {
                    ConnectorError::bad_request("The connection pool settings are invalid.")
                })
        })
    }

    async fn client(&self) -> Result<Object, ConnectorError> {
        self.pool()?.get().await.map_err(map_pool_error)
    }

    async fn read_once(&self, plan: &Arc<ReadPlan>) -> Result<ReadOutput, ConnectorError> {
        let mut client = self.client().await?;
        if !plan.related.is_empty() {
            return self.read_with_related(client, Arc::clone(plan)).await;
        }
        let result = self.read_on(&mut client, plan).await;
        discard_if_lost(client, &result);
        result
    }

    async fn read_on(
        &self,
        client: &mut Object,
        plan: &ReadPlan,
    ) -> Result<ReadOutput, ConnectorError> {
        if !plan.needs_snapshot() {
            return read(&mut PgConnection::new(&*client, &self.config.schema), plan).await;
        }
        // The rows and the COUNT that may follow must see the same snapshot.
        let transaction = snapshot(client).await?;
        let output = read(
            &mut PgConnection::new(&transaction, &self.config.schema),
            plan,
        )
        .await?;
        transaction.commit().await.map_err(map_error)?;
        Ok(output)
    }

    /// Core's related loading is synchronous, so this read runs on a blocking thread,
    /// in one snapshot, awaiting each statement there.
    async fn read_with_related(
        &self,
        mut client: Object,
        plan: Arc<ReadPlan>,
    ) -> Result<ReadOutput, ConnectorError> {
        let schema = self.config.schema.clone();
        run_blocking("a read with related data", move |handle| {
            let result = (|| {
                let transaction = handle.block_on(snapshot(&mut client))?;
                let mut connection = PgConnection::new(&transaction, &schema);
                let output = read_with_related(handle, &mut connection, &plan)?;
                handle.block_on(transaction.commit()).map_err(map_error)?;
                Ok(output)
            })();
            discard_if_lost(client, &result);
            result
        })
        .await?
    }
}

impl PostgresConnector {
    /// Runs the write in one transaction on a blocking thread (core's nested writes and
    /// related read-backs are synchronous), awaiting each statement there.
    async fn write_once(&self, plan: &Arc<WritePlan>) -> Result<WriteOutput, Retry> {
        let mut client = self.client().await.map_err(Retry::Failed)?;
        let schema = self.config.schema.clone();
        let plan = Arc::clone(plan);
        run_blocking("a write", move |handle| {
            let result = (|| {
                let transaction = handle.block_on(client.transaction()).map_err(|error| {
                    let error = map_error(error);
                    match is_connection_lost(&error) {
                        true => Retry::Again(error),
                        false => Retry::Failed(error),
                    }
                })?;
                let finished =
                    write::execute(handle, &transaction, &schema, &plan).map_err(|error| {
                        match is_stale_statement(&error) {
                            true => Retry::Again(error),
                            false => Retry::Failed(error),
                        }
                    })?;
                if finished.commit {
                    handle
                        .block_on(transaction.commit())
                        .map_err(|error| Retry::Failed(write::commit_failure(error)))?;
                } else {
                    handle
                        .block_on(transaction.rollback())
                        .map_err(|error| Retry::Failed(map_error(error)))?;
                }
                finished.output.map_err(Retry::Failed)
            })();
            if let Err(Retry::Again(error) | Retry::Failed(error)) = &result
                && is_connection_lost(error)
            {
                drop(Object::take(client));
            }
            result
        })
        .await
        .map_err(Retry::Failed)?
    }
}

/// Keeps a connection that the server closed out of the pool, so a read run once more
/// gets another (the pool would hand it out again until the driver notices).
fn discard_if_lost<T>(client: Object, result: &Result<T, ConnectorError>) {
    if let Err(error) = result
        && is_connection_lost(error)
    {
        drop(Object::take(client));
    }
}

/// A read-only transaction whose statements all see one snapshot of the database.
async fn snapshot(client: &mut Object) -> Result<Transaction<'_>, ConnectorError> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(map_error)
}

#[async_trait]
impl Connector for PostgresConnector {
    /// Reads the configured schema through `pg_catalog`, in one snapshot.
    async fn introspect(&self) -> Result<SchemaSnapshot, ConnectorError> {
        let mut client = self.client().await?;
        let transaction = snapshot(&mut client).await?;
        let snapshot = introspect(&transaction, &self.config.schema).await?;
        transaction.commit().await.map_err(map_error)?;
        Ok(snapshot)
    }

    /// A read that fails because another client changed a table under a prepared
    /// statement runs once more with every statement dropped; one that met a connection
    /// closed since its last use runs once more on another.
    #[tracing::instrument(level = "debug", skip_all, fields(table.name = plan.query.table.name()))]
    async fn execute_read(&self, plan: ReadPlan) -> Result<ReadOutput, ConnectorError> {
        let plan = Arc::new(plan);
        match self.read_once(&plan).await {
            Err(error) if is_retryable(&error) => {
                if is_stale_statement(&error) {
                    tracing::debug!("prepared statements dropped: a table changed under them");
                    self.invalidate();
                }
                self.read_once(&plan).await
            }
            other => other,
        }
    }

    /// A write that fails because another client changed a table under a prepared
    /// statement (nothing of it was committed) runs once more with every statement
    /// dropped; one whose `BEGIN` met a connection closed since its last use runs once
    /// more on another. A write that failed later is never run twice.
    #[tracing::instrument(level = "debug", skip_all, fields(table.name = plan.table.name()))]
    async fn execute_write(&self, plan: WritePlan) -> Result<WriteOutput, ConnectorError> {
        let plan = Arc::new(plan);
        match self.write_once(&plan).await {
            Err(Retry::Again(error)) => {
                if is_stale_statement(&error) {
                    tracing::debug!("prepared statements dropped: a table changed under them");
                    self.invalidate();
                }
                self.write_once(&plan).await.map_err(Retry::into_error)
            }
            other => other.map_err(Retry::into_error),
        }
    }

    /// Runs the change's DDL in one transaction on a pooled connection. Core invalidates
    /// afterwards, which drops every connection's prepared statements.
    #[tracing::instrument(skip_all)]
    async fn apply_schema_change(
        &self,
        schema: Arc<SchemaSnapshot>,
        change: SchemaChange,
    ) -> Result<(), ConnectorError> {
        let mut client = self.client().await?;
        let result = schema_write::apply(&mut client, &self.config.schema, &schema, &change).await;
        discard_if_lost(client, &result);
        result
    }

    /// Forgets every connection's prepared statements: after a schema change a cached
    /// statement may no longer fit its table.
    fn invalidate(&self) {
        for pool in self.pools.iter() {
            pool.manager().statement_caches.clear();
        }
    }

    /// Requests waiting for a pooled connection right now, on every thread.
    fn queue_depth(&self) -> usize {
        self.pools.iter().map(|pool| pool.status().waiting).sum()
    }
}
