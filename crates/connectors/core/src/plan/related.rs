//! Putting related data into the rows of a read.

use super::{FetchedRow, ReadPlan};
use crate::access::TableAccess;
use crate::error::ConnectorError;
use crate::read::{ReadBounds, ReadRequest};
use crate::related::{RelatedFetcher, RelatedPlan, RelatedRequest, append_members, plan_related};
use crate::schema::{SchemaSnapshot, TableSchema};
use crate::value::BoundValue;

impl ReadPlan {
    /// Completes fetched rows with their related data (see [`attach_related`]).
    ///
    /// # Errors
    ///
    /// Whatever the fetcher fails with.
    pub fn attach_related(
        &self,
        fetcher: &mut dyn RelatedFetcher,
        buf: Vec<u8>,
        rows: &mut [FetchedRow],
    ) -> Result<Vec<u8>, ConnectorError> {
        attach_related(&self.related, fetcher, buf, rows)
    }
}

/// Loads every relationship of `related` for `rows` (one query per relationship for all of
/// them, through `fetcher`) and returns a buffer holding each row's object with its related
/// members added, each `rows[i].json` updated to point into it. Without relationships,
/// `buf` comes back as it is.
///
/// # Errors
///
/// Whatever the fetcher fails with.
pub fn attach_related(
    related: &RelatedPlan,
    fetcher: &mut dyn RelatedFetcher,
    buf: Vec<u8>,
    rows: &mut [FetchedRow],
) -> Result<Vec<u8>, ConnectorError> {
    if related.is_empty() {
        return Ok(buf);
    }
    let links: Vec<&[BoundValue]> = rows.iter().map(|row| row.links.as_slice()).collect();
    let members = related.load(fetcher, &links)?;
    let extra: usize = members.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(buf.len() + extra);
    for (row, members) in rows.iter_mut().zip(&members) {
        let start = out.len();
        append_members(&buf[row.json.clone()], members, &mut out);
        row.json = start..out.len();
    }
    Ok(out)
}

/// `related` for a read of `table`, or nothing when the answer has no records to hold it.
pub(super) fn related(
    schema: &SchemaSnapshot,
    table: &TableSchema,
    request: &ReadRequest,
    access: &TableAccess,
    bounds: &ReadBounds,
) -> Result<RelatedPlan, ConnectorError> {
    if request.as_list || request.count_only {
        return Ok(RelatedPlan::default());
    }
    plan_related(
        schema,
        table,
        &RelatedRequest {
            related: request.related.as_deref(),
            options: &request.related_options,
            access: access.related(),
            lookups: access.lookups(),
            bounds,
        },
    )
}
