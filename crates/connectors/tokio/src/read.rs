//! Running a `ReadPlan` over an async driver: rows go from the driver straight into the
//! JSON buffer, typed by their column.
//!
//! Core loads related data through a synchronous [`RelatedFetcher`]. A read with `related`
//! therefore runs on a blocking thread ([`read_with_related`], inside
//! [`crate::run_blocking`]), where each statement is awaited with `Handle::block_on`; every
//! other read is a plain future ([`read`]).

use std::future::Future;

use sluice_connector_core::json::RowWriter;
use sluice_connector_core::sql::{self, CompiledSql, Dialect};
use sluice_connector_core::{
    BoundValue, CellValue, ColumnRef, ConnectorError, FetchedRow, ReadKind, ReadOutput, ReadPlan,
    RelatedFetcher, RelatedQuery, RelatedRow, Reselect, SelectQuery, TableSchema, ValueClass,
    attach_related,
};
use tokio::runtime::Handle;

/// One connection (or transaction) of an async driver, as the read loop needs it.
pub trait SqlConnection: Send {
    type Dialect: Dialect + Sync;
    type Row: Send;

    /// The dialect statements are compiled in for this connection.
    fn dialect(&self) -> &Self::Dialect;

    /// Runs `compiled` and hands each row to `each` until it answers `false`; the rest of
    /// the result is read and dropped, so the connection is ready for the next statement.
    fn each_row<F>(
        &mut self,
        compiled: &CompiledSql,
        each: F,
    ) -> impl Future<Output = Result<(), ConnectorError>> + Send
    where
        F: FnMut(&Self::Row) -> Result<bool, ConnectorError> + Send;

    /// Runs `compiled`, a `SELECT COUNT(*)`, and answers its number.
    fn count(
        &mut self,
        compiled: &CompiledSql,
    ) -> impl Future<Output = Result<u64, ConnectorError>> + Send;

    /// Cell `index` of `row`, borrowed from it.
    ///
    /// # Errors
    ///
    /// `ConnectorError::Internal` when the driver cannot decode the value.
    fn cell(row: &Self::Row, index: usize) -> Result<CellValue<'_>, ConnectorError>;
}

/// Any read without related data: a page (list, `count_only`), the `ids` list, or the bare
/// record of `GET /_table/{table}/{id}`. Run it in one snapshot when
/// [`ReadPlan::needs_snapshot`].
///
/// # Errors
///
/// The driver's errors as the connector maps them; the plan's own (a missing id).
pub async fn read<C: SqlConnection>(
    conn: &mut C,
    plan: &ReadPlan,
) -> Result<ReadOutput, ConnectorError> {
    if let ReadKind::Page(paging) = &plan.kind
        && paging.count_only
    {
        return count(conn, &plan.query).await.map(ReadOutput::Count);
    }
    let (buf, rows, fetched) = fetch_main(conn, plan).await?;
    let total = match plan.needs_total(fetched) {
        true => Some(count(conn, &plan.query).await?),
        false => None,
    };
    plan.answer(&buf, &rows, total)
}

/// A read with related data, on a blocking thread of `handle`'s runtime (never on one of
/// its async workers): one statement for the rows, one per relationship for all of them.
///
/// # Errors
///
/// As [`read`].
pub fn read_with_related<C: SqlConnection>(
    handle: &Handle,
    conn: &mut C,
    plan: &ReadPlan,
) -> Result<ReadOutput, ConnectorError> {
    let (buf, mut rows, fetched) = handle.block_on(fetch_main(conn, plan))?;
    let mut fetcher = Fetcher { handle, conn };
    let buf = plan.attach_related(&mut fetcher, buf, &mut rows)?;
    let total = match plan.needs_total(fetched) {
        true => Some(handle.block_on(count(fetcher.conn, &plan.query))?),
        false => None,
    };
    plan.answer(&buf, &rows, total)
}

/// The rows of `query` written with `reselect`'s fields and related data, one object per
/// row in database order: the read-back of written records (`fields`, `related`) and the
/// listing of a write by filter. Runs on the write's blocking thread, in its transaction.
///
/// # Errors
///
/// The driver's errors as the connector maps them.
pub fn fetch_reselected<C: SqlConnection>(
    handle: &Handle,
    conn: &mut C,
    query: &SelectQuery,
    reselect: &Reselect,
) -> Result<Vec<Vec<u8>>, ConnectorError> {
    let layout = Layout {
        keys: 0,
        links: reselect.related.links.len(),
        keep: None,
    };
    let compiled = sql::select(conn.dialect(), query);
    let (buf, mut rows, _) =
        handle.block_on(fetch_rows(conn, &compiled, query, &reselect.rows, layout))?;
    let mut fetcher = Fetcher { handle, conn };
    let buf = attach_related(&reselect.related, &mut fetcher, buf, &mut rows)?;
    Ok(rows
        .iter()
        .map(|row| buf[row.json.clone()].to_vec())
        .collect())
}

/// The values of `columns` in every row of `compiled` (a lookup of nested writes, or the
/// keys of rows about to be written), each typed by its column.
///
/// # Errors
///
/// The driver's errors as the connector maps them.
pub async fn lookup<C: SqlConnection>(
    conn: &mut C,
    compiled: &CompiledSql,
    table: &TableSchema,
    columns: &[ColumnRef],
) -> Result<Vec<Vec<BoundValue>>, ConnectorError> {
    let classes: Vec<ValueClass> = columns
        .iter()
        .map(|&column| table.column(column).df_type.value_class())
        .collect();
    let mut found = Vec::new();
    conn.each_row(compiled, |row| {
        found.push(values::<C>(row, 0, &classes)?);
        Ok(true)
    })
    .await?;
    Ok(found)
}

/// The values a row carries after the ones its writer writes, and how many rows to write.
#[derive(Debug, Clone, Copy)]
struct Layout {
    /// Identifier values, to match rows to requested ids.
    keys: usize,
    /// Values the row's related rows link on.
    links: usize,
    /// Rows to write; those after are only counted (the paging probe).
    keep: Option<u64>,
}

/// The plan's rows: a page with its probe row (`Paging::fetch_limit`), or every row of the
/// requested ids with their key values (the hidden columns after the visible ones).
async fn fetch_main<C: SqlConnection>(
    conn: &mut C,
    plan: &ReadPlan,
) -> Result<(Vec<u8>, Vec<FetchedRow>, u64), ConnectorError> {
    let (keep, keys) = plan.row_layout();
    let layout = Layout {
        keys,
        links: plan.related.links.len(),
        keep,
    };
    let compiled = sql::select(conn.dialect(), &plan.query);
    fetch_rows(conn, &compiled, &plan.query, &plan.rows, layout).await
}

/// Runs `compiled` (a SELECT of `query`) and writes each row's visible values with `writer`
/// into one buffer, with its key and link values; answers the rows seen, probe included.
async fn fetch_rows<C: SqlConnection>(
    conn: &mut C,
    compiled: &CompiledSql,
    query: &SelectQuery,
    writer: &RowWriter,
    layout: Layout,
) -> Result<(Vec<u8>, Vec<FetchedRow>, u64), ConnectorError> {
    let visible = writer.width();
    let key_classes = query.value_classes(visible..visible + layout.keys);
    let link_start = visible + layout.keys;
    let link_classes = query.value_classes(link_start..link_start + layout.links);
    let mut buf = Vec::with_capacity(4096);
    let mut fetched = Vec::new();
    let mut seen: u64 = 0;
    conn.each_row(compiled, |row| {
        seen += 1;
        if layout.keep.is_some_and(|keep| seen > keep) {
            return Ok(false);
        }
        let start = buf.len();
        writer.write_row(&mut buf, |index| C::cell(row, index))?;
        fetched.push(FetchedRow {
            key: values::<C>(row, visible, &key_classes)?,
            links: values::<C>(row, link_start, &link_classes)?,
            json: start..buf.len(),
        });
        Ok(true)
    })
    .await?;
    Ok((buf, fetched, seen))
}

async fn count<C: SqlConnection>(conn: &mut C, query: &SelectQuery) -> Result<u64, ConnectorError> {
    let compiled = sql::count(conn.dialect(), query);
    conn.count(&compiled).await
}

/// The owned values of `row` from cell `start` on, one per class.
fn values<C: SqlConnection>(
    row: &C::Row,
    start: usize,
    classes: &[ValueClass],
) -> Result<Vec<BoundValue>, ConnectorError> {
    classes
        .iter()
        .enumerate()
        .map(|(offset, class)| C::cell(row, start + offset).map(|cell| cell.to_key(*class)))
        .collect()
}

/// Runs the queries of related data on the read's connection (and snapshot).
struct Fetcher<'a, C> {
    handle: &'a Handle,
    conn: &'a mut C,
}

impl<C: SqlConnection> RelatedFetcher for Fetcher<'_, C> {
    fn fetch(
        &mut self,
        query: &RelatedQuery,
        rows: &RowWriter,
        link_count: usize,
        buf: &mut Vec<u8>,
    ) -> Result<Vec<RelatedRow>, ConnectorError> {
        self.handle
            .block_on(fetch_related(self.conn, query, rows, link_count, buf))
    }
}

/// Each row of a related query: the parent's link value (cell 0), the visible fields, then
/// `link_count` values the row's own related rows link on.
async fn fetch_related<C: SqlConnection>(
    conn: &mut C,
    query: &RelatedQuery,
    rows: &RowWriter,
    link_count: usize,
    buf: &mut Vec<u8>,
) -> Result<Vec<RelatedRow>, ConnectorError> {
    let (link_class, link_classes) = query.link_classes(rows.width(), link_count);
    let compiled = sql::related(conn.dialect(), query);
    let mut fetched = Vec::new();
    conn.each_row(&compiled, |row| {
        let link = C::cell(row, 0)?.to_key(link_class);
        let start = buf.len();
        rows.write_row(buf, |index| C::cell(row, index + 1))?;
        fetched.push(RelatedRow {
            link,
            json: start..buf.len(),
            links: values::<C>(row, rows.width() + 1, &link_classes)?,
        });
        Ok(true)
    })
    .await?;
    Ok(fetched)
}
