#![doc = include_str!("../README.md")]

mod component;
mod decide;
mod grant;
mod row_filter;
mod sql;
mod verb;

#[cfg(test)]
mod tests;

pub use decide::{
    Action, Decision, DenyReason, decide, has_any_access, has_service_access, permitted_verbs,
};
pub use grant::{FilterOp, Grant, RoleGrants, RowFilter};
pub use row_filter::{FilterConfigError, RowFilterSet, validate_filters};
pub use sql::{SQL_COMPONENT, SqlGrant, has_record_rules, sql_conflicts, sql_grant};
pub use verb::{MaskError, Requestor, RequestorMask, UnknownVerb, Verb, VerbMask};
