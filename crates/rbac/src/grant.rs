//! A role's stored access rows (`role_service_access`), in the shape the
//! decisions need.

use std::fmt::{self, Display, Formatter};
use std::str::FromStr;

use crate::component::normalize_grant_component;
use crate::row_filter::FilterConfigError;
use crate::verb::{RequestorMask, VerbMask};

/// A role and all of its access rows, as cached per role id by the gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleGrants {
    pub role_id: i64,
    pub is_active: bool,
    /// In load order (ascending row id): when several rows at the same specificity carry row
    /// filters, the last one is used, as DreamFactory does.
    pub grants: Vec<Grant>,
}

/// One `role_service_access` row.
///
/// The fields are private so that the component is always normalised (trimmed of `/`,
/// lower-cased): matching compares it byte-wise with the normalised request component.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    service_id: Option<i64>,
    component: String,
    verb_mask: VerbMask,
    requestor_mask: RequestorMask,
    filters: Vec<RowFilter>,
    filter_op: FilterOp,
    hidden_fields: Vec<String>,
}

impl Grant {
    /// A row without row filters. `service_id` `None` means every service; `component` is
    /// stored as given (`""`/NULL is the service root, `*` the whole service, `_table/*` a
    /// wildcard) and normalised here, so `/_table/todo/` and `_TABLE/todo` are `_table/todo`.
    pub fn new(
        service_id: Option<i64>,
        component: &str,
        verb_mask: VerbMask,
        requestor_mask: RequestorMask,
    ) -> Self {
        Self {
            service_id,
            component: normalize_grant_component(component),
            verb_mask,
            requestor_mask,
            filters: Vec::new(),
            filter_op: FilterOp::And,
            hidden_fields: Vec::new(),
        }
    }

    /// The row's filters (`filters` JSON array) and how they are joined (`filter_op`).
    /// They are kept as stored and validated when used, so one bad row cannot stop a whole
    /// role from loading (DreamFactory fails only the requests that use it).
    pub fn with_filters(mut self, filter_op: FilterOp, filters: Vec<RowFilter>) -> Self {
        self.filter_op = filter_op;
        self.filters = filters;
        self
    }

    /// Columns the role may not read on the tables this row is chosen for (a Sluice
    /// extension, `role_service_access.hidden_fields`): reads, writes and descriptors treat them as
    /// absent.
    pub fn with_hidden_fields(mut self, hidden_fields: Vec<String>) -> Self {
        self.hidden_fields = hidden_fields;
        self
    }

    pub fn hidden_fields(&self) -> &[String] {
        &self.hidden_fields
    }

    pub fn service_id(&self) -> Option<i64> {
        self.service_id
    }

    /// The normalised component.
    pub fn component(&self) -> &str {
        &self.component
    }

    pub fn verb_mask(&self) -> VerbMask {
        self.verb_mask
    }

    pub fn requestor_mask(&self) -> RequestorMask {
        self.requestor_mask
    }

    pub fn filters(&self) -> &[RowFilter] {
        &self.filters
    }

    pub fn filter_op(&self) -> FilterOp {
        self.filter_op
    }
}

/// One entry of `role_service_access.filters`, exactly as stored:
/// `{"name": "owner_id", "operator": "=", "value": "{user.id}"}`.
/// A JSON `null` or absent value is stored here as `""`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowFilter {
    pub name: String,
    pub operator: String,
    pub value: String,
}

impl RowFilter {
    pub fn new(name: &str, operator: &str, value: &str) -> Self {
        Self {
            name: name.to_owned(),
            operator: operator.to_owned(),
            value: value.to_owned(),
        }
    }
}

/// `role_service_access.filter_op`: how the entries of one row's filters are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FilterOp {
    #[default]
    And,
    Or,
}

impl FilterOp {
    pub fn as_str(self) -> &'static str {
        match self {
            FilterOp::And => "AND",
            FilterOp::Or => "OR",
        }
    }
}

impl Display for FilterOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FilterOp {
    type Err = FilterConfigError;

    /// `AND` or `OR`, case-insensitively, surrounding spaces ignored. DreamFactory pastes
    /// any other text between the filters (`XOR`, `NOR`); here it is an error.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("and") {
            Ok(FilterOp::And)
        } else if text.eq_ignore_ascii_case("or") {
            Ok(FilterOp::Or)
        } else {
            Err(FilterConfigError::InvalidFilterOp(text.to_owned()))
        }
    }
}
