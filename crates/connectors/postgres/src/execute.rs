//! Running a `ReadPlan`: rows go from the row stream straight into the JSON buffer, typed
//! by their column.
//!
//! Core loads related data through a synchronous [`RelatedFetcher`]. A read with `related`
//! therefore runs on a blocking thread ([`read_with_related`]), where each statement is
//! awaited with `Handle::block_on`; every other read is a plain future ([`read`]).

use deadpool_postgres::GenericClient;
use futures::{TryStreamExt, pin_mut};
use sluice_connector_core::json::RowWriter;
use sluice_connector_core::{
    BoundValue, ConnectorError, FetchedRow, Projection, ReadKind, ReadOutput, ReadPlan,
    RelatedFetcher, RelatedQuery, RelatedRow, Reselect, SelectQuery, ValueClass, attach_related,
};
use tokio::runtime::Handle;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, RowStream, Statement};

use crate::compile::{CompiledSql, compile_count, compile_related, compile_select};
use crate::error::map_error;
use crate::values::{Bind, cell, key_value};

/// Whether reading `plan` takes more than one statement (rows and a count, or related
/// rows), which must then all see one snapshot of the database.
pub(crate) fn needs_snapshot(plan: &ReadPlan) -> bool {
    match &plan.kind {
        ReadKind::Page(paging) => {
            !paging.count_only
                && (paging.include_count || paging.need_limit || !plan.related.is_empty())
        }
        ReadKind::Ids(_) | ReadKind::Single(_) => !plan.related.is_empty(),
    }
}

/// Any read without related data: a page (list, `count_only`), the `ids` list, or the bare
/// record of `GET /_table/{table}/{id}`.
pub(crate) async fn read(
    client: &impl GenericClient,
    schema: &str,
    plan: &ReadPlan,
) -> Result<ReadOutput, ConnectorError> {
    if let ReadKind::Page(paging) = &plan.kind
        && paging.count_only
    {
        return count(client, schema, &plan.query)
            .await
            .map(ReadOutput::Count);
    }
    let (buf, rows, fetched) = fetch_main(client, schema, plan).await?;
    let total = match needs_total(plan, fetched) {
        true => Some(count(client, schema, &plan.query).await?),
        false => None,
    };
    answer(plan, &buf, &rows, total)
}

/// A read with related data, on a blocking thread of `handle`'s runtime (never on one of
/// its async workers): one statement for the rows, one per relationship for all of them.
pub(crate) fn read_with_related(
    handle: &Handle,
    client: &impl GenericClient,
    schema: &str,
    plan: &ReadPlan,
) -> Result<ReadOutput, ConnectorError> {
    let (buf, mut rows, fetched) = handle.block_on(fetch_main(client, schema, plan))?;
    let mut fetcher = Fetcher {
        handle,
        client,
        schema,
    };
    let buf = plan.attach_related(&mut fetcher, buf, &mut rows)?;
    let total = match needs_total(plan, fetched) {
        true => Some(handle.block_on(count(client, schema, &plan.query))?),
        false => None,
    };
    answer(plan, &buf, &rows, total)
}

/// The rows of `query` written with `reselect`'s fields and related data, one object per
/// row in database order: the read-back of written records (`fields`, `related`) and the
/// listing of a write by filter. Runs on the write's blocking thread, in its transaction.
pub(crate) fn fetch_reselected(
    handle: &Handle,
    client: &impl GenericClient,
    schema: &str,
    query: &SelectQuery,
    reselect: &Reselect,
) -> Result<Vec<Vec<u8>>, ConnectorError> {
    let link_count = reselect.related.links.len();
    let (buf, mut rows) = handle.block_on(async {
        let compiled = compile_select(schema, query);
        let visible = reselect.rows.width();
        let link_classes = classes(query, visible..visible + link_count);
        let stream = run(client, &compiled).await?;
        pin_mut!(stream);
        let mut buf = Vec::with_capacity(1024);
        let mut fetched = Vec::new();
        while let Some(row) = stream.try_next().await.map_err(map_error)? {
            let start = buf.len();
            reselect
                .rows
                .write_row(&mut buf, |index| cell(&row, index))?;
            fetched.push(FetchedRow {
                key: Vec::new(),
                links: values(&row, visible, &link_classes)?,
                json: start..buf.len(),
            });
        }
        Ok::<_, ConnectorError>((buf, fetched))
    })?;
    let mut fetcher = Fetcher {
        handle,
        client,
        schema,
    };
    let buf = attach_related(&reselect.related, &mut fetcher, buf, &mut rows)?;
    Ok(rows
        .iter()
        .map(|row| buf[row.json.clone()].to_vec())
        .collect())
}

fn needs_total(plan: &ReadPlan, fetched: u64) -> bool {
    matches!(&plan.kind, ReadKind::Page(paging) if paging.needs_total(fetched))
}

/// The plan's rows: a page with its probe row (`Paging::fetch_limit`), or every row of the
/// requested ids with their key values (the hidden columns after the visible ones).
async fn fetch_main(
    client: &impl GenericClient,
    schema: &str,
    plan: &ReadPlan,
) -> Result<(Vec<u8>, Vec<FetchedRow>, u64), ConnectorError> {
    let (keys, keep) = match &plan.kind {
        ReadKind::Page(paging) => (0, Some(paging.limit)),
        ReadKind::Ids(lookup) | ReadKind::Single(lookup) => (lookup.key_columns.len(), None),
    };
    let compiled = compile_select(schema, &plan.query);
    let visible = plan.rows.width();
    let hidden = |range: std::ops::Range<usize>| classes(&plan.query, range);
    let key_classes = hidden(visible..visible + keys);
    let link_start = visible + keys;
    let link_classes = hidden(link_start..link_start + plan.related.links.len());
    let stream = run(client, &compiled).await?;
    pin_mut!(stream);
    let mut buf = Vec::with_capacity(4096);
    let mut fetched = Vec::new();
    let mut seen: u64 = 0;
    while let Some(row) = stream.try_next().await.map_err(map_error)? {
        seen += 1;
        if keep.is_some_and(|keep| seen > keep) {
            break;
        }
        let start = buf.len();
        plan.rows.write_row(&mut buf, |index| cell(&row, index))?;
        fetched.push(FetchedRow {
            key: values(&row, visible, &key_classes)?,
            links: values(&row, link_start, &link_classes)?,
            json: start..buf.len(),
        });
    }
    Ok((buf, fetched, seen))
}

fn answer(
    plan: &ReadPlan,
    buf: &[u8],
    rows: &[FetchedRow],
    total: Option<u64>,
) -> Result<ReadOutput, ConnectorError> {
    match &plan.kind {
        ReadKind::Page(paging) => Ok(ReadOutput::Json(plan.page(paging, buf, rows, total))),
        ReadKind::Ids(lookup) => lookup.assemble(buf, rows).map(ReadOutput::Json),
        ReadKind::Single(lookup) => lookup.single(buf, rows).map(ReadOutput::Json),
    }
}

/// The value classes of `query`'s selected values in `range` (empty when the plan has
/// fewer, which core never builds).
fn classes(query: &SelectQuery, range: std::ops::Range<usize>) -> Vec<ValueClass> {
    query
        .projection
        .get(range)
        .unwrap_or_default()
        .iter()
        .map(|projection| class_of(query, *projection))
        .collect()
}

fn class_of(query: &SelectQuery, projection: Projection) -> ValueClass {
    projection.value_class(&query.table)
}

/// The owned values of `row` from cell `start` on, one per class.
fn values(
    row: &Row,
    start: usize,
    classes: &[ValueClass],
) -> Result<Vec<BoundValue>, ConnectorError> {
    classes
        .iter()
        .enumerate()
        .map(|(offset, class)| key_value(row, start + offset, *class))
        .collect()
}

async fn prepare(
    client: &impl GenericClient,
    compiled: &CompiledSql,
) -> Result<Statement, ConnectorError> {
    client
        .prepare_cached(&compiled.sql)
        .await
        .map_err(map_error)
}

/// Runs `compiled` (prepared once per connection) and streams its rows.
async fn run(
    client: &impl GenericClient,
    compiled: &CompiledSql,
) -> Result<RowStream, ConnectorError> {
    let statement = prepare(client, compiled).await?;
    let binds: Vec<Bind<'_>> = compiled.binds.iter().map(Bind).collect();
    client
        .query_raw(&statement, binds.iter().map(|b| b as &(dyn ToSql + Sync)))
        .await
        .map_err(map_error)
}

async fn count(
    client: &impl GenericClient,
    schema: &str,
    query: &SelectQuery,
) -> Result<u64, ConnectorError> {
    let compiled = compile_count(schema, query);
    let statement = prepare(client, &compiled).await?;
    let binds: Vec<Bind<'_>> = compiled.binds.iter().map(Bind).collect();
    let params: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as &(dyn ToSql + Sync)).collect();
    let row = client
        .query_one(&statement, &params)
        .await
        .map_err(map_error)?;
    let total: i64 = row.try_get(0).map_err(map_error)?;
    Ok(u64::try_from(total).unwrap_or(0))
}

/// Runs the queries of related data on the read's connection (and snapshot).
struct Fetcher<'a, C> {
    handle: &'a Handle,
    client: &'a C,
    schema: &'a str,
}

impl<C: GenericClient> RelatedFetcher for Fetcher<'_, C> {
    fn fetch(
        &mut self,
        query: &RelatedQuery,
        rows: &RowWriter,
        link_count: usize,
        buf: &mut Vec<u8>,
    ) -> Result<Vec<RelatedRow>, ConnectorError> {
        self.handle.block_on(fetch_related(
            self.client,
            self.schema,
            query,
            rows,
            link_count,
            buf,
        ))
    }
}

/// Each row of a related query: the parent's link value (cell 0), the visible fields, then
/// `link_count` values the row's own related rows link on.
async fn fetch_related(
    client: &impl GenericClient,
    schema: &str,
    query: &RelatedQuery,
    rows: &RowWriter,
    link_count: usize,
    buf: &mut Vec<u8>,
) -> Result<Vec<RelatedRow>, ConnectorError> {
    let select = &query.select;
    // The projection after the parent's link value.
    let (link_class, projected_from) = match &query.junction {
        Some(junction) => (
            junction
                .table
                .column(junction.parent_column)
                .df_type
                .value_class(),
            0,
        ),
        None => (
            classes(select, 0..1)
                .first()
                .copied()
                .unwrap_or(ValueClass::Untyped),
            1,
        ),
    };
    let links_from = projected_from + rows.width();
    let link_classes = classes(select, links_from..links_from + link_count);
    let compiled = compile_related(schema, query);
    let stream = run(client, &compiled).await?;
    pin_mut!(stream);
    let mut fetched = Vec::new();
    while let Some(row) = stream.try_next().await.map_err(map_error)? {
        let link = key_value(&row, 0, link_class)?;
        let start = buf.len();
        rows.write_row(buf, |index| cell(&row, index + 1))?;
        fetched.push(RelatedRow {
            link,
            json: start..buf.len(),
            links: values(&row, rows.width() + 1, &link_classes)?,
        });
    }
    Ok(fetched)
}
