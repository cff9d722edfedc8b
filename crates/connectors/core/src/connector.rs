use std::sync::Arc;

use async_trait::async_trait;

use crate::{
    ConnectorError, ReadBounds, ReadRequest, SchemaChange, SchemaSnapshot, WriteBounds,
    WriteOutput, WriteRequest,
};

/// The body of a successful read, already serialised as DreamFactory JSON.
///
/// Rows are written straight from the database cursor into this buffer (no intermediate
/// `serde_json::Value` per cell), so the gateway only sends the bytes.
#[derive(Debug)]
pub enum ReadOutput {
    /// `{"resource":[...]}` with an optional `"meta":{...}`, or the `as_list` form.
    Json(Vec<u8>),
    /// `count_only=true`: a bare JSON number.
    Count(u64),
}

/// A database behind a service. One value per configured service, shared by all requests.
#[async_trait]
pub trait Connector: Send + Sync + 'static {
    /// Table and view names (DB spelling), sorted case-insensitively; `sqlite_*` never appears.
    async fn table_names(&self, refresh: bool) -> Result<Arc<Vec<String>>, ConnectorError>;

    /// The schema snapshot (tables, columns, keys, relations) for `_schema` reads and
    /// generated API documents, introspected again when `refresh` is set.
    async fn schema(&self, refresh: bool) -> Result<Arc<SchemaSnapshot>, ConnectorError>;

    /// `GET /_table/{table}`: every option of `ReadRequest`. Table lookup is case-insensitive;
    /// an unknown table is `ConnectorError::TableNotFound`. `request.access` (the role's row
    /// filter and hidden fields) must restrict the read; planning with `ReadPlan` does that.
    async fn read_records(
        &self,
        table: &str,
        request: ReadRequest,
        bounds: ReadBounds,
    ) -> Result<ReadOutput, ConnectorError>;

    /// `GET /_table/{table}/{id}`: one record as a bare JSON object, or
    /// `ConnectorError::RecordNotFound` (also when the role's row filter excludes it).
    async fn read_record(
        &self,
        table: &str,
        id: &str,
        request: ReadRequest,
        bounds: ReadBounds,
    ) -> Result<Vec<u8>, ConnectorError>;

    /// `POST`, `PUT`, `PATCH` and `DELETE` on `/_table/{table}` and `/_table/{table}/{id}`
    /// (wire reference 4): every body shape, target and option of `WriteRequest`, planned
    /// with [`WritePlan`](crate::WritePlan). Table lookup is case-insensitive; an unknown
    /// table is `ConnectorError::TableNotFound`.
    ///
    /// `request.access` must restrict the write: UPDATE and DELETE only reach rows inside
    /// the role's row filter (others are "not found"), and a row an INSERT or UPDATE would
    /// leave outside it is not written (403 `Denied access to some of the requested
    /// fields.`).
    ///
    /// # Errors
    ///
    /// Request-level 400s; for the `/{id}` forms the record's own error (`BadRequest`,
    /// `RecordNotFound`, `Forbidden`); otherwise `ConnectorError::Batch` when any record
    /// failed (records before it may be written unless `rollback`); `Busy`, `Full`,
    /// `Unavailable`, `Internal` when the database fails, in which case nothing of the
    /// request is written.
    async fn write(
        &self,
        table: &str,
        request: WriteRequest,
        bounds: WriteBounds,
    ) -> Result<WriteOutput, ConnectorError>;

    /// `_schema` writes: applies `change` in one transaction (nothing changes when it
    /// fails) and refreshes the cached schema. Invalid definitions are `BadRequest`; an
    /// unknown or internal (`sqlite_*`) table is `TableNotFound`.
    async fn change_schema(&self, change: SchemaChange) -> Result<(), ConnectorError>;

    /// Drop cached schema and statements so the next call re-introspects.
    fn invalidate(&self);
}
