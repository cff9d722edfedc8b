//! Role row filters: which access row's filters apply to a record request, and those
//! filters as a filter AST.

mod compile;
mod error;

use sluice_filter::Expr;

pub use compile::validate_filters;
pub use error::FilterConfigError;

use crate::component::{Specificity, specificity, table_component};
use crate::grant::{FilterOp, Grant, RoleGrants, RowFilter};
use crate::verb::{Requestor, Verb};

/// The filters of the one access row chosen for a record request, never empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowFilterSet {
    filter_op: FilterOp,
    filters: Vec<RowFilter>,
}

impl RowFilterSet {
    /// `None` for no filters: a chosen row without filters means "every row".
    pub fn new(filter_op: FilterOp, filters: Vec<RowFilter>) -> Option<Self> {
        (!filters.is_empty()).then_some(Self { filter_op, filters })
    }

    pub fn filter_op(&self) -> FilterOp {
        self.filter_op
    }

    pub fn filters(&self) -> &[RowFilter] {
        &self.filters
    }

    /// The filters as one expression: a single comparison, or an `And`/`Or` node of them by
    /// `filter_op`. Lookup values are [`sluice_filter::ValueKind::Lookup`] nodes. Nodes have
    /// empty spans, since they do not come from the client's filter text.
    ///
    /// # Errors
    ///
    /// The [`FilterConfigError`] of [`validate_filters`] for the first bad entry; the
    /// gateway answers DreamFactory's 500 `Invalid server-side filter configuration
    /// detected.`
    pub fn to_expr(&self) -> Result<Expr, FilterConfigError> {
        let expr = compile::compile_filters(self.filter_op, &self.filters)?;
        // `new` refuses empty sets, so there is always at least one comparison.
        Ok(expr.expect("a RowFilterSet is never empty"))
    }
}

/// The access row whose record rules (row filters, hidden fields) apply to a request on a
/// normalised `component` (ids and deeper paths are ignored, so `_table/todo/5` is
/// `_table/todo`). `None` when the request is not about a table's records, or when no row
/// for the service grants `verb` to `requestor` for the table.
///
/// Among rows of this very service (rows for all services never contribute record rules)
/// whose requestor and verb masks match, the most specific component match wins (exact >
/// wildcard > `*`); among equally specific rows the last one, as DreamFactory does. This does
/// not decide access: [`crate::decide`] does, and calls this.
pub(crate) fn select_record_grant<'g>(
    grants: &'g RoleGrants,
    service_id: i64,
    component: &str,
    verb: Verb,
    requestor: Requestor,
) -> Option<&'g Grant> {
    let table = table_component(component)?;
    let mut chosen: Option<(Specificity, &Grant)> = None;
    for grant in &grants.grants {
        if !grant.requestor_mask().contains(requestor) || !grant.verb_mask().contains(verb) {
            continue;
        }
        if grant.service_id() != Some(service_id) {
            continue;
        }
        let Some(level) = specificity(grant, service_id, table) else {
            continue;
        };
        // `>=`: the last of equally specific rows wins.
        if chosen.is_none_or(|(best, _)| level >= best) {
            chosen = Some((level, grant));
        }
    }
    chosen.map(|(_, grant)| grant)
}
