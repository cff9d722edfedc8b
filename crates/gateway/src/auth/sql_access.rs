//! Permission to run raw SQL (`_sql`) on a service. The grant is an exact `_sql` row of the
//! role for the service (`sluice_rbac::sql_grant`): GET for statements SQLite reports as
//! read-only (and read transactions), any write bit for everything the engine allows. A role
//! with row filters or hidden fields on the service is refused: SQL would bypass them (saving
//! such a role is refused too; this covers roles stored before).

use std::sync::Arc;

use actix_web::http::Method;
use sluice_connector_sqlite::sql::SqlAccess;
use sluice_rbac::{Requestor, SQL_COMPONENT, SqlGrant, has_record_rules, sql_grant};

use super::access::{deny, find_service};
use super::principal::{Authority, Principal};
use crate::error::ApiError;
use crate::rate_limits;
use crate::registry::ServiceEntry;
use crate::state::AppState;

/// Allowed raw SQL on one service for one request. Only [`authorize_sql`] makes one.
pub struct SqlCapability {
    service: Arc<ServiceEntry>,
    access: SqlAccess,
    caller: String,
}

impl SqlCapability {
    pub fn service(&self) -> &Arc<ServiceEntry> {
        &self.service
    }

    pub fn access(&self) -> SqlAccess {
        self.access
    }

    /// Whom the caller's transactions are bound to: the session (its token id), else the
    /// app of the API key. Another caller presenting a `txId` is told it does not exist.
    pub fn caller(&self) -> &str {
        &self.caller
    }
}

/// Decides `_sql` on service `name` for `principal`, then checks and counts the rate limits
/// (as for any component, with `method`).
///
/// # Errors
///
/// 404 for an unknown service (administrators; others get the denial), the denial of
/// [`deny`] without an `_sql` grant, 403 for a role with record rules on the service or a
/// deactivated service, and the rate limits' 429.
pub async fn authorize_sql(
    state: &AppState,
    principal: Principal,
    name: &str,
    method: &Method,
) -> Result<SqlCapability, ApiError> {
    let service = find_service(state, &principal, name, method, SQL_COMPONENT)?;
    let access = match &principal.authority {
        Authority::Unrestricted => SqlAccess::READ_WRITE,
        Authority::Role(role) => {
            let grant = sql_grant(&role.grants, service.row.id, Requestor::Api);
            if grant != SqlGrant::None && has_record_rules(&role.grants, service.row.id) {
                return Err(ApiError::forbidden(format!(
                    "Access Forbidden. Raw SQL on service '{}' is not allowed for a role with \
                     row filters or hidden fields on it.",
                    service.name
                )));
            }
            match grant {
                SqlGrant::None => {
                    return Err(deny(&principal, method, SQL_COMPONENT, &service.name));
                }
                SqlGrant::ReadOnly => SqlAccess {
                    writes: false,
                    transactions: true,
                },
                SqlGrant::ReadWrite => SqlAccess::READ_WRITE,
            }
        }
        Authority::NoRole => return Err(deny(&principal, method, SQL_COMPONENT, &service.name)),
    };
    if !service.row.is_active {
        return Err(ApiError::forbidden(format!(
            "Service {} is deactivated.",
            service.name
        )));
    }
    rate_limits::enforce(state, &principal, service.row.id, SQL_COMPONENT, method).await?;
    let caller = match (&principal.session, principal.app_id()) {
        (Some(session), _) => format!("session:{}", session.claims.jti),
        (None, Some(app)) => format!("app:{app}"),
        (None, None) => "anonymous".to_owned(),
    };
    Ok(SqlCapability {
        service,
        access,
        caller,
    })
}
