//! Related data and what decides which other tables a request may reach
//! through relationships.
//!
//! A read names relationships in `related` (`*`, or a comma list of names, each optionally a
//! dotted path into the related table's own relationships, `a.b`). Every relationship becomes
//! one [`RelatedNode`]: one query for the whole page of parents, however many parents there
//! are, whose rows are matched to their parents in memory. The related table is read as the
//! caller's role may read it: the gateway answers through [`RelatedAccess`] with the role's
//! row filter and hidden fields for that table, or a denial.

mod load;
mod plan;
mod spec;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

pub use load::{RelatedFetcher, RelatedRow, append_members};
pub use plan::{JunctionLink, JunctionQuery, RelatedLink, RelatedNode, RelatedPlan, RelatedQuery};
pub(crate) use plan::{RelatedRequest, plan_related};

use crate::access::{LookupSource, RowAccess};
use crate::condition::Condition;
use crate::error::ConnectorError;
use crate::plan::restrict_table;
use crate::schema::{SchemaSnapshot, TableSchema};

/// The verb an operation on a related table is checked with: what DreamFactory's internal
/// request for it would use (`GET` to read, `POST` to insert, `PATCH` to update, link or
/// unlink, `DELETE` to delete).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableVerb {
    Get,
    Post,
    Patch,
    Delete,
}

impl TableVerb {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

impl fmt::Display for TableVerb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the caller's role allows on the other tables of the service that a request reaches
/// through relationships (`related` reads, nested writes). The gateway implements it with
/// the role's grants for component `_table/{table}`; a connector only asks.
pub trait RelatedAccess: Send + Sync {
    /// The caller's restriction on `table` (the database's spelling) for `verb`: the role's
    /// row filter and hidden fields for that table, or [`RowAccess::unrestricted`].
    ///
    /// # Errors
    ///
    /// `ConnectorError::Forbidden` with the denial message when the role may not use the
    /// table with this verb; `ConnectorError::ServerFilter` when the role's row filter for it
    /// cannot be read.
    fn table_access(&self, table: &str, verb: TableVerb) -> Result<Arc<RowAccess>, ConnectorError>;
}

/// Every table with every verb and no restriction: a system administrator's access (see
/// [`TableAccess::unrestricted`](crate::TableAccess::unrestricted)).
#[derive(Debug, Clone, Copy)]
pub struct Unrestricted;

impl RelatedAccess for Unrestricted {
    fn table_access(
        &self,
        _table: &str,
        _verb: TableVerb,
    ) -> Result<Arc<RowAccess>, ConnectorError> {
        Ok(RowAccess::unrestricted())
    }
}

/// A related table as the caller may use it with one verb: the (possibly restricted) table
/// and the role's row condition on it.
#[derive(Debug, Clone)]
pub(crate) struct TableView {
    pub(crate) table: Arc<TableSchema>,
    pub(crate) role: Option<Condition>,
}

/// Resolves `name` in `schema` and asks `access` how the caller may use it with `verb`.
///
/// # Errors
///
/// `Forbidden` when the role may not use the table; `ServerFilter` when its row filter does
/// not fit the table; `Internal` when the table is not in the snapshot.
pub(crate) fn table_view(
    schema: &SchemaSnapshot,
    access: &dyn RelatedAccess,
    lookups: Option<&dyn LookupSource>,
    name: &str,
    verb: TableVerb,
) -> Result<TableView, ConnectorError> {
    let table = schema.table(name).cloned().ok_or_else(|| {
        ConnectorError::Internal(format!("related table '{name}' is not in the schema"))
    })?;
    let row_access = access.table_access(table.name(), verb)?;
    let (table, role) = restrict_table(table, &row_access, lookups)?;
    Ok(TableView { table, role })
}
