//! Planning a write: which records it targets (URL id, ids, records, filter, in that
//! precedence), their values, the read-back, the batch mode and upsert.

use std::sync::Arc;

use serde_json::Map;

use crate::access::{LookupSource, TableAccess};
use crate::condition::Condition;
use crate::error::ConnectorError;
use crate::json::RowWriter;
use crate::plan::{
    IdLookup, RequestedId, both, identifier_columns, no_identifier, requested_id_fields,
    restrict_table,
};
use crate::resolve::parse_filter;
use crate::schema::{ColumnRef, SchemaSnapshot, TableSchema};
use crate::write::nested::{NestedContext, split_relations};
use crate::write::outcome::RecordError;
use crate::write::plan::{BatchMode, RecordKey, UpdateRecord, WriteAction, WritePlan};
use crate::write::record::{Purpose, RecordReader, changes, insert_record};
use crate::write::reselect::reselect;
use crate::write::{WriteBounds, WriteKind, WriteRequest};

const NO_RECORDS: &str = "No record(s) detected in request. Please make sure record(s) are \
wrapped in a 'resource' tag. Example: {\"resource\":[{\"record\":1},{\"record\":2}]}";

/// Which records a request targets, after DreamFactory's precedence.
enum Target<'r> {
    /// The records in the body (new rows, or rows named by the ids they carry).
    Records,
    /// `/{id}`.
    Id(&'r str),
    Ids(&'r str),
    Filter(&'r str),
    /// `force=true`.
    All,
}

impl WritePlan {
    /// Checks `request` against `table` as the caller's `access` allows and plans it: the
    /// role's row filter restricts every statement and every written row, its hidden fields
    /// are unknown, `access.related()` decides the nested writes and `related`.
    ///
    /// Request-level problems are errors here; problems of one record (a missing required
    /// field, a value of the wrong type, a missing identifier) are kept at the record's
    /// index in [`WriteAction`], to be reported in the batch error at their place.
    ///
    /// # Errors
    ///
    /// 400 with DreamFactory's message: `Create record by identifier not currently
    /// supported.`, `No record(s) detected in request. ...`, `No filter or records given
    /// for delete request.`, `Rollback and continue operations can not be requested at the
    /// same time.`, too many records or ids, an invalid `fields` / `id_field` / `filter`
    /// / identifier, no identifier columns where records must be identified, and, for the
    /// `filter` form, an invalid change set or one carrying related records.
    /// `ConnectorError::ServerFilter` when the role's row filter does not fit the table; the
    /// errors of related planning for `related`.
    ///
    /// Related records in a record (keys naming a relationship of the table, see
    /// [`RecordRelations`](super::nested::RecordRelations)) are checked for their shape here
    /// and written at run time through [`WritePlan::nested_writer`]; the other tables are
    /// looked up in `schema`.
    pub fn new(
        schema: &Arc<SchemaSnapshot>,
        table: Arc<TableSchema>,
        request: &WriteRequest,
        access: &TableAccess,
        bounds: &WriteBounds,
    ) -> Result<Self, ConnectorError> {
        if table.is_view() {
            return Err(ConnectorError::bad_request(format!(
                "Records of view '{}' can not be written.",
                table.name()
            )));
        }
        let target = target(request)?;
        if request.rollback && request.continue_on_error {
            return Err(ConnectorError::bad_request(
                "Rollback and continue operations can not be requested at the same time.",
            ));
        }
        if request.records.len() > bounds.max_batch_records {
            return Err(ConnectorError::bad_request(format!(
                "Too many records in one request: the limit is {}.",
                bounds.max_batch_records
            )));
        }
        let (table, role) = restrict_table(table, access.row(), access.lookups())?;
        let key_columns = match (&target, request.kind) {
            (Target::Records, WriteKind::Create) => {
                requested_id_fields(&table, request.id_field.as_deref())?
                    .unwrap_or_else(|| table.primary_key().to_vec())
            }
            (Target::Filter(_) | Target::All, _) => Vec::new(),
            _ => identifier_columns(&table, request.id_field.as_deref())?,
        };
        let matching = matches!(target, Target::Filter(_));
        let reselect = reselect(schema, &table, request, access, bounds, matching)?;
        if reselect.is_some() && !matching && key_columns.is_empty() {
            return Err(no_identifier(&table));
        }
        let reader = RecordReader {
            table: &table,
            lookups: access.lookups(),
            user_id: access.user_id(),
        };
        let action = action(
            &reader,
            &target,
            request,
            bounds,
            &key_columns,
            role.as_ref(),
        )?;
        let identifier_writer = RowWriter::object(key_columns.iter().map(|&column| {
            let schema = table.column(column);
            (schema.name.as_str(), schema.df_type.value_class())
        }));
        Ok(Self {
            mode: match (request.rollback, request.continue_on_error) {
                (true, _) => BatchMode::Rollback,
                (_, true) => BatchMode::Continue,
                _ => BatchMode::StopOnError,
            },
            single: matches!(target, Target::Id(_)),
            kind: request.kind,
            listing_limit: bounds.read.max_records.max(1),
            table,
            role,
            key_columns,
            reselect,
            action,
            identifier_writer,
            nested: NestedContext {
                schema: Arc::clone(schema),
                access: access.clone(),
                allow_related_delete: request.allow_related_delete,
                max_depth: bounds.read.max_related_depth,
            },
        })
    }
}

fn target(request: &WriteRequest) -> Result<Target<'_>, ConnectorError> {
    let id = request.id.as_deref();
    let ids = request.ids.as_deref().filter(|ids| !ids.is_empty());
    let filter = request
        .filter
        .as_deref()
        .filter(|filter| !filter.trim().is_empty());
    let no_records = request.records.is_empty();
    Ok(match request.kind {
        WriteKind::Create if id.is_some() => {
            return Err(ConnectorError::bad_request(
                "Create record by identifier not currently supported.",
            ));
        }
        WriteKind::Create | WriteKind::Update if id.is_none() && no_records => {
            return Err(ConnectorError::bad_request(NO_RECORDS));
        }
        WriteKind::Create => Target::Records,
        WriteKind::Update => match (id, ids, filter) {
            (Some(id), _, _) => Target::Id(id),
            (None, Some(ids), _) => Target::Ids(ids),
            (None, None, Some(filter)) => Target::Filter(filter),
            (None, None, None) => Target::Records,
        },
        WriteKind::Delete => match (id, ids, filter) {
            (Some(id), _, _) => Target::Id(id),
            (None, Some(ids), _) => Target::Ids(ids),
            _ if !no_records => Target::Records,
            (None, None, Some(filter)) => Target::Filter(filter),
            _ if request.force => Target::All,
            _ => {
                return Err(ConnectorError::bad_request(
                    "No filter or records given for delete request.",
                ));
            }
        },
    })
}

fn action(
    reader: &RecordReader<'_>,
    target: &Target<'_>,
    request: &WriteRequest,
    bounds: &WriteBounds,
    key_columns: &[ColumnRef],
    role: Option<&Condition>,
) -> Result<WriteAction, ConnectorError> {
    let table = reader.table;
    let records = &request.records;
    let empty = Map::new();
    let change_set = || records.first().unwrap_or(&empty);
    let upsert = bounds.allow_upsert;
    let keys = |ids: &str| -> Result<Vec<RecordKey>, ConnectorError> {
        let lookup = IdLookup::parse(table, key_columns.to_vec(), ids, bounds.read.max_ids, false)?;
        Ok(lookup
            .ids
            .into_iter()
            .map(|id| RecordKey {
                raw: id.raw,
                values: id.values,
            })
            .collect())
    };
    Ok(match (request.kind, target) {
        (WriteKind::Create, _) => WriteAction::Insert(
            records
                .iter()
                .map(|record| insert_record(reader, record))
                .collect(),
        ),
        (WriteKind::Update, Target::Id(id)) => {
            let changes = changes(reader, change_set(), key_columns);
            let key = keys_of_one(table, key_columns, id)?;
            WriteAction::Update {
                records: vec![changes.map(|(changes, relations)| UpdateRecord {
                    key,
                    changes,
                    relations,
                })],
                upsert,
            }
        }
        (WriteKind::Update, Target::Ids(ids)) => {
            let changes = changes(reader, change_set(), key_columns);
            let records = keys(ids)?
                .into_iter()
                .map(|key| {
                    let (changes, relations) = changes.clone()?;
                    Ok(UpdateRecord {
                        key,
                        changes,
                        relations,
                    })
                })
                .collect();
            WriteAction::Update { records, upsert }
        }
        (WriteKind::Update, Target::Filter(filter)) => {
            if split_relations(table, change_set())
                .map_err(RecordError::into_connector_error)?
                .is_some()
            {
                return Err(ConnectorError::bad_request(
                    "Related records can not be written by an update with a filter.",
                ));
            }
            WriteAction::UpdateMatching {
                changes: reader
                    .values(change_set(), Purpose::Update, &[], &[])
                    .map_err(RecordError::into_connector_error)?,
                condition: matching(filter, request, reader.lookups, table, bounds, role)?,
            }
        }
        (WriteKind::Update, _) => WriteAction::Update {
            records: records
                .iter()
                .enumerate()
                .map(|(index, record)| {
                    let key = reader.key(record, key_columns, index)?;
                    let (changes, relations) = changes(reader, record, key_columns)?;
                    Ok(UpdateRecord {
                        key,
                        changes,
                        relations,
                    })
                })
                .collect(),
            upsert,
        },
        (WriteKind::Delete, Target::Id(id)) => {
            WriteAction::Delete(vec![Ok(keys_of_one(table, key_columns, id)?)])
        }
        (WriteKind::Delete, Target::Ids(ids)) => {
            WriteAction::Delete(keys(ids)?.into_iter().map(Ok).collect())
        }
        (WriteKind::Delete, Target::Records) => WriteAction::Delete(
            records
                .iter()
                .enumerate()
                .map(|(index, record)| reader.key(record, key_columns, index))
                .collect(),
        ),
        (WriteKind::Delete, Target::Filter(filter)) => WriteAction::DeleteMatching {
            condition: matching(filter, request, reader.lookups, table, bounds, role)?,
        },
        (WriteKind::Delete, Target::All) => WriteAction::DeleteAll,
    })
}

/// The identifier of the `/{id}` form, typed like an id of `ids`.
fn keys_of_one(
    table: &TableSchema,
    key_columns: &[ColumnRef],
    id: &str,
) -> Result<RecordKey, ConnectorError> {
    let id = RequestedId::typed(table, key_columns, id)?;
    Ok(RecordKey {
        raw: id.raw,
        values: id.values,
    })
}

/// The client's filter AND the role's, as one tree.
fn matching(
    filter: &str,
    request: &WriteRequest,
    lookups: Option<&dyn LookupSource>,
    table: &TableSchema,
    bounds: &WriteBounds,
    role: Option<&Condition>,
) -> Result<Condition, ConnectorError> {
    let client = parse_filter(filter, table, &request.params, lookups, &bounds.read)?;
    // `target` only picks the filter form for a filter with content, so `client` is set.
    Ok(both(client, role.cloned()).unwrap_or(Condition::And(Vec::new())))
}
