//! MySQL/MariaDB failures mapped to `ConnectorError`: no SQL, driver message or host name
//! ever reaches a client. Infrastructure faults fail closed (503 with `Retry-After`); data
//! that does not fit a column's type is the client's 400. The detail is logged at debug
//! level for operators.

use sluice_connector_core::ConnectorError;

/// A value MySQL could not take as its column's type (strict mode: out of range, too long,
/// not a date).
pub(crate) const VALUE_DOES_NOT_FIT: &str = "A filter value does not fit the type of its field.";

/// A pooled connection that the server or the network closed since its last use (a
/// restart, `KILL`, `wait_timeout`): a read that meets it runs once more on another.
const CONNECTION_LOST: &str = "the connection to the database was lost";

pub(crate) fn is_connection_lost(error: &ConnectorError) -> bool {
    matches!(error, ConnectorError::Unavailable(reason) if reason == CONNECTION_LOST)
}

pub(crate) fn map_error(error: mysql_async::Error) -> ConnectorError {
    tracing::debug!(error = %error, "mysql call failed");
    match error {
        mysql_async::Error::Server(server) => map_code(server.code),
        mysql_async::Error::Io(_) => ConnectorError::Unavailable(CONNECTION_LOST.to_owned()),
        mysql_async::Error::Driver(mysql_async::DriverError::ConnectionClosed) => {
            ConnectorError::Unavailable(CONNECTION_LOST.to_owned())
        }
        mysql_async::Error::Driver(_) | mysql_async::Error::Other(_) => {
            ConnectorError::Internal("the MySQL driver failed".to_owned())
        }
        mysql_async::Error::Url(_) => {
            ConnectorError::Unavailable("the database settings are invalid".to_owned())
        }
    }
}

/// A failure to get a connection from the pool: the server cannot be reached or refused
/// the login. Never "lost", so it is never retried at once.
pub(crate) fn map_connect_error(error: mysql_async::Error) -> ConnectorError {
    match map_error(error) {
        ConnectorError::Unavailable(reason) if reason == CONNECTION_LOST => {
            ConnectorError::Unavailable("the database cannot be reached".to_owned())
        }
        other => other,
    }
}

/// Server error numbers (shared by MySQL and MariaDB) to their meaning for the client.
fn map_code(code: u16) -> ConnectorError {
    match code {
        // Truncated or incorrect value, out of range, data too long, bad date or number.
        1264 | 1265 | 1292 | 1366 | 1367 | 1406 | 1411 | 1441 | 3140 | 4025 => {
            ConnectorError::bad_request(VALUE_DOES_NOT_FIT)
        }
        // Lock wait timeout, deadlock, statement time limit (MySQL, MariaDB), interrupted,
        // too many connections.
        1205 | 1213 | 3024 | 1969 | 1317 | 1040 | 1203 => ConnectorError::Busy,
        // The table is full, no space left on the disk.
        1114 | 1021 | 3 => ConnectorError::Full,
        // Access denied (user, database), unknown database.
        1044 | 1045 | 1049 | 1698 => {
            ConnectorError::Unavailable("the database refused the login".to_owned())
        }
        // A `charset` the server does not know (`SET NAMES` when connecting).
        1115 => ConnectorError::Unavailable(
            "the database does not know the configured character set".to_owned(),
        ),
        // Server shutting down, connection killed.
        1053 | 1927 | 1152 | 1158 | 1159 | 1160 | 1161 => {
            ConnectorError::Unavailable(CONNECTION_LOST.to_owned())
        }
        // A table or column the schema snapshot still has but the database no longer does:
        // the snapshot is stale, not the client's fault.
        _ => ConnectorError::Internal(format!("MySQL error {code}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_semantic_errors() {
        assert!(matches!(map_code(1366), ConnectorError::BadRequest { .. }));
        assert!(matches!(map_code(1213), ConnectorError::Busy));
        assert!(matches!(map_code(1969), ConnectorError::Busy));
        assert!(matches!(map_code(1114), ConnectorError::Full));
        assert!(matches!(map_code(1045), ConnectorError::Unavailable(_)));
        assert!(is_connection_lost(&map_code(1927)));
        assert!(matches!(map_code(1146), ConnectorError::Internal(_)));
    }
}
