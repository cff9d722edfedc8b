//! What every connector asks of a read plan while executing it, whatever its driver: how
//! many statements it takes, how the hidden values of each row are typed, and the answer
//! once the rows are in.

use std::ops::Range;

use super::{FetchedRow, ReadKind, ReadPlan, SelectQuery};
use crate::connector::ReadOutput;
use crate::df_type::ValueClass;
use crate::error::ConnectorError;
use crate::related::RelatedQuery;

impl ReadPlan {
    /// Whether reading takes more than one statement (rows and a count, or related rows),
    /// which must then all see one snapshot of the database.
    pub fn needs_snapshot(&self) -> bool {
        match &self.kind {
            ReadKind::Page(paging) => {
                !paging.count_only
                    && (paging.include_count || paging.need_limit || !self.related.is_empty())
            }
            ReadKind::Ids(_) | ReadKind::Single(_) => !self.related.is_empty(),
        }
    }

    /// Whether the total must be counted after `fetched` rows came back (see
    /// [`super::Paging::needs_total`]); never for reads by id.
    pub fn needs_total(&self, fetched: u64) -> bool {
        matches!(&self.kind, ReadKind::Page(paging) if paging.needs_total(fetched))
    }

    /// How many rows of the main statement to write (the rest is the paging probe, only
    /// counted), and how many hidden key values follow the visible ones in each row.
    pub fn row_layout(&self) -> (Option<u64>, usize) {
        match &self.kind {
            ReadKind::Page(paging) => (Some(paging.limit), 0),
            ReadKind::Ids(lookup) | ReadKind::Single(lookup) => (None, lookup.key_columns.len()),
        }
    }

    /// The response from the fetched rows (their JSON in `buf`, related data attached)
    /// and the total when one was counted: a page, the `ids` list or one bare record.
    ///
    /// # Errors
    ///
    /// The 404 of a read by id whose rows are missing.
    pub fn answer(
        &self,
        buf: &[u8],
        rows: &[FetchedRow],
        total: Option<u64>,
    ) -> Result<ReadOutput, ConnectorError> {
        match &self.kind {
            ReadKind::Page(paging) => Ok(ReadOutput::Json(self.page(paging, buf, rows, total))),
            ReadKind::Ids(lookup) => lookup.assemble(buf, rows).map(ReadOutput::Json),
            ReadKind::Single(lookup) => lookup.single(buf, rows).map(ReadOutput::Json),
        }
    }
}

impl SelectQuery {
    /// The value classes of the selected values in `range` (empty when the projection has
    /// fewer, which core never builds): how a driver reads hidden key and link values.
    pub fn value_classes(&self, range: Range<usize>) -> Vec<ValueClass> {
        self.projection
            .get(range)
            .unwrap_or_default()
            .iter()
            .map(|projection| projection.value_class(&self.table))
            .collect()
    }
}

impl RelatedQuery {
    /// The value class of the parent's link value (cell 0 of each row), and those of the
    /// `link_count` values after the `width` visible ones that the rows' own related rows
    /// link on.
    pub fn link_classes(&self, width: usize, link_count: usize) -> (ValueClass, Vec<ValueClass>) {
        let select = &self.select;
        // Where the visible values start in the projection: a junction's parent column is
        // selected before it, a column link is its first value.
        let (link, visible_from) = match &self.junction {
            Some(junction) => (
                junction
                    .table
                    .column(junction.parent_column)
                    .df_type
                    .value_class(),
                0,
            ),
            None => (
                select
                    .value_classes(0..1)
                    .first()
                    .copied()
                    .unwrap_or(ValueClass::Untyped),
                1,
            ),
        };
        let links_from = visible_from + width;
        (
            link,
            select.value_classes(links_from..links_from + link_count),
        )
    }
}
