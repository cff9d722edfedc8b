//! `SqliteConnector`: the `Connector` for one SQLite service.

use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use sluice_connector_core::{
    Connector, ConnectorError, ReadBounds, ReadOutput, ReadPlan, ReadRequest, SchemaChange,
    SchemaSnapshot, TableSchema, WriteBounds, WriteOutput, WritePlan, WriteRequest,
};

use crate::connection::enable_wal;
use crate::execute;
use crate::introspect::introspect;
use crate::lanes::Lanes;
use crate::options::SqliteOptions;
use crate::schema_write;
use crate::write;

/// A SQLite database behind a service: a read pool, one writer connection and the cached
/// schema snapshot.
pub struct SqliteConnector {
    pool: Arc<Lanes>,
    writer: Arc<Lanes>,
    /// Introspected once and kept until `refresh=true` or [`Connector::invalidate`]
    /// (DreamFactory caches schema forever, too).
    schema: RwLock<Option<Arc<SchemaSnapshot>>>,
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
            writer: Arc::new(Lanes::writer(path.to_path_buf(), options)),
            schema: RwLock::new(None),
        })
    }

    /// The schema snapshot, introspected on first use or when `refresh` is set.
    ///
    /// # Errors
    ///
    /// The mapped SQLite error when the schema cannot be read.
    pub async fn schema(&self, refresh: bool) -> Result<Arc<SchemaSnapshot>, ConnectorError> {
        if !refresh && let Some(snapshot) = self.cached_schema() {
            return Ok(snapshot);
        }
        let snapshot = Arc::new(self.pool.run(introspect).await?);
        *self.schema.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&snapshot));
        Ok(snapshot)
    }

    fn cached_schema(&self) -> Option<Arc<SchemaSnapshot>> {
        self.schema
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// `name` in `schema` (case-insensitively), or DreamFactory's 404.
fn found(schema: &SchemaSnapshot, name: &str) -> Result<Arc<TableSchema>, ConnectorError> {
    schema
        .table(name)
        .cloned()
        .ok_or_else(|| ConnectorError::TableNotFound(name.to_owned()))
}

#[async_trait]
impl Connector for SqliteConnector {
    async fn table_names(&self, refresh: bool) -> Result<Arc<Vec<String>>, ConnectorError> {
        Ok(self.schema(refresh).await?.table_names())
    }

    async fn schema(&self, refresh: bool) -> Result<Arc<SchemaSnapshot>, ConnectorError> {
        SqliteConnector::schema(self, refresh).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table.name = table))]
    async fn read_records(
        &self,
        table: &str,
        request: ReadRequest,
        bounds: ReadBounds,
    ) -> Result<ReadOutput, ConnectorError> {
        let schema = self.schema(request.refresh).await?;
        let table = found(&schema, table)?;
        let plan = ReadPlan::list(&schema, table, &request, &bounds)?;
        self.pool
            .run(move |connection| execute::read_records(connection, &plan))
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table.name = table))]
    async fn read_record(
        &self,
        table: &str,
        id: &str,
        request: ReadRequest,
        bounds: ReadBounds,
    ) -> Result<Vec<u8>, ConnectorError> {
        let schema = self.schema(request.refresh).await?;
        let table = found(&schema, table)?;
        let plan = ReadPlan::by_id(&schema, table, id, &request, &bounds)?;
        self.pool
            .run(move |connection| execute::read_record(connection, &plan))
            .await
    }

    /// Plans the write against the cached schema and runs it on the writer connection.
    /// Record writes leave the schema as it is, so the cached snapshot and the read
    /// connections' prepared statements stay valid.
    #[tracing::instrument(level = "debug", skip_all, fields(table.name = table))]
    async fn write(
        &self,
        table: &str,
        request: WriteRequest,
        bounds: WriteBounds,
    ) -> Result<WriteOutput, ConnectorError> {
        let schema = self.schema(false).await?;
        let table = found(&schema, table)?;
        let plan = WritePlan::new(&schema, table, &request, &bounds)?;
        self.writer
            .run(move |connection| write::execute(connection, &plan))
            .await
    }

    /// Runs the change on the writer (one transaction, DDL allowed for this job only), then
    /// drops every cached schema and statement, whether it succeeded or not.
    #[tracing::instrument(skip_all)]
    async fn change_schema(&self, change: SchemaChange) -> Result<(), ConnectorError> {
        let schema = self.schema(true).await?;
        let result = self
            .writer
            .run(move |connection| schema_write::apply(connection, &schema, &change))
            .await;
        self.invalidate();
        result
    }

    /// Drops the schema snapshot and retires the pooled connections and the writer (with
    /// their prepared statements); all are rebuilt on the next call.
    fn invalidate(&self) {
        *self.schema.write().unwrap_or_else(PoisonError::into_inner) = None;
        self.pool.invalidate();
        self.writer.invalidate();
    }
}
