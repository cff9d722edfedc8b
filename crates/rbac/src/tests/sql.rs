//! `_sql`: granted only by exact rows, read-only with GET, read/write with any write bit,
//! and never together with record rules.

use super::*;
use crate::{Requestor, SqlGrant, has_record_rules, sql_conflicts, sql_grant};

#[test]
fn only_an_exact_sql_row_for_the_service_grants_it() {
    let cases = [
        (grant(Some(DB), "_sql", GET), SqlGrant::ReadOnly),
        (grant(Some(DB), "/_SQL/", GET), SqlGrant::ReadOnly),
        (grant(Some(DB), "_sql", POST), SqlGrant::ReadWrite),
        (grant(Some(DB), "_sql", GET | DELETE), SqlGrant::ReadWrite),
        (grant(Some(DB), "_sql", 0), SqlGrant::None),
        // Broad rows written for records never open raw SQL.
        (grant(Some(DB), "*", ALL), SqlGrant::None),
        (grant(Some(DB), "_sql/*", ALL), SqlGrant::None),
        (grant(None, "*", ALL), SqlGrant::None),
        (grant(None, "_sql", ALL), SqlGrant::None),
        (grant(Some(OTHER), "_sql", ALL), SqlGrant::None),
    ];
    for (row, expected) in cases {
        let role = active(vec![row.clone()]);
        assert_eq!(sql_grant(&role, DB, Requestor::Api), expected, "{row:?}");
    }
    let script_only = grant_for(Some(DB), "_sql", ALL, RequestorMask::SCRIPT);
    assert_eq!(
        sql_grant(&active(vec![script_only]), DB, Requestor::Api),
        SqlGrant::None
    );
    let mut inactive = active(vec![grant(Some(DB), "_sql", ALL)]);
    inactive.is_active = false;
    assert_eq!(sql_grant(&inactive, DB, Requestor::Api), SqlGrant::None);
}

#[test]
fn record_rules_on_the_service_conflict_with_sql() {
    let owner = vec![RowFilter::new("owner_id", "=", "{user.id}")];
    let filtered = grant(Some(DB), "_table/todo", GET).with_filters(FilterOp::And, owner);
    let hidden = grant(None, "*", GET).with_hidden_fields(vec!["salary".into()]);
    let elsewhere = grant(Some(OTHER), "*", GET).with_hidden_fields(vec!["salary".into()]);
    let sql = grant(Some(DB), "_sql", GET);
    assert_eq!(
        sql_conflicts(&active(vec![sql.clone(), filtered])),
        vec![DB]
    );
    assert_eq!(sql_conflicts(&active(vec![hidden, sql.clone()])), vec![DB]);
    assert!(sql_conflicts(&active(vec![elsewhere.clone(), sql.clone()])).is_empty());
    assert!(has_record_rules(&active(vec![elsewhere.clone()]), OTHER));
    assert!(!has_record_rules(&active(vec![elsewhere, sql]), DB));
}
