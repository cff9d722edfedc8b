//! `GET /api/v2/{service}?as_access_list=true`: the role components of a database service,
//! as DreamFactory's role editor lists them (plain strings): the service root `""` and `*`,
//! then per resource `{resource}/`, `{resource}/*` and `{resource}/{table}/`,
//! `{resource}/{table}/*` for each table the caller may use through it, then `_sql` for a
//! SQLite service when the caller may run raw SQL there.

use sluice_rbac::{SqlGrant, sql_grant};

use super::database;
use crate::auth::access::ServiceAccess;
use crate::auth::principal::Authority;
use crate::error::ApiError;
use crate::registry::Backend;
use crate::state::AppState;

/// The components, in DreamFactory's order (`_schema` before `_table`, tables in the
/// schema's order).
pub async fn components(
    state: &AppState,
    access: &ServiceAccess,
    refresh: bool,
) -> Result<Vec<String>, ApiError> {
    let mut out = vec![String::new(), "*".to_string()];
    let names = database(state, access)?.table_names(refresh).await?;
    for resource in ["_schema", "_table"] {
        if !access.may_see(resource) {
            continue;
        }
        out.push(format!("{resource}/"));
        out.push(format!("{resource}/*"));
        for name in names.iter() {
            let component = format!("{resource}/{}", name.to_ascii_lowercase());
            if access.may_see(&component) {
                out.push(format!("{resource}/{name}/"));
                out.push(format!("{resource}/{name}/*"));
            }
        }
    }
    if may_run_sql(access) {
        out.push(sluice_rbac::SQL_COMPONENT.to_string());
    }
    Ok(out)
}

/// `_sql` is granted only by an exact `_sql` row (never by `*`), and served by SQLite
/// services only.
fn may_run_sql(access: &ServiceAccess) -> bool {
    let service = access.service();
    if !matches!(service.backend, Backend::Sqlite { .. }) {
        return false;
    }
    match &access.principal().authority {
        Authority::Unrestricted => true,
        Authority::Role(role) => {
            sql_grant(&role.grants, service.row.id, access.principal().requestor) != SqlGrant::None
        }
        Authority::NoRole => false,
    }
}
