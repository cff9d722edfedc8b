//! Writes on `/_table/{table}`: the request the gateway hands over, the
//! driver-independent plan a connector executes, and the assembly of DreamFactory's responses
//! and batch errors.

mod body;
mod nested;
mod outcome;
mod plan;
mod record;
mod reselect;
mod run;
mod target;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;

pub use body::unwrap_records;
pub use nested::{NestedWriter, ParentRow, RecordRelations, RecordStore};
pub use outcome::{RecordError, RecordResult};
pub use plan::{
    BatchMode, ColumnValue, InsertRecord, RecordKey, Reselect, UpdateRecord, WriteAction, WritePlan,
};
pub use run::{RecordWriter, WriteDone};

use crate::read::ReadBounds;

/// Which verb the write is. PUT and PATCH are the same for tables: both are partial
/// updates (PUT does not null the columns it leaves out), so both are `Update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// `POST`.
    Create,
    /// `PUT` or `PATCH`.
    Update,
    /// `DELETE`.
    Delete,
}

impl WriteKind {
    /// The participle of DreamFactory's batch message (`could be created.`).
    pub(crate) fn participle(self) -> &'static str {
        match self {
            Self::Create => "created",
            Self::Update => "updated",
            Self::Delete => "deleted",
        }
    }
}

/// One write on a table, as the client asked for it. The gateway fills it from the URL and
/// the query string (or the same options in the JSON body, the query winning); the caller's
/// role and session travel separately, as the [`TableAccess`](crate::TableAccess) every
/// plan requires. Every name and value is checked against the schema.
///
/// Which records are written (first match wins):
/// - `Create`: `records`, each one row. `id` is refused.
/// - `Update`: `id` (the `/{id}` form; its change set is `records[0]`, or nothing) >
///   `ids` (the change set `records[0]` applied to each id) > `filter` (the change set
///   `records[0]` applied to every matching row, one statement) > `records`, each carrying
///   its identifier. Outside the `/{id}` form `records` must not be empty.
/// - `Delete`: `id` > `ids` > `records` (their identifiers) > `filter` > `force` (every row
///   the role may see).
///
/// Identifiers are the `id_field` columns (comma list, for composite keys), else the
/// primary key.
#[derive(Clone)]
pub struct WriteRequest {
    pub kind: WriteKind,
    /// The `{id}` of `/_table/{table}/{id}`: the answer is a bare object and a failure is
    /// the record's own error (404, 400, 403) instead of a batch error.
    pub id: Option<String>,
    /// `ids`: comma list. An empty string counts as absent (as in DreamFactory).
    pub ids: Option<String>,
    /// `filter`: blank counts as absent.
    pub filter: Option<String>,
    pub id_field: Option<String>,
    /// `force=true`: `DELETE` without ids, records or filter deletes every row the role may
    /// see and answers `{"success":true}`.
    pub force: bool,
    /// The body's records, already unwrapped (see [`unwrap_records`]); for the `/{id}`
    /// forms the body object itself.
    pub records: Vec<serde_json::Map<String, serde_json::Value>>,
    /// `fields`: absent or empty = identifiers only; otherwise the written rows are read
    /// back with these fields (`*` = all).
    pub fields: Option<String>,
    /// `continue=true`: keep going after a failed record.
    pub continue_on_error: bool,
    /// `rollback=true`: all records or none.
    pub rollback: bool,
    /// `params` for `:name` placeholders in `filter`; keys with or without the colon.
    pub params: HashMap<String, serde_json::Value>,
    /// `related`: read the written records back with related data (as `fields` does;
    /// without `fields` the primary key is read).
    pub related: Option<String>,
    /// `{rel}_fields`, `{rel}_limit`, `{rel}_order` for `related` (see
    /// [`ReadRequest::related_options`](crate::ReadRequest::related_options)).
    pub related_options: HashMap<String, String>,
    /// `allow_related_delete=true`: a has_many record disowned (foreign key `null`) whose
    /// foreign key column is NOT NULL is deleted instead.
    pub allow_related_delete: bool,
}

impl WriteRequest {
    /// A request of `kind` with nothing else set.
    pub fn new(kind: WriteKind) -> Self {
        Self {
            kind,
            id: None,
            ids: None,
            filter: None,
            id_field: None,
            force: false,
            records: Vec::new(),
            fields: None,
            continue_on_error: false,
            rollback: false,
            params: HashMap::new(),
            related: None,
            related_options: HashMap::new(),
            allow_related_delete: false,
        }
    }
}

impl fmt::Debug for WriteRequest {
    /// Leaves out record values and lookup values: both are client or session data (rule
    /// of `docs/LOGGING.md`: never log record bodies).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteRequest")
            .field("kind", &self.kind)
            .field("id", &self.id)
            .field("ids", &self.ids)
            .field("filter", &self.filter)
            .field("id_field", &self.id_field)
            .field("force", &self.force)
            .field("records", &self.records.len())
            .field("fields", &self.fields)
            .field("continue_on_error", &self.continue_on_error)
            .field("rollback", &self.rollback)
            .field("params", &self.params.keys().collect::<Vec<_>>())
            .field("related", &self.related)
            .field("related_options", &self.related_options)
            .field("allow_related_delete", &self.allow_related_delete)
            .finish()
    }
}

/// What configuration decides about writes: hard limits, enforced before any work
/// starts, and the service's settings.
#[derive(Debug, Clone, Copy)]
pub struct WriteBounds {
    /// Records in one request (default 10,000).
    pub max_batch_records: usize,
    /// The read bounds: filter limits, `ids` count, and `max_records` for the rows listed
    /// after a filter update or delete.
    pub read: ReadBounds,
    /// The service's `allow_upsert`: an update of an identified record that does not exist
    /// inserts it.
    pub allow_upsert: bool,
}

impl Default for WriteBounds {
    fn default() -> Self {
        Self {
            max_batch_records: 10_000,
            read: ReadBounds::default(),
            allow_upsert: false,
        }
    }
}

/// The body of a successful write, already serialised: `{"resource":[...]}`, a bare
/// object for the `/{id}` forms, or `{"success":true}` for `force` deletes. DreamFactory
/// answers writes with 200, POST included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOutput {
    pub body: Vec<u8>,
}

impl WriteOutput {
    /// `{"success":true}`, the answer to a `force` delete.
    pub fn success() -> Self {
        Self {
            body: br#"{"success":true}"#.to_vec(),
        }
    }
}
