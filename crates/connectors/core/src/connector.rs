//! The connector seam: what one kind of database implements. Everything else of a request
//! (schema cache, table lookup, planning with the caller's access, DreamFactory's answers)
//! is core's, in [`Database`](crate::Database) and the plans.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{ConnectorError, ReadPlan, SchemaChange, SchemaSnapshot, WriteOutput, WritePlan};

/// The body of a successful read, already serialised as DreamFactory JSON.
///
/// Rows are written straight from the database cursor into this buffer (no intermediate
/// `serde_json::Value` per cell), so the gateway only sends the bytes.
#[derive(Debug)]
pub enum ReadOutput {
    /// `{"resource":[...]}` with an optional `"meta":{...}`, the `as_list` form, or the
    /// bare object of a read by id.
    Json(Vec<u8>),
    /// `count_only=true`: a bare JSON number.
    Count(u64),
}

/// One kind of database (SQLite today; PostgreSQL and MySQL next): introspection and the
/// execution of plans, nothing else. A connector never sees the client's raw options or
/// the caller's role: it gets a [`ReadPlan`] / [`WritePlan`] that core built from them, with
/// the role's row filter already in every condition and its hidden fields already out of
/// every projection, and it compiles and runs exactly that.
///
/// What differs between databases belongs to each connector's SQL compilation:
/// - placeholders: SQLite and MySQL bind `?`, PostgreSQL `$1`, `$2`, ... (the compiler
///   numbers binds as it appends them);
/// - identifier quoting: `"name"` for SQLite and PostgreSQL, `` `name` `` for MySQL, the
///   quote character doubled inside names;
/// - new keys and the role's check on written rows: SQLite (3.35+) and PostgreSQL say
///   `RETURNING`; MySQL has none, so its connector reads `LAST_INSERT_ID()` and re-selects
///   the written row `WHERE key AND role` inside the transaction;
/// - drivers: SQLite runs rusqlite on threads of its own (`execute_*` await a job queued to
///   them); PostgreSQL (tokio-postgres) and MySQL await an async driver directly. Either way no
///   blocking call runs on an async thread.
///
/// One value per configured service, shared by all requests; wrap it in a
/// [`Database`](crate::Database).
#[async_trait]
pub trait Connector: Send + Sync + 'static {
    /// Reads the database's schema: tables and views (never internal ones such as
    /// `sqlite_*`), columns with their DreamFactory types, keys, foreign keys. Core caches
    /// the snapshot until a refresh or [`Connector::invalidate`].
    async fn introspect(&self) -> Result<SchemaSnapshot, ConnectorError>;

    /// Runs a read: the rows of `plan.query` written with `plan.rows`, related data
    /// attached with [`ReadPlan::attach_related`], and the answer `plan.kind` asks for (a
    /// page with `meta`, the `ids` list, one bare record, or a count). Reads of one plan
    /// (rows, count, related rows) must see one snapshot of the database.
    async fn execute_read(&self, plan: ReadPlan) -> Result<ReadOutput, ConnectorError>;

    /// Runs a write in one transaction, statement by statement as `plan.action` says, with
    /// `plan.role` restricting every UPDATE / DELETE and checked on every written row, and
    /// answers with [`WritePlan::finish`]. Nothing of the request is written when the
    /// database fails (`Busy`, `Full`, `Unavailable`, `Internal`).
    async fn execute_write(&self, plan: WritePlan) -> Result<WriteOutput, ConnectorError>;

    /// `_schema` writes: applies `change` against `schema` (the current snapshot) in one
    /// transaction, nothing changed when it fails. Invalid definitions are `BadRequest`; an
    /// unknown or internal table is `TableNotFound`. Core invalidates afterwards.
    async fn apply_schema_change(
        &self,
        schema: Arc<SchemaSnapshot>,
        change: SchemaChange,
    ) -> Result<(), ConnectorError>;

    /// Drops what the connector caches that depends on the schema (prepared statements,
    /// pooled connections), so the next call starts afresh.
    fn invalidate(&self);

    /// Requests waiting for the database right now (read when metrics are scraped, never on
    /// a request's path); 0 for a connector that queues nothing of its own.
    fn queue_depth(&self) -> usize {
        0
    }
}
