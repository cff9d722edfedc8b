//! Running a `ReadPlan` on a connection: rows go from the cursor straight into the JSON
//! buffer, typed by their column.

use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, params_from_iter};
use sluice_connector_core::json::RowWriter;
use sluice_connector_core::{
    BoundValue, CellValue, ConnectorError, FetchedRow, IdLookup, Paging, ReadKind, ReadOutput,
    ReadPlan, RelatedFetcher, RelatedQuery, RelatedRow, Reselect, SelectQuery, attach_related,
};

use crate::compile::{CompiledSql, compile_count, compile_related, compile_select};
use crate::error::map_error;

/// Any read: a page (list, `count_only`), the `ids` list, or the bare record of
/// `GET /_table/{table}/{id}`.
pub(crate) fn read(connection: &Connection, plan: &ReadPlan) -> Result<ReadOutput, ConnectorError> {
    match &plan.kind {
        ReadKind::Page(paging) => read_page(connection, plan, paging),
        ReadKind::Ids(lookup) => {
            let (buf, rows) = fetch_by_id(connection, plan, lookup)?;
            lookup.assemble(&buf, &rows).map(ReadOutput::Json)
        }
        ReadKind::Single(lookup) => {
            let (buf, rows) = fetch_by_id(connection, plan, lookup)?;
            lookup.single(&buf, &rows).map(ReadOutput::Json)
        }
    }
}

fn read_page(
    connection: &Connection,
    plan: &ReadPlan,
    paging: &Paging,
) -> Result<ReadOutput, ConnectorError> {
    if paging.count_only {
        return count(connection, &plan.query).map(ReadOutput::Count);
    }
    // The rows, a COUNT that may follow and the related rows must all see the same
    // snapshot of the database.
    let snapshot = if plan.needs_snapshot() {
        Some(connection.unchecked_transaction().map_err(map_error)?)
    } else {
        None
    };
    let compiled = compile_select(&plan.query);
    let layout = Layout {
        keys: 0,
        links: plan.related.links.len(),
    };
    // The probe row of `Paging::fetch_limit` only tells that more rows exist.
    let (buf, mut rows, fetched) = fetch_rows(
        connection,
        &compiled,
        &plan.rows,
        layout,
        Some(paging.limit),
    )?;
    let buf = plan.attach_related(&mut Fetcher(connection), buf, &mut rows)?;
    let total = if paging.needs_total(fetched) {
        Some(count(connection, &plan.query)?)
    } else {
        None
    };
    drop(snapshot);
    Ok(ReadOutput::Json(plan.page(paging, &buf, &rows, total)))
}

/// Every requested row in one query, with its key values (the hidden trailing columns) to
/// match rows to the requested ids, and its related data.
fn fetch_by_id(
    connection: &Connection,
    plan: &ReadPlan,
    lookup: &IdLookup,
) -> Result<(Vec<u8>, Vec<FetchedRow>), ConnectorError> {
    let snapshot = if plan.needs_snapshot() {
        Some(connection.unchecked_transaction().map_err(map_error)?)
    } else {
        None
    };
    let compiled = compile_select(&plan.query);
    let layout = Layout {
        keys: lookup.key_columns.len(),
        links: plan.related.links.len(),
    };
    let (buf, mut rows, _) = fetch_rows(connection, &compiled, &plan.rows, layout, None)?;
    let buf = plan.attach_related(&mut Fetcher(connection), buf, &mut rows)?;
    drop(snapshot);
    Ok((buf, rows))
}

/// The hidden values selected after the ones a row writer writes: identifier columns, then
/// the columns related data links on.
#[derive(Debug, Clone, Copy)]
struct Layout {
    keys: usize,
    links: usize,
}

/// Runs `compiled` and writes each row's visible values with `rows` into one buffer. Stops
/// writing after `keep` rows but keeps counting up to one more, so a paging probe is seen.
fn fetch_rows(
    connection: &Connection,
    compiled: &CompiledSql,
    rows: &RowWriter,
    layout: Layout,
    keep: Option<u64>,
) -> Result<(Vec<u8>, Vec<FetchedRow>, u64), ConnectorError> {
    let visible = rows.width();
    let mut buf = Vec::with_capacity(4096);
    let mut fetched = Vec::new();
    let mut seen: u64 = 0;
    let mut statement = connection
        .prepare_cached(&compiled.sql)
        .map_err(map_error)?;
    let mut cursor = statement.query(binds(compiled)).map_err(map_error)?;
    while let Some(row) = cursor.next().map_err(map_error)? {
        seen += 1;
        if keep.is_some_and(|keep| seen > keep) {
            break;
        }
        let start = buf.len();
        rows.write_row(&mut buf, |index| row.get_ref(index).map(cell))
            .map_err(map_error)?;
        let values = |range: std::ops::Range<usize>| {
            range
                .map(|index| row.get_ref(index).map(|value| cell(value).to_bound()))
                .collect::<Result<Vec<BoundValue>, _>>()
                .map_err(map_error)
        };
        let key = values(visible..visible + layout.keys)?;
        let links_start = visible + layout.keys;
        let links = values(links_start..links_start + layout.links)?;
        fetched.push(FetchedRow {
            key,
            links,
            json: start..buf.len(),
        });
    }
    Ok((buf, fetched, seen))
}

/// Runs the queries of related data on one connection.
pub(crate) struct Fetcher<'c>(pub(crate) &'c Connection);

impl RelatedFetcher for Fetcher<'_> {
    fn fetch(
        &mut self,
        query: &RelatedQuery,
        rows: &RowWriter,
        link_count: usize,
        buf: &mut Vec<u8>,
    ) -> Result<Vec<RelatedRow>, ConnectorError> {
        let compiled = compile_related(query);
        let mut statement = self.0.prepare_cached(&compiled.sql).map_err(map_error)?;
        let mut cursor = statement.query(binds(&compiled)).map_err(map_error)?;
        let links_start = rows.width() + 1;
        let mut fetched = Vec::new();
        while let Some(row) = cursor.next().map_err(map_error)? {
            let bound = |index: usize| row.get_ref(index).map(|value| cell(value).to_bound());
            let link = bound(0).map_err(map_error)?;
            let start = buf.len();
            rows.write_row(buf, |index| row.get_ref(index + 1).map(cell))
                .map_err(map_error)?;
            let links = (links_start..links_start + link_count)
                .map(bound)
                .collect::<Result<Vec<_>, _>>()
                .map_err(map_error)?;
            fetched.push(RelatedRow {
                link,
                json: start..buf.len(),
                links,
            });
        }
        Ok(fetched)
    }
}

/// Runs `query` (a read-back of written rows, or the listing of a filter write) and returns
/// each row as its own JSON object, with its related data, in the order the query returns
/// them.
pub(crate) fn fetch_reselected(
    connection: &Connection,
    query: &SelectQuery,
    reselect: &Reselect,
) -> Result<Vec<Vec<u8>>, ConnectorError> {
    let compiled = compile_select(query);
    let layout = Layout {
        keys: 0,
        links: reselect.related.links.len(),
    };
    let (buf, mut rows, _) = fetch_rows(connection, &compiled, &reselect.rows, layout, None)?;
    let buf = attach_related(&reselect.related, &mut Fetcher(connection), buf, &mut rows)?;
    Ok(rows
        .iter()
        .map(|row| buf[row.json.clone()].to_vec())
        .collect())
}

fn count(connection: &Connection, query: &SelectQuery) -> Result<u64, ConnectorError> {
    let compiled = compile_count(query);
    let mut statement = connection
        .prepare_cached(&compiled.sql)
        .map_err(map_error)?;
    let total: i64 = statement
        .query_row(binds(&compiled), |row| row.get(0))
        .map_err(map_error)?;
    Ok(u64::try_from(total).unwrap_or(0))
}

pub(crate) fn cell(value: ValueRef<'_>) -> CellValue<'_> {
    match value {
        ValueRef::Null => CellValue::Null,
        ValueRef::Integer(i) => CellValue::Integer(i),
        ValueRef::Real(f) => CellValue::Real(f),
        ValueRef::Text(text) => CellValue::Text(text),
        ValueRef::Blob(bytes) => CellValue::Blob(bytes),
    }
}

pub(crate) fn binds(compiled: &CompiledSql) -> impl rusqlite::Params + '_ {
    params_from_iter(compiled.binds.iter().map(Bind))
}

/// Binds a `BoundValue` without copying it.
struct Bind<'a>(&'a BoundValue);

impl ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            BoundValue::Null => ValueRef::Null,
            BoundValue::Integer(i) => ValueRef::Integer(*i),
            BoundValue::Real(f) => ValueRef::Real(*f),
            BoundValue::Text(text) => ValueRef::Text(text.as_bytes()),
            BoundValue::Blob(bytes) => ValueRef::Blob(bytes),
        }))
    }
}
