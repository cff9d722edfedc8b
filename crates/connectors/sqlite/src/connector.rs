//! `SqliteConnector`: the `Connector` for one SQLite service.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use sluice_connector_core::{
    Connector, ConnectorError, ReadOutput, ReadPlan, SchemaChange, SchemaSnapshot, WriteOutput,
    WritePlan,
};

use crate::connection::enable_wal;
use crate::execute;
use crate::introspect::introspect;
use crate::lanes::Lanes;
use crate::options::SqliteOptions;
use crate::schema_write;
use crate::sql::{SqlEngine, SqlSettings};
use crate::write;

/// A SQLite database behind a service: a read pool and one writer connection, each
/// connection on a lane of its own. Core's [`Database`](sluice_connector_core::Database)
/// keeps the schema snapshot and plans every request; this only introspects and executes.
pub struct SqliteConnector {
    pool: Arc<Lanes>,
    writer: Arc<Lanes>,
    path: PathBuf,
    options: SqliteOptions,
}

impl std::fmt::Debug for SqliteConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No path: it is configuration, and Debug output ends up in logs and errors.
        f.debug_struct("SqliteConnector").finish_non_exhaustive()
    }
}

impl SqliteConnector {
    /// Opens the database at `path` (already checked with
    /// [`validate_database_path`](crate::validate_database_path)): switches it to WAL when
    /// possible and opens the first read connection. Does a little blocking file I/O.
    ///
    /// # Errors
    ///
    /// `Unavailable` when the file is missing, unreadable or not a database; `Busy` when it
    /// is locked past the busy timeout.
    pub fn open(path: &Path, options: SqliteOptions) -> Result<Self, ConnectorError> {
        enable_wal(path, &options)?;
        let pool = Lanes::reads(path.to_path_buf(), options.clone())?;
        Ok(Self {
            pool: Arc::new(pool),
            writer: Arc::new(Lanes::writer(path.to_path_buf(), options.clone())),
            path: path.to_path_buf(),
            options,
        })
    }

    /// The `_sql` engine of this database: client SQL on the same read lanes and writer,
    /// transactions on connections of their own.
    pub fn sql_engine(&self, settings: SqlSettings) -> SqlEngine {
        SqlEngine::new(
            Arc::clone(&self.pool),
            Arc::clone(&self.writer),
            self.path.clone(),
            self.options.clone(),
            settings,
        )
    }
}

#[async_trait]
impl Connector for SqliteConnector {
    /// Reads the schema through the table-valued PRAGMAs on a read lane.
    async fn introspect(&self) -> Result<SchemaSnapshot, ConnectorError> {
        self.pool.run(introspect).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table.name = plan.query.table.name()))]
    async fn execute_read(&self, plan: ReadPlan) -> Result<ReadOutput, ConnectorError> {
        self.pool
            .run(move |connection| execute::read(connection, &plan))
            .await
    }

    /// Runs the write on the writer lane. Record writes leave the schema as it is, so the
    /// read connections' prepared statements stay valid.
    #[tracing::instrument(level = "debug", skip_all, fields(table.name = plan.table.name()))]
    async fn execute_write(&self, plan: WritePlan) -> Result<WriteOutput, ConnectorError> {
        self.writer
            .run(move |connection| write::execute(connection, &plan))
            .await
    }

    /// Runs the change on the writer (one transaction, DDL allowed for this job only).
    #[tracing::instrument(skip_all)]
    async fn apply_schema_change(
        &self,
        schema: Arc<SchemaSnapshot>,
        change: SchemaChange,
    ) -> Result<(), ConnectorError> {
        self.writer
            .run(move |connection| schema_write::apply(connection, &schema, &change))
            .await
    }

    /// Retires the pooled connections and the writer (with their prepared statements);
    /// they are reopened on the next call.
    fn invalidate(&self) {
        self.pool.invalidate();
        self.writer.invalidate();
    }

    /// Jobs queued for the read lanes and the write lane, not yet taken.
    fn queue_depth(&self) -> usize {
        self.pool.queued() + self.writer.queued()
    }
}
