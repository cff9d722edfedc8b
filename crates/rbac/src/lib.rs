#![doc = include_str!("../README.md")]

mod check;
mod component;
mod decide;
mod exceptions;
mod grant;
mod row_filter;
mod verb;

#[cfg(test)]
mod tests;

pub use check::{LookupResolver, NoLookups, RecordView, Scalar, check_write};
pub use component::normalize_component;
pub use decide::{
    Action, Decision, DenyReason, decide, has_any_access, has_service_access, permitted_verbs,
};
pub use exceptions::is_access_exception;
pub use grant::{FilterOp, Grant, RoleGrants, RowFilter};
pub use row_filter::{FilterConfigError, RowFilterSet, combine, row_filter_for, validate_filters};
pub use verb::{MaskError, Requestor, RequestorMask, UnknownVerb, Verb, VerbMask};
