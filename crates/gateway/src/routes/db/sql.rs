//! `POST /api/v2/{service}/_sql`: NSQLite's `/query` on a SQLite service (docs/SQL.md). The
//! handler maps HTTP to the connector's `_sql` engine: who may run what is decided by
//! `auth::sql_access`, what a statement is and where it runs by the engine (SQLite itself),
//! and SQL errors are results in NSQLite's shape while everything else is a DreamFactory
//! envelope.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use sluice_connector_sqlite::sql::SqlError;
use sluice_system_db::Topic;

use crate::auth::Principal;
use crate::auth::sql_access::authorize_sql;
use crate::body::json_depth;
use crate::data_cache::announce_service_write;
use crate::error::ApiError;
use crate::registry::{Backend, ServiceEntry};
use crate::routes::ok_json_bytes;
use crate::sql_wire::parse_batch;
use crate::state::AppState;

pub async fn run_sql(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let capability = authorize_sql(&state, principal, &path, request.method()).await?;
    let service = capability.service();
    let (engine, config) = match &service.backend {
        Backend::Sqlite { sql, config, .. } => (sql, config),
        Backend::Unavailable { .. } => {
            return Err(ApiError::unavailable(format!(
                "Service {} is unavailable: its database cannot be opened.",
                service.name
            )));
        }
        Backend::Remote { .. }
        | Backend::User { .. }
        | Backend::Script { .. }
        | Backend::Files { .. } => {
            return Err(ApiError::not_found(format!(
                "Resource '_sql' not found for service '{}'.",
                service.name
            )));
        }
    };
    let limits = &state.settings.limits;
    if json_depth(&body) > limits.json_depth_max {
        return Err(ApiError::bad_request(format!(
            "Invalid SQL batch: the JSON is nested deeper than {} levels.",
            limits.json_depth_max
        )));
    }
    let statements = parse_batch(&body, limits.batch_records_max)
        .map_err(|reason| ApiError::bad_request(format!("Invalid SQL batch: {reason}.")))?;
    let max_rows = config.data.max_records.min(limits.max_records_returned);
    let max_rows = usize::try_from(max_rows).unwrap_or(usize::MAX);
    let output = engine
        .run(
            capability.caller(),
            capability.access(),
            max_rows,
            statements,
        )
        .await
        .map_err(|error| match error {
            SqlError::TransactionNotFound => ApiError::not_found(
                "Transaction not found: it was committed, rolled back, timed out or belongs \
                 to another session or key.",
            ),
            SqlError::TooManyTransactions => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Too many open transactions on this service. Retry after the time in \
                 Retry-After.",
            )
            .with_retry_after(1),
            SqlError::Connector(error) => error.into(),
        })?;
    if output.schema_changed {
        announce_schema_change(&state, service).await;
    } else if output.wrote {
        announce_service_write(&state, service).await;
    }
    let body = serde_json::to_vec(&output).map_err(ApiError::internal)?;
    Ok(ok_json_bytes(body))
}

/// Every node drops its schema of the service and, with it, the cached reads. The statements
/// ran whatever the announcement does, so its failure (the system database unreachable) does
/// not fail the request, which would invite running them again: this node forgets its own.
async fn announce_schema_change(state: &AppState, service: &ServiceEntry) {
    let id = service.row.id;
    if let Err(error) = state.db.announce(Topic::Schema, &id.to_string()).await {
        tracing::warn!(
            service.id = id,
            %error,
            "cannot announce a schema change made through _sql; only this node forgets its schema"
        );
        if let Some((database, _)) = service.backend.database() {
            database.invalidate();
        }
        state.data_cache.invalidate_service(id);
    }
}
