//! Apps, roles with their grants, users' per-app roles and lookups, cached so that deciding a
//! request costs no system-database round trip in the steady state. The change feed
//! (`changes.rs`) drops what a change affects, on every node, so nothing here expires.
//!
//! Apps, roles and lookups are few (tens, rarely hundreds), so each is one snapshot of all
//! rows: an unknown API key is answered from memory, never by a query an attacker could
//! repeat. Per-app roles grow with the users, so they are cached per user.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use moka::future::Cache;
use sluice_connector_core::RowAccess;
use sluice_rbac::{
    FilterConfigError, FilterOp, Grant, RequestorMask, RoleGrants, RowFilter, RowFilterSet,
    VerbMask,
};
use sluice_system_db::{AppRow, DbError, LookupRow, RoleAccessRow, RoleRow, SystemDb};

use super::access::row_access;
use super::snapshot::Snapshot;
use crate::error::ApiError;
use crate::metrics::CacheCounts;

/// A role as decisions need it.
#[derive(Debug)]
pub struct RoleEntry {
    pub row: RoleRow,
    pub grants: RoleGrants,
    /// The record rules of each (row filters, hidden fields) this role's grants have produced,
    /// compiled once: at most one entry per access row, and dropped with the role snapshot.
    record_rules: Mutex<HashMap<RecordRulesKey, Arc<RowAccess>>>,
}

type RecordRulesKey = (Option<RowFilterSet>, Vec<String>);

impl RoleEntry {
    fn new(row: RoleRow, grants: RoleGrants) -> Self {
        Self {
            row,
            grants,
            record_rules: Mutex::default(),
        }
    }

    /// [`row_access`] of an allowed decision, compiled on first use instead of on every
    /// request.
    ///
    /// # Errors
    ///
    /// The role's stored filters cannot be turned into a filter expression (not cached).
    pub fn record_rules(
        &self,
        row_filter: Option<RowFilterSet>,
        hidden_fields: Vec<String>,
    ) -> Result<Arc<RowAccess>, FilterConfigError> {
        if row_filter.is_none() && hidden_fields.is_empty() {
            return Ok(RowAccess::unrestricted());
        }
        let key = (row_filter, hidden_fields);
        let cached = || {
            self.record_rules
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        if let Some(rules) = cached().get(&key) {
            return Ok(rules.clone());
        }
        let rules = row_access(key.0.clone(), key.1.clone())?;
        cached().insert(key, rules.clone());
        Ok(rules)
    }
}

#[derive(Debug, Default)]
pub struct AppTable {
    by_key: HashMap<String, Arc<AppRow>>,
    by_id: HashMap<i64, Arc<AppRow>>,
}

impl AppTable {
    pub fn by_key(&self, api_key: &str) -> Option<&Arc<AppRow>> {
        self.by_key.get(api_key)
    }

    pub fn by_id(&self, id: i64) -> Option<&Arc<AppRow>> {
        self.by_id.get(&id)
    }

    /// Every app, in no particular order.
    pub fn all(&self) -> impl Iterator<Item = &Arc<AppRow>> {
        self.by_id.values()
    }
}

#[derive(Debug, Default)]
pub struct RoleTable {
    by_id: HashMap<i64, Arc<RoleEntry>>,
}

impl RoleTable {
    pub fn get(&self, id: i64) -> Option<&Arc<RoleEntry>> {
        self.by_id.get(&id)
    }
}

/// Every lookup row, by scope.
#[derive(Debug, Default)]
pub struct LookupTable {
    rows: Vec<LookupRow>,
}

impl LookupTable {
    /// The value of `name` for a caller: the user's entry wins over the role's, the role's
    /// over the app's, the app's over the system-wide one.
    pub fn find(
        &self,
        name: &str,
        user_id: Option<i64>,
        role_id: Option<i64>,
        app_id: Option<i64>,
    ) -> Option<&LookupRow> {
        let rank = |row: &LookupRow| -> Option<u8> {
            match (row.user_id, row.role_id, row.app_id) {
                (Some(id), _, _) => (Some(id) == user_id).then_some(3),
                (_, Some(id), _) => (Some(id) == role_id).then_some(2),
                (_, _, Some(id)) => (Some(id) == app_id).then_some(1),
                _ => Some(0),
            }
        };
        self.rows
            .iter()
            .filter(|row| row.name == name)
            .filter_map(|row| rank(row).map(|r| (r, row)))
            .max_by_key(|(r, _)| *r)
            .map(|(_, row)| row)
    }
}

/// A user's roles per app: `(app_id, role_id)`. Empty for most users.
pub type UserAppRoles = Arc<Vec<(i64, i64)>>;

pub struct AccessDirectory {
    apps: Snapshot<AppTable>,
    roles: Snapshot<RoleTable>,
    lookups: Snapshot<LookupTable>,
    user_roles: Cache<i64, UserAppRoles>,
}

impl Default for AccessDirectory {
    fn default() -> Self {
        Self {
            apps: Snapshot::default(),
            roles: Snapshot::default(),
            lookups: Snapshot::default(),
            user_roles: Cache::builder().max_capacity(100_000).build(),
        }
    }
}

impl AccessDirectory {
    pub async fn apps(&self, db: &SystemDb) -> Result<Arc<AppTable>, ApiError> {
        self.apps
            .get_or_load(|| async move {
                let mut table = AppTable::default();
                for app in db.apps().list().await? {
                    let app = Arc::new(app);
                    table.by_key.insert(app.api_key.clone(), Arc::clone(&app));
                    table.by_id.insert(app.id, app);
                }
                Ok::<_, DbError>(table)
            })
            .await
            .map_err(ApiError::from)
    }

    pub async fn roles(&self, db: &SystemDb) -> Result<Arc<RoleTable>, ApiError> {
        self.roles
            .get_or_load(|| async move {
                let roles = db.roles().list().await?;
                let access = db.roles().list_access().await?;
                Ok::<_, DbError>(role_table(roles, access))
            })
            .await
            .map_err(ApiError::from)
    }

    pub async fn lookups(&self, db: &SystemDb) -> Result<Arc<LookupTable>, ApiError> {
        self.lookups
            .get_or_load(|| async move {
                let rows = db.lookups().list().await?;
                Ok::<_, DbError>(LookupTable { rows })
            })
            .await
            .map_err(ApiError::from)
    }

    pub async fn user_roles(&self, db: &SystemDb, user_id: i64) -> Result<UserAppRoles, ApiError> {
        self.user_roles
            .try_get_with(user_id, async move {
                let rows = db.user_app_roles().for_user(user_id).await?;
                Ok::<_, DbError>(Arc::new(
                    rows.iter().map(|row| (row.app_id, row.role_id)).collect(),
                ))
            })
            .await
            .map_err(ApiError::from)
    }

    pub fn invalidate_apps(&self) {
        self.apps.invalidate();
    }

    /// Roles and their access rows.
    pub fn invalidate_roles(&self) {
        self.roles.invalidate();
    }

    pub fn invalidate_lookups(&self) {
        self.lookups.invalidate();
    }

    pub async fn invalidate_user(&self, user_id: i64) {
        self.user_roles.invalidate(&user_id).await;
    }

    /// Hits and misses of the apps, roles and lookups snapshots, for `/metrics`.
    pub fn cache_reads(&self) -> [(&'static str, CacheCounts); 3] {
        [
            ("apps", self.apps.reads()),
            ("roles", self.roles.reads()),
            ("lookups", self.lookups.reads()),
        ]
    }

    pub fn invalidate_all(&self) {
        self.invalidate_apps();
        self.invalidate_roles();
        self.invalidate_lookups();
        self.user_roles.invalidate_all();
    }
}

fn role_table(roles: Vec<RoleRow>, access: Vec<RoleAccessRow>) -> RoleTable {
    let mut grants: HashMap<i64, Vec<Grant>> = HashMap::new();
    for row in &access {
        grants.entry(row.role_id).or_default().push(grant_of(row));
    }
    let by_id = roles
        .into_iter()
        .map(|row| {
            let grants = RoleGrants {
                role_id: row.id,
                is_active: row.is_active,
                grants: grants.remove(&row.id).unwrap_or_default(),
            };
            let entry = RoleEntry::new(row, grants);
            (entry.row.id, Arc::new(entry))
        })
        .collect();
    RoleTable { by_id }
}

/// A stored access row as a grant. Rows are validated when written; a row that still does
/// not read (edited in the database by hand) grants nothing rather than too much.
pub fn grant_of(row: &RoleAccessRow) -> Grant {
    let verbs = VerbMask::try_from(row.verb_mask).unwrap_or(VerbMask::NONE);
    let requestors = RequestorMask::try_from(row.requestor_mask).unwrap_or(RequestorMask::NONE);
    let filters: Vec<RowFilter> = row
        .filters
        .as_array()
        .map(|items| items.iter().map(row_filter_of).collect())
        .unwrap_or_default();
    let filter_op = row.filter_op.parse().unwrap_or(FilterOp::And);
    let hidden_fields = row
        .hidden_fields
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Grant::new(
        row.service_id,
        row.component.as_deref().unwrap_or_default(),
        verbs,
        requestors,
    )
    .with_filters(filter_op, filters)
    .with_hidden_fields(hidden_fields)
}

/// One stored `{name, operator, value}`; non-text values are kept as their JSON text and a
/// null value as `""`, as [`RowFilter`] documents.
pub fn row_filter_of(item: &serde_json::Value) -> RowFilter {
    let text = |key: &str| match item.get(key) {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    RowFilter::new(&text("name"), &text("operator"), &text("value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role() -> RoleEntry {
        let row = RoleRow {
            id: 7,
            name: "r".to_owned(),
            description: None,
            is_active: true,
            created_date: String::new(),
            last_modified_date: String::new(),
            created_by_id: None,
            last_modified_by_id: None,
        };
        let grants = RoleGrants {
            role_id: 7,
            is_active: true,
            grants: Vec::new(),
        };
        RoleEntry::new(row, grants)
    }

    fn owner_filter() -> Option<RowFilterSet> {
        RowFilterSet::new(
            FilterOp::And,
            vec![RowFilter::new("owner_id", "=", "{user.id}")],
        )
    }

    #[test]
    fn record_rules_are_compiled_once_per_filter_set() {
        let role = role();
        let first = role
            .record_rules(owner_filter(), Vec::new())
            .expect("compiles");
        let second = role
            .record_rules(owner_filter(), Vec::new())
            .expect("compiles");
        assert!(
            Arc::ptr_eq(&first, &second),
            "the second request reuses the first"
        );
        assert!(first.row_filter().is_some());
        let hidden = role
            .record_rules(owner_filter(), vec!["salary".to_owned()])
            .expect("compiles");
        assert_eq!(hidden.hidden_fields(), ["salary"]);
        assert!(!Arc::ptr_eq(&first, &hidden));
    }

    #[test]
    fn no_filters_and_no_hidden_fields_restrict_nothing() {
        let rules = role()
            .record_rules(None, Vec::new())
            .expect("nothing to compile");
        assert!(rules.is_unrestricted());
    }

    #[test]
    fn unusable_filters_are_refused_every_time() {
        let role = role();
        let bad = || RowFilterSet::new(FilterOp::And, vec![RowFilter::new("a", "~~", "1")]);
        assert!(role.record_rules(bad(), Vec::new()).is_err());
        assert!(role.record_rules(bad(), Vec::new()).is_err());
    }
}
