//! The pipeline every connector shares: schema snapshot (cached here) -> resolve the table
//! -> plan with the caller's access -> `connector.execute_*` -> DreamFactory JSON.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use crate::access::{LookupSource, TableAccess};
use crate::connector::{Connector, ReadOutput};
use crate::error::ConnectorError;
use crate::plan::ReadPlan;
use crate::read::ReadRequest;
use crate::schema::{SchemaSnapshot, TableSchema};
use crate::schema_change::SchemaChange;
use crate::write::{WriteBounds, WriteOutput, WritePlan, WriteRequest};

/// A database behind a service: its connector and the schema snapshot core keeps for it.
/// One value per configured service, shared by all requests.
pub struct Database {
    connector: Box<dyn Connector>,
    /// Introspected once and kept until `refresh=true`, a schema change or
    /// [`Database::invalidate`] (DreamFactory caches schema forever, too).
    schema: RwLock<Option<Arc<SchemaSnapshot>>>,
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database").finish_non_exhaustive()
    }
}

impl Database {
    pub fn new(connector: impl Connector) -> Self {
        Self {
            connector: Box::new(connector),
            schema: RwLock::new(None),
        }
    }

    /// The schema snapshot, introspected on first use or when `refresh` is set.
    ///
    /// # Errors
    ///
    /// The connector's error when the schema cannot be read.
    pub async fn schema(&self, refresh: bool) -> Result<Arc<SchemaSnapshot>, ConnectorError> {
        if !refresh && let Some(snapshot) = self.cached_schema() {
            return Ok(snapshot);
        }
        let snapshot = Arc::new(self.connector.introspect().await?);
        *self.schema.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&snapshot));
        Ok(snapshot)
    }

    fn cached_schema(&self) -> Option<Arc<SchemaSnapshot>> {
        self.schema
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Table and view names (DB spelling), sorted case-insensitively.
    ///
    /// # Errors
    ///
    /// The connector's error when the schema cannot be read.
    pub async fn table_names(&self, refresh: bool) -> Result<Arc<Vec<String>>, ConnectorError> {
        Ok(self.schema(refresh).await?.table_names())
    }

    /// `_schema` writes: applies `change` against a fresh snapshot in one transaction (nothing
    /// changes when it fails), then drops every cached schema and statement, whether it
    /// succeeded or not.
    ///
    /// # Errors
    ///
    /// `BadRequest` for invalid definitions, `TableNotFound` for an unknown or internal
    /// table, the database's failures.
    pub async fn change_schema(&self, change: SchemaChange) -> Result<(), ConnectorError> {
        let schema = self.schema(true).await?;
        let result = self.connector.apply_schema_change(schema, change).await;
        self.invalidate();
        result
    }

    /// Drops the schema snapshot and the connector's statements and connections; all are
    /// rebuilt on the next call.
    pub fn invalidate(&self) {
        *self.schema.write().unwrap_or_else(PoisonError::into_inner) = None;
        self.connector.invalidate();
    }

    /// [`Connector::queue_depth`]: requests waiting for this database right now.
    pub fn queue_depth(&self) -> usize {
        self.connector.queue_depth()
    }

    /// The snapshot (refreshed when asked) and `name` in it, case-insensitively.
    async fn resolve(
        &self,
        name: &str,
        refresh: bool,
    ) -> Result<(Arc<SchemaSnapshot>, Arc<TableSchema>), ConnectorError> {
        let schema = self.schema(refresh).await?;
        let table = schema
            .table(name)
            .cloned()
            .ok_or_else(|| ConnectorError::TableNotFound(name.to_owned()))?;
        Ok((schema, table))
    }
}

/// One table of a service as the access check allowed the caller to use it: the only way
/// handlers reach records. It carries the database, the table's name as the client wrote it,
/// the caller's [`TableAccess`] (required: there is no constructor without one) and the
/// bounds of the service's configuration.
#[derive(Debug)]
pub struct AuthorizedTable {
    database: Arc<Database>,
    name: String,
    access: TableAccess,
    bounds: WriteBounds,
}

impl AuthorizedTable {
    /// `name` of `database` for a caller with `access`; `bounds.read` bounds its reads.
    pub fn new(
        database: Arc<Database>,
        name: String,
        access: TableAccess,
        bounds: WriteBounds,
    ) -> Self {
        Self {
            database,
            name,
            access,
            bounds,
        }
    }

    /// Attaches the session's lookups (see [`TableAccess::with_lookups`]).
    #[must_use]
    pub fn with_lookups(mut self, lookups: Arc<dyn LookupSource>) -> Self {
        self.access = self.access.with_lookups(lookups);
        self
    }

    pub fn access(&self) -> &TableAccess {
        &self.access
    }

    /// `GET /_table/{table}`: every option of `request` (see [`ReadPlan::list`]). An
    /// unknown table is `TableNotFound`.
    ///
    /// # Errors
    ///
    /// The 400s and 403s of planning, and the connector's failures.
    pub async fn read_records(&self, request: &ReadRequest) -> Result<ReadOutput, ConnectorError> {
        let (schema, table) = self.database.resolve(&self.name, request.refresh).await?;
        let plan = ReadPlan::list(&schema, table, request, &self.access, &self.bounds.read)?;
        self.database.connector.execute_read(plan).await
    }

    /// `GET /_table/{table}/{id}`: one record as a bare JSON object, or `RecordNotFound`
    /// (also when the role's row filter excludes it).
    ///
    /// # Errors
    ///
    /// The 400s and 403s of planning, `RecordNotFound`, and the connector's failures.
    pub async fn read_record(
        &self,
        id: &str,
        request: &ReadRequest,
    ) -> Result<Vec<u8>, ConnectorError> {
        let (schema, table) = self.database.resolve(&self.name, request.refresh).await?;
        let plan = ReadPlan::by_id(&schema, table, id, request, &self.access, &self.bounds.read)?;
        match self.database.connector.execute_read(plan).await? {
            ReadOutput::Json(bytes) => Ok(bytes),
            ReadOutput::Count(_) => Err(ConnectorError::Internal(
                "a record read was answered with a count".to_owned(),
            )),
        }
    }

    /// `POST`, `PUT`, `PATCH` and `DELETE` on `/_table/{table}` and `/_table/{table}/{id}`:
    /// every body shape, target and option of `request`, planned with [`WritePlan::new`]
    /// against the cached schema. Record writes leave the schema as it
    /// is, so the snapshot and the connector's prepared statements stay valid.
    ///
    /// UPDATE and DELETE only reach rows inside the role's row filter (others are "not
    /// found"), and a row an INSERT or UPDATE would leave outside it is not written (403
    /// `Denied access to some of the requested fields.`).
    ///
    /// # Errors
    ///
    /// Request-level 400s; for the `/{id}` forms the record's own error (`BadRequest`,
    /// `RecordNotFound`, `Forbidden`); otherwise `ConnectorError::Batch` when any record
    /// failed (records before it may be written unless `rollback`); `Busy`, `Full`,
    /// `Unavailable`, `Internal` when the database fails, in which case nothing of the
    /// request is written.
    pub async fn write(&self, request: &WriteRequest) -> Result<WriteOutput, ConnectorError> {
        let (schema, table) = self.database.resolve(&self.name, false).await?;
        let plan = WritePlan::new(&schema, table, request, &self.access, &self.bounds)?;
        self.database.connector.execute_write(plan).await
    }
}

#[cfg(test)]
mod tests;
