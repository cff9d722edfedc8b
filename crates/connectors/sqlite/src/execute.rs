//! Running a `ReadPlan` on a connection: rows go from the cursor straight into the JSON
//! buffer, typed by their column.

use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, params_from_iter};
use sluice_connector_core::json::{Meta, ResourceWriter, RowWriter};
use sluice_connector_core::{
    BoundValue, CellValue, ConnectorError, FetchedRow, IdLookup, Paging, ReadKind, ReadOutput,
    ReadPlan, SelectQuery,
};

use crate::compile::{CompiledSql, compile_count, compile_select};
use crate::error::map_error;

/// `GET /_table/{table}` (list or `ids`).
pub(crate) fn read_records(
    connection: &Connection,
    plan: &ReadPlan,
) -> Result<ReadOutput, ConnectorError> {
    match &plan.kind {
        ReadKind::Page(paging) => read_page(connection, plan, paging),
        ReadKind::Ids(lookup) | ReadKind::Single(lookup) => {
            let (buf, rows) = fetch_by_id(connection, plan, lookup)?;
            lookup.assemble(&buf, &rows).map(ReadOutput::Json)
        }
    }
}

/// `GET /_table/{table}/{id}`: the bare record.
pub(crate) fn read_record(
    connection: &Connection,
    plan: &ReadPlan,
) -> Result<Vec<u8>, ConnectorError> {
    let (ReadKind::Single(lookup) | ReadKind::Ids(lookup)) = &plan.kind else {
        return Err(ConnectorError::Internal(
            "a record read was planned as a list read".to_owned(),
        ));
    };
    let (buf, rows) = fetch_by_id(connection, plan, lookup)?;
    lookup.single(&buf, &rows)
}

fn read_page(
    connection: &Connection,
    plan: &ReadPlan,
    paging: &Paging,
) -> Result<ReadOutput, ConnectorError> {
    if paging.count_only {
        return count(connection, &plan.query).map(ReadOutput::Count);
    }
    // The rows and a COUNT that may follow must see the same snapshot of the database.
    let snapshot = if paging.include_count || paging.need_limit {
        Some(connection.unchecked_transaction().map_err(map_error)?)
    } else {
        None
    };
    let compiled = compile_select(&plan.query);
    let mut writer = ResourceWriter::new();
    let mut fetched: u64 = 0;
    {
        let mut statement = connection
            .prepare_cached(&compiled.sql)
            .map_err(map_error)?;
        let mut rows = statement.query(binds(&compiled)).map_err(map_error)?;
        while let Some(row) = rows.next().map_err(map_error)? {
            fetched += 1;
            // The probe row of `Paging::fetch_limit` only tells that more rows exist.
            if fetched > paging.limit {
                break;
            }
            plan.rows
                .write_row(writer.next_item(), |index| row.get_ref(index).map(cell))
                .map_err(map_error)?;
        }
    }
    let total = if paging.needs_total(fetched) {
        Some(count(connection, &plan.query)?)
    } else {
        None
    };
    drop(snapshot);
    let (count, next) = paging.meta(total);
    let meta = Meta {
        count,
        next,
        schema: plan.include_schema.then_some(&*plan.query.table),
    };
    Ok(ReadOutput::Json(writer.finish(&meta)))
}

/// Every requested row in one query; each row's JSON lands in one buffer, with its key
/// values (the hidden trailing columns) kept to match rows to the requested ids.
fn fetch_by_id(
    connection: &Connection,
    plan: &ReadPlan,
    lookup: &IdLookup,
) -> Result<(Vec<u8>, Vec<FetchedRow>), ConnectorError> {
    let compiled = compile_select(&plan.query);
    let visible = plan.rows.width();
    let key_count = lookup.key_columns.len();
    let mut buf = Vec::with_capacity(1024);
    let mut fetched = Vec::new();
    let mut statement = connection
        .prepare_cached(&compiled.sql)
        .map_err(map_error)?;
    let mut rows = statement.query(binds(&compiled)).map_err(map_error)?;
    while let Some(row) = rows.next().map_err(map_error)? {
        let start = buf.len();
        plan.rows
            .write_row(&mut buf, |index| row.get_ref(index).map(cell))
            .map_err(map_error)?;
        let key = (visible..visible + key_count)
            .map(|index| row.get_ref(index).map(|value| cell(value).to_bound()))
            .collect::<Result<Vec<BoundValue>, _>>()
            .map_err(map_error)?;
        fetched.push(FetchedRow {
            key,
            json: start..buf.len(),
        });
    }
    Ok((buf, fetched))
}

/// Runs `query` and returns each row written by `rows` as its own JSON object, in the
/// order the query returns them: the read-back of writes (`fields`) and the listing of
/// filter updates and deletes.
pub(crate) fn fetch_json_rows(
    connection: &Connection,
    query: &SelectQuery,
    rows: &RowWriter,
) -> Result<Vec<Vec<u8>>, ConnectorError> {
    let compiled = compile_select(query);
    let mut statement = connection
        .prepare_cached(&compiled.sql)
        .map_err(map_error)?;
    let mut cursor = statement.query(binds(&compiled)).map_err(map_error)?;
    let mut fetched = Vec::new();
    while let Some(row) = cursor.next().map_err(map_error)? {
        let mut json = Vec::with_capacity(64);
        rows.write_row(&mut json, |index| row.get_ref(index).map(cell))
            .map_err(map_error)?;
        fetched.push(json);
    }
    Ok(fetched)
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

fn cell(value: ValueRef<'_>) -> CellValue<'_> {
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
