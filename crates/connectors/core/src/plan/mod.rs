//! A [`ReadRequest`] checked and resolved against a table: the driver-independent plan of
//! one read. Connectors compile [`SelectQuery`] to SQL, run it, write rows with
//! [`ReadPlan::rows`] and finish with the plan's paging or id rules.

#[cfg(test)]
mod access_tests;
mod answer;
mod fields;
mod ids;
mod order;
mod paging;
mod related;
#[cfg(test)]
pub(crate) mod tests;

use std::sync::Arc;

pub use fields::{AggregateFunction, Projection};
pub(crate) use fields::{object_writer, parse_fields};
pub use ids::{FetchedRow, IdLookup, RequestedId};
pub(crate) use order::parse_order;
pub use order::{NullsOrder, OrderTerm};
pub use paging::Paging;
pub(crate) use paging::parse_integer;
pub use related::attach_related;
use related::related;

use crate::access::{LookupSource, RowAccess, TableAccess};
use crate::condition::Condition;
use crate::error::ConnectorError;
use crate::json::RowWriter;
use crate::read::{ReadBounds, ReadRequest};
use crate::related::RelatedPlan;
use crate::resolve::{parse_filter, resolve_role_filter};
use crate::schema::{ColumnRef, SchemaSnapshot, TableSchema};

/// One SELECT, with every identifier a schema reference and every value a bind.
#[derive(Debug, Clone)]
pub struct SelectQuery {
    pub table: Arc<TableSchema>,
    /// The values to select, in output order. For reads by id, the identifier columns are
    /// appended after the ones [`ReadPlan::rows`] writes, to match rows to ids; with related
    /// data, the link columns of [`ReadPlan::related`] come last.
    pub projection: Vec<Projection>,
    pub condition: Option<Condition>,
    pub group_by: Vec<ColumnRef>,
    pub order_by: Vec<OrderTerm>,
    /// `None`: no LIMIT clause.
    pub limit: Option<u64>,
    pub offset: u64,
}

/// What kind of read this is, which decides how the rows become a response.
#[derive(Debug, Clone)]
pub enum ReadKind {
    /// A list read (`filter`, paging, `meta`).
    Page(Paging),
    /// `ids=`: every id must be found (see [`IdLookup::assemble`]).
    Ids(IdLookup),
    /// `GET /_table/{t}/{id}`: one bare record (see [`IdLookup::single`]).
    Single(IdLookup),
}

/// Only [`ReadPlan::list`] and [`ReadPlan::by_id`] make one (`non_exhaustive`: other crates
/// cannot write it as a literal), and both require the caller's [`TableAccess`], so a read
/// without the access check does not compile:
///
/// ```compile_fail,E0061
/// # use std::sync::Arc;
/// # use sluice_connector_core::{ReadBounds, ReadPlan, ReadRequest, SchemaSnapshot, TableSchema};
/// # fn plan(schema: &SchemaSnapshot, table: Arc<TableSchema>) {
/// let plan = ReadPlan::list(schema, table, &ReadRequest::default(), &ReadBounds::default());
/// # }
/// ```
///
/// and neither does a request that carries its own (optional) access:
///
/// ```compile_fail,E0560
/// # use sluice_connector_core::ReadRequest;
/// let request = ReadRequest { access: None, ..ReadRequest::default() };
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReadPlan {
    pub query: SelectQuery,
    pub kind: ReadKind,
    /// Writes the first `rows.width()` values of each row (an object, or the identifier
    /// for `as_list`).
    pub rows: RowWriter,
    /// `include_schema=true`: add the table descriptor as `meta.schema`.
    pub include_schema: bool,
    /// `related`: the relationships to follow once the rows are read. The rows' values of
    /// `related.links` are the last `related.links.len()` values of `query.projection`.
    pub related: RelatedPlan,
}

impl ReadPlan {
    /// Plans `GET /_table/{table}` with every read option.
    ///
    /// With `ids`, `filter`, `limit`, `offset`, `group`, `include_count`, `count_only` and
    /// `include_schema` do not apply (as in DreamFactory); `order` is applied only with
    /// `continue`, since without it records come back in request order.
    ///
    /// `access.row()` restricts every kind of read: its row filter is ANDed with the
    /// client's condition (or with the ids' condition), and its hidden fields are unknown
    /// names for every option (see [`RowAccess`]); `access.related()` decides which related
    /// tables `related` may reach.
    ///
    /// `related` is planned against `schema` (see [`RelatedPlan`]); it is ignored with
    /// `as_list` and `count_only`, whose answers have no records to put related data in.
    ///
    /// # Errors
    ///
    /// `ConnectorError::BadRequest` with DreamFactory's message for every invalid option;
    /// `ConnectorError::ServerFilter` when the role's row filter does not fit the table; the
    /// errors of related planning (403 for a named related table the role may not read,
    /// 501 for multi-column keys).
    pub fn list(
        schema: &SchemaSnapshot,
        table: Arc<TableSchema>,
        request: &ReadRequest,
        access: &TableAccess,
        bounds: &ReadBounds,
    ) -> Result<Self, ConnectorError> {
        let (table, role) = restrict_table(table, access.row(), access.lookups())?;
        let related = related(schema, &table, request, access, bounds)?;
        let order_by =
            order::parse_order(&table, request.order.as_deref(), bounds.max_order_terms)?;
        if let Some(ids) = request.ids.as_deref() {
            let key_columns = identifier_columns(&table, request.id_field.as_deref())?;
            let lookup = IdLookup::parse(
                &table,
                key_columns,
                ids,
                bounds.max_ids,
                request.continue_on_error,
            )?;
            let order_by = if lookup.continue_on_error {
                order_by
            } else {
                Vec::new()
            };
            // Bounded even when `id_field` is not unique and every id matches many rows.
            let limit = bounds.max_records.max(1).max(lookup.ids.len() as u64);
            return Self::by_identifier(
                table,
                request,
                lookup,
                role,
                (order_by, Some(limit)),
                related,
                ReadKind::Ids,
            );
        }
        let group_by = fields::parse_group(&table, request.group.as_deref())?;
        if !group_by.is_empty() && !related.is_empty() {
            return Err(ConnectorError::bad_request(
                "Related records can not be requested together with group.",
            ));
        }
        // DreamFactory adds no ORDER BY, so SQLite may walk any covering index and `offset`
        // paging becomes unstable. The primary key order costs nothing on rowid tables.
        let order_by = if order_by.is_empty() && group_by.is_empty() {
            table
                .primary_key()
                .iter()
                .map(|column| OrderTerm {
                    column: *column,
                    descending: false,
                    nulls: None,
                })
                .collect()
        } else {
            order_by
        };
        let (mut projection, rows) =
            projection(&table, request, !group_by.is_empty(), &related.links)?;
        projection.extend(related.links.iter().copied().map(Projection::Column));
        let paging = paging::Paging::parse(request, bounds)?;
        let client = match request.filter.as_deref() {
            Some(filter) => {
                parse_filter(filter, &table, &request.params, access.lookups(), bounds)?
            }
            None => None,
        };
        let condition = both(client, role);
        Ok(Self {
            query: SelectQuery {
                table,
                projection,
                condition,
                group_by,
                order_by,
                limit: Some(paging.fetch_limit()),
                offset: paging.offset,
            },
            kind: ReadKind::Page(paging),
            rows,
            include_schema: request.include_schema,
            related,
        })
    }

    /// Plans `GET /_table/{table}/{id}`: `fields` and `id_field` apply, and so does
    /// `access` (a record outside the role's row filter is not found, exactly like a
    /// missing one).
    ///
    /// `related` applies as for [`ReadPlan::list`].
    ///
    /// # Errors
    ///
    /// 400 for invalid `fields` / `id_field` or an id that does not fit its column;
    /// `ConnectorError::ServerFilter` when the role's row filter does not fit the table; the
    /// errors of related planning.
    pub fn by_id(
        schema: &SchemaSnapshot,
        table: Arc<TableSchema>,
        id: &str,
        request: &ReadRequest,
        access: &TableAccess,
        bounds: &ReadBounds,
    ) -> Result<Self, ConnectorError> {
        let (table, role) = restrict_table(table, access.row(), access.lookups())?;
        let request = ReadRequest {
            as_list: false,
            ..request.clone()
        };
        let related = related(schema, &table, &request, access, bounds)?;
        let key_columns = identifier_columns(&table, request.id_field.as_deref())?;
        let id = RequestedId::typed(&table, &key_columns, id)?;
        let lookup = IdLookup {
            key_columns,
            ids: vec![id],
            continue_on_error: false,
        };
        // A non-unique `id_field` may match several rows; like DreamFactory, the first wins.
        Self::by_identifier(
            table,
            &request,
            lookup,
            role,
            (Vec::new(), Some(1)),
            related,
            ReadKind::Single,
        )
    }

    fn by_identifier(
        table: Arc<TableSchema>,
        request: &ReadRequest,
        lookup: IdLookup,
        role: Option<Condition>,
        (order_by, limit): (Vec<OrderTerm>, Option<u64>),
        related: RelatedPlan,
        kind: fn(IdLookup) -> ReadKind,
    ) -> Result<Self, ConnectorError> {
        let (mut projection, rows) = projection(&table, request, false, &related.links)?;
        projection.extend(lookup.key_columns.iter().copied().map(Projection::Column));
        projection.extend(related.links.iter().copied().map(Projection::Column));
        let condition = both(Some(lookup.condition()), role);
        Ok(Self {
            query: SelectQuery {
                table,
                projection,
                condition,
                group_by: Vec::new(),
                order_by,
                limit,
                offset: 0,
            },
            kind: kind(lookup),
            rows,
            include_schema: false,
            related,
        })
    }
}

/// The table as a caller with `access` may see it, and the role's row condition.
///
/// With an access that restricts nothing the shared table is used as it is, so
/// unrestricted requests cost nothing extra. The role filter is resolved against the
/// full table, before hidden columns are dropped; its column references stay valid in the
/// restricted copy, which keeps every column in place.
pub(crate) fn restrict_table(
    table: Arc<TableSchema>,
    access: &RowAccess,
    lookups: Option<&dyn LookupSource>,
) -> Result<(Arc<TableSchema>, Option<Condition>), ConnectorError> {
    let role = access
        .row_filter()
        .map(|filter| resolve_role_filter(filter, &table, lookups))
        .transpose()?;
    let table = match table.restricted(access.hidden_fields()) {
        Some(restricted) => Arc::new(restricted),
        None => table,
    };
    Ok((table, role))
}

/// `client AND role`, as a tree: the client's condition stays one node, so an `or` inside
/// it cannot reach past the role's condition.
pub(crate) fn both(client: Option<Condition>, role: Option<Condition>) -> Option<Condition> {
    match (client, role) {
        (Some(client), Some(role)) => Some(Condition::And(vec![client, role])),
        (client, None) => client,
        (None, role) => role,
    }
}

/// The selected values and the writer for them: the `fields` projection as objects (with
/// the `links` of related data added when missing, as DreamFactory does), or the identifier
/// columns for `as_list`.
fn projection(
    table: &TableSchema,
    request: &ReadRequest,
    grouped: bool,
    links: &[ColumnRef],
) -> Result<(Vec<Projection>, RowWriter), ConnectorError> {
    if request.as_list {
        let columns = as_list_columns(table, request.id_field.as_deref())?;
        let rows = RowWriter::identifier(
            columns
                .iter()
                .map(|&c| table.column(c).df_type.value_class()),
        );
        return Ok((columns.into_iter().map(Projection::Column).collect(), rows));
    }
    let mut projection = fields::parse_fields(table, request.fields.as_deref(), grouped)?;
    for &column in links {
        if !projection.contains(&Projection::Column(column)) {
            projection.push(Projection::Column(column));
        }
    }
    let every_column = projection.len() == table.column_refs().count()
        && projection
            .iter()
            .zip(table.column_refs())
            .all(|(item, column)| *item == Projection::Column(column));
    let rows = if every_column {
        table.every_column_writer()
    } else {
        object_writer(table, &projection)
    };
    Ok((projection, rows))
}

/// `id_field` (a comma list) or else the primary key.
pub(crate) fn identifier_columns(
    table: &TableSchema,
    id_field: Option<&str>,
) -> Result<Vec<ColumnRef>, ConnectorError> {
    if let Some(columns) = requested_id_fields(table, id_field)? {
        return Ok(columns);
    }
    if table.primary_key().is_empty() {
        return Err(no_identifier(table));
    }
    Ok(table.primary_key().to_vec())
}

/// The identifier written by `as_list`: `id_field` when given. Otherwise DreamFactory uses
/// the literal column `name`, which is what its clients see for tables that have one, so we
/// keep that; for tables without a `name` column (where DreamFactory lists nothing useful)
/// we use the primary key, which is what the documentation of `as_list` promises.
fn as_list_columns(
    table: &TableSchema,
    id_field: Option<&str>,
) -> Result<Vec<ColumnRef>, ConnectorError> {
    if let Some(columns) = requested_id_fields(table, id_field)? {
        return Ok(columns);
    }
    if let Some(name) = table.column_ref("name") {
        return Ok(vec![name]);
    }
    if table.primary_key().is_empty() {
        return Err(no_identifier(table));
    }
    Ok(table.primary_key().to_vec())
}

pub(crate) fn requested_id_fields(
    table: &TableSchema,
    id_field: Option<&str>,
) -> Result<Option<Vec<ColumnRef>>, ConnectorError> {
    let names: Vec<&str> = id_field
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    if names.is_empty() {
        return Ok(None);
    }
    names
        .into_iter()
        .map(|name| {
            table.column_ref(name).ok_or_else(|| {
                ConnectorError::bad_request(format!("Invalid identifier field '{name}' requested."))
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

pub(crate) fn no_identifier(table: &TableSchema) -> ConnectorError {
    ConnectorError::bad_request(format!(
        "Table '{}' has no primary key; name the identifier field(s) with id_field.",
        table.name()
    ))
}
