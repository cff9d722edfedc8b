//! Unit tests, table-driven, one file per rule group. Every table row says what it checks.

mod decide;
mod listing;
mod masks;
mod matching;
mod row_filter_build;
mod row_filter_select;
mod sql;
mod validate;

use crate::{FilterOp, Grant, RequestorMask, RoleGrants, RowFilter, VerbMask};

/// The service the requests are for.
const DB: i64 = 1;
/// Another service.
const OTHER: i64 = 2;

const GET: u32 = 1;
const POST: u32 = 2;
const PUT: u32 = 4;
const PATCH: u32 = 8;
const DELETE: u32 = 16;
const ALL: u32 = 31;

/// A row for API requestors.
fn grant(service: Option<i64>, component: &str, verbs: u32) -> Grant {
    grant_for(service, component, verbs, RequestorMask::API)
}

fn grant_for(
    service: Option<i64>,
    component: &str,
    verbs: u32,
    requestors: RequestorMask,
) -> Grant {
    let verbs = VerbMask::new(verbs).expect("test masks are valid");
    Grant::new(service, component, verbs, requestors)
}

/// A row for API requestors with `filters` joined by AND.
fn filtered(service: Option<i64>, component: &str, verbs: u32, filters: &[RowFilter]) -> Grant {
    grant(service, component, verbs).with_filters(FilterOp::And, filters.to_vec())
}

/// A one-entry filter `name = value`, to tell rows apart.
fn eq(name: &str, value: &str) -> RowFilter {
    RowFilter::new(name, "=", value)
}

fn active(grants: Vec<Grant>) -> RoleGrants {
    RoleGrants {
        role_id: 7,
        is_active: true,
        grants,
    }
}
