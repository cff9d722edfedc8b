//! `fields` and `related` on writes: how written rows are read back.

use crate::access::TableAccess;
use crate::error::ConnectorError;
use crate::plan::{Projection, object_writer, parse_fields};
use crate::related::{RelatedPlan, RelatedRequest, plan_related};
use crate::schema::{SchemaSnapshot, TableSchema};
use crate::write::plan::Reselect;
use crate::write::{WriteBounds, WriteRequest};

/// `fields` and `related` on a write: absent or blank means identifiers only, except for
/// the `filter` forms, which always list the matching rows; the default fields are the
/// primary key.
pub(crate) fn reselect(
    schema: &SchemaSnapshot,
    table: &TableSchema,
    request: &WriteRequest,
    access: &TableAccess,
    bounds: &WriteBounds,
    matching: bool,
) -> Result<Option<Reselect>, ConnectorError> {
    let fields = request.fields.as_deref().filter(|f| !f.trim().is_empty());
    let related = request.related.as_deref().filter(|r| !r.trim().is_empty());
    if fields.is_none() && related.is_none() && !matching {
        return Ok(None);
    }
    let related = match related {
        Some(related) => plan_related(
            schema,
            table,
            &RelatedRequest {
                related: Some(related),
                options: &request.related_options,
                access: access.related(),
                lookups: access.lookups(),
                bounds: &bounds.read,
            },
        )?,
        None => RelatedPlan::default(),
    };
    let mut projection = parse_fields(table, Some(fields.unwrap_or_default()), false)?;
    for &column in &related.links {
        if !projection.contains(&Projection::Column(column)) {
            projection.push(Projection::Column(column));
        }
    }
    let rows = object_writer(table, &projection);
    projection.extend(related.links.iter().copied().map(Projection::Column));
    Ok(Some(Reselect {
        projection,
        rows,
        related,
    }))
}
