//! PostgreSQL failures mapped to `ConnectorError`: no SQL, driver message or host name
//! ever reaches a client. Infrastructure faults fail closed (503 with `Retry-After`); data
//! that does not fit a column's type is the client's 400. The detail is logged at debug
//! level for operators.

use deadpool_postgres::PoolError;
use sluice_connector_core::ConnectorError;
use tokio_postgres::error::SqlState;

/// A filter value PostgreSQL could not read as its column's type (`id = 'abc'` on a uuid
/// column, `1.5` on an integer column, a date that is not one).
pub(crate) const VALUE_DOES_NOT_FIT: &str = "A filter value does not fit the type of its field.";

/// An operation the column's type does not have (`sum` of a text column, `=` on `json`).
pub(crate) const OPERATION_DOES_NOT_APPLY: &str =
    "The requested operation does not apply to the type of its field.";

/// PostgreSQL refuses a prepared statement whose result columns changed type since it was
/// prepared (`cached plan must not change result type`): another client altered the table.
/// The connector then drops its statements and runs the read once more.
const STALE_STATEMENT: &str = "a prepared statement no longer fits its table";

/// A pooled connection that the server or the network closed since its last use (a
/// restart, `pg_terminate_backend`, an idle timeout): the pool hands it out again until
/// the driver notices, so a read that meets it runs once more on another connection.
const CONNECTION_LOST: &str = "the connection to the database was lost";

/// Whether a read that failed with `error` may succeed when run once more at once.
pub(crate) fn is_retryable(error: &ConnectorError) -> bool {
    is_stale_statement(error) || is_connection_lost(error)
}

pub(crate) fn is_connection_lost(error: &ConnectorError) -> bool {
    matches!(error, ConnectorError::Unavailable(reason) if reason == CONNECTION_LOST)
}

pub(crate) fn is_stale_statement(error: &ConnectorError) -> bool {
    matches!(error, ConnectorError::Internal(reason) if reason == STALE_STATEMENT)
}

pub(crate) fn map_error(error: tokio_postgres::Error) -> ConnectorError {
    tracing::debug!(error = %error, "postgres call failed");
    // A session the server ended (an administrator, a restart, a crash of another
    // backend) reports why before the connection closes.
    if error.is_closed()
        || matches!(
            error.code(),
            Some(&SqlState::ADMIN_SHUTDOWN | &SqlState::CRASH_SHUTDOWN)
        )
    {
        return ConnectorError::Unavailable(CONNECTION_LOST.to_owned());
    }
    let Some(code) = error.code() else {
        // No SQLSTATE: the connection timed out or could not be opened.
        return ConnectorError::Unavailable("the database cannot be reached".to_owned());
    };
    map_state(code)
}

fn map_state(code: &SqlState) -> ConnectorError {
    let class = &code.code()[..2];
    match class {
        // Data exceptions: invalid text representation, numeric out of range, bad datetime.
        "22" => ConnectorError::bad_request(VALUE_DOES_NOT_FIT),
        // Connection exceptions, insufficient resources, operator intervention (shutdown,
        // statement timeout, cancelled), lock timeouts and serialization failures.
        "08" | "53" | "57" | "40" | "55" => {
            if *code == SqlState::QUERY_CANCELED || *code == SqlState::LOCK_NOT_AVAILABLE {
                ConnectorError::Busy
            } else if class == "53" && *code == SqlState::DISK_FULL {
                ConnectorError::Full
            } else if class == "08" || class == "57" {
                ConnectorError::Unavailable("the database is not accepting requests".to_owned())
            } else {
                ConnectorError::Busy
            }
        }
        // Wrong password or a role that may not log in, a database that does not exist.
        "28" | "3D" => ConnectorError::Unavailable("the database refused the login".to_owned()),
        "0A" => ConnectorError::Internal(STALE_STATEMENT.to_owned()),
        "42" if *code == SqlState::UNDEFINED_FUNCTION => {
            ConnectorError::bad_request(OPERATION_DOES_NOT_APPLY)
        }
        // A table or column that the schema snapshot still has but the database no longer
        // does: the snapshot is stale, not the client's fault.
        _ => ConnectorError::Internal(format!("PostgreSQL error {} while reading", code.code())),
    }
}

pub(crate) fn map_pool_error(error: PoolError) -> ConnectorError {
    match error {
        PoolError::Backend(error) => map_error(error),
        PoolError::Timeout(_) => ConnectorError::Busy,
        other => {
            tracing::debug!(error = %other, "postgres pool failed");
            ConnectorError::Unavailable("no connection to the database".to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_to_semantic_errors() {
        assert!(matches!(
            map_state(&SqlState::INVALID_TEXT_REPRESENTATION),
            ConnectorError::BadRequest { .. }
        ));
        assert!(matches!(
            map_state(&SqlState::QUERY_CANCELED),
            ConnectorError::Busy
        ));
        assert!(matches!(
            map_state(&SqlState::T_R_SERIALIZATION_FAILURE),
            ConnectorError::Busy
        ));
        assert!(matches!(
            map_state(&SqlState::DISK_FULL),
            ConnectorError::Full
        ));
        assert!(matches!(
            map_state(&SqlState::ADMIN_SHUTDOWN),
            ConnectorError::Unavailable(_)
        ));
        assert!(matches!(
            map_state(&SqlState::INVALID_PASSWORD),
            ConnectorError::Unavailable(_)
        ));
        assert!(is_stale_statement(&map_state(
            &SqlState::FEATURE_NOT_SUPPORTED
        )));
        assert!(matches!(
            map_state(&SqlState::UNDEFINED_TABLE),
            ConnectorError::Internal(_)
        ));
    }
}
