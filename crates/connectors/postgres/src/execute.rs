//! Running a `ReadPlan`: rows go from the row stream straight into the JSON buffer, typed
//! by their column.

use deadpool_postgres::GenericClient;
use futures::{TryStreamExt, pin_mut};
use sluice_connector_core::json::RowWriter;
use sluice_connector_core::{
    BoundValue, ConnectorError, FetchedRow, IdLookup, Paging, Projection, ReadKind, ReadOutput,
    ReadPlan, SelectQuery, ValueClass,
};
use tokio_postgres::types::ToSql;

use crate::compile::{CompiledSql, compile_count, compile_select};
use crate::error::map_error;
use crate::values::{Bind, cell, key_value};

/// DreamFactory-style wording for what this slice of the connector does not do yet.
pub(crate) const RELATED_NOT_SUPPORTED: &str =
    "Related records are not yet supported for PostgreSQL services.";

/// Whether reading `plan` takes more than one statement (rows and a count), which must
/// then see one snapshot of the database.
pub(crate) fn needs_snapshot(plan: &ReadPlan) -> bool {
    match &plan.kind {
        ReadKind::Page(paging) => !paging.count_only && (paging.include_count || paging.need_limit),
        ReadKind::Ids(_) | ReadKind::Single(_) => false,
    }
}

/// Any read: a page (list, `count_only`), the `ids` list, or the bare record of
/// `GET /_table/{table}/{id}`.
pub(crate) async fn read(
    client: &impl GenericClient,
    schema: &str,
    plan: &ReadPlan,
) -> Result<ReadOutput, ConnectorError> {
    if !plan.related.is_empty() {
        return Err(ConnectorError::NotImplemented(
            RELATED_NOT_SUPPORTED.to_owned(),
        ));
    }
    match &plan.kind {
        ReadKind::Page(paging) => read_page(client, schema, plan, paging).await,
        ReadKind::Ids(lookup) => {
            let (buf, rows) = fetch_by_id(client, schema, plan, lookup).await?;
            lookup.assemble(&buf, &rows).map(ReadOutput::Json)
        }
        ReadKind::Single(lookup) => {
            let (buf, rows) = fetch_by_id(client, schema, plan, lookup).await?;
            lookup.single(&buf, &rows).map(ReadOutput::Json)
        }
    }
}

async fn read_page(
    client: &impl GenericClient,
    schema: &str,
    plan: &ReadPlan,
    paging: &Paging,
) -> Result<ReadOutput, ConnectorError> {
    if paging.count_only {
        return count(client, schema, &plan.query)
            .await
            .map(ReadOutput::Count);
    }
    let compiled = compile_select(schema, &plan.query);
    // The probe row of `Paging::fetch_limit` only tells that more rows exist.
    let (buf, rows, fetched) = fetch_rows(client, &compiled, plan, 0, Some(paging.limit)).await?;
    let total = if paging.needs_total(fetched) {
        Some(count(client, schema, &plan.query).await?)
    } else {
        None
    };
    Ok(ReadOutput::Json(plan.page(paging, &buf, &rows, total)))
}

/// Every requested row in one query, with its key values (the hidden trailing columns) to
/// match rows to the requested ids.
async fn fetch_by_id(
    client: &impl GenericClient,
    schema: &str,
    plan: &ReadPlan,
    lookup: &IdLookup,
) -> Result<(Vec<u8>, Vec<FetchedRow>), ConnectorError> {
    let compiled = compile_select(schema, &plan.query);
    let (buf, rows, _) =
        fetch_rows(client, &compiled, plan, lookup.key_columns.len(), None).await?;
    Ok((buf, rows))
}

/// Runs `compiled` and writes each row's visible values with `plan.rows` into one buffer,
/// keeping the `keys` values after them for matching. Stops writing after `keep` rows but
/// reads one more, so a paging probe is seen.
async fn fetch_rows(
    client: &impl GenericClient,
    compiled: &CompiledSql,
    plan: &ReadPlan,
    keys: usize,
    keep: Option<u64>,
) -> Result<(Vec<u8>, Vec<FetchedRow>, u64), ConnectorError> {
    let rows: &RowWriter = &plan.rows;
    let visible = rows.width();
    let key_classes: Vec<ValueClass> = plan.query.projection[visible..visible + keys]
        .iter()
        .map(|projection| projection_class(&plan.query, *projection))
        .collect();
    let statement = client
        .prepare_cached(&compiled.sql)
        .await
        .map_err(map_error)?;
    let binds: Vec<Bind<'_>> = compiled.binds.iter().map(Bind).collect();
    let stream = client
        .query_raw(&statement, binds.iter().map(|b| b as &(dyn ToSql + Sync)))
        .await
        .map_err(map_error)?;
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
        rows.write_row(&mut buf, |index| cell(&row, index))?;
        let key = key_classes
            .iter()
            .enumerate()
            .map(|(offset, class)| key_value(&row, visible + offset, *class))
            .collect::<Result<Vec<BoundValue>, _>>()?;
        fetched.push(FetchedRow {
            key,
            links: Vec::new(),
            json: start..buf.len(),
        });
    }
    Ok((buf, fetched, seen))
}

fn projection_class(query: &SelectQuery, projection: Projection) -> ValueClass {
    projection.value_class(&query.table)
}

async fn count(
    client: &impl GenericClient,
    schema: &str,
    query: &SelectQuery,
) -> Result<u64, ConnectorError> {
    let compiled = compile_count(schema, query);
    let statement = client
        .prepare_cached(&compiled.sql)
        .await
        .map_err(map_error)?;
    let binds: Vec<Bind<'_>> = compiled.binds.iter().map(Bind).collect();
    let params: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as &(dyn ToSql + Sync)).collect();
    let row = client
        .query_one(&statement, &params)
        .await
        .map_err(map_error)?;
    let total: i64 = row.try_get(0).map_err(map_error)?;
    Ok(u64::try_from(total).unwrap_or(0))
}
