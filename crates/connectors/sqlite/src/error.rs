//! SQLite failures mapped to `ConnectorError`: no SQL text, SQLite message or path ever
//! ends up in an error a client can see, and infrastructure faults fail closed (503 with
//! `Retry-After`, 507 when full, never a 500). The detail is logged at debug level for
//! operators.

use rusqlite::{ErrorCode, ffi};
use sluice_connector_core::ConnectorError;

pub(crate) fn map_error(error: rusqlite::Error) -> ConnectorError {
    let failure = match &error {
        rusqlite::Error::SqliteFailure(failure, _) => Some(*failure),
        rusqlite::Error::SqlInputError { error, .. } => Some(*error),
        _ => None,
    };
    tracing::debug!(error = %error, "sqlite call failed");
    let Some(failure) = failure else {
        return ConnectorError::Internal("unexpected result from the SQLite driver".to_owned());
    };
    match failure.code {
        // Interrupted is our own progress handler stopping a statement that ran too long.
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::OperationInterrupted => {
            ConnectorError::Busy
        }
        ErrorCode::DiskFull => ConnectorError::Full,
        ErrorCode::DatabaseCorrupt => unavailable("the database file is corrupt"),
        ErrorCode::NotADatabase => unavailable("the file is not a SQLite database"),
        // Storage trouble, not a bug: the request may succeed later, and the lane opens a
        // fresh connection for its next job. A read-only file, directory or file system
        // (including a file moved or replaced since it was opened, SQLITE_READONLY_DBMOVED),
        // a file or its journal that cannot be opened for the write, a failed read, write or
        // sync (EROFS, EIO).
        ErrorCode::CannotOpen => unavailable("the database file cannot be opened"),
        ErrorCode::ReadOnly => unavailable("the database is read-only"),
        ErrorCode::SystemIoFailure if failure.extended_code != ffi::SQLITE_IOERR_NOMEM => {
            unavailable("the database's storage failed an I/O operation")
        }
        ErrorCode::AuthorizationForStatementDenied => {
            ConnectorError::Internal("a statement was refused by the SQLite authorizer".to_owned())
        }
        _ => ConnectorError::Internal(format!(
            "SQLite error code {} while reading",
            failure.extended_code
        )),
    }
}

fn unavailable(reason: &str) -> ConnectorError {
    ConnectorError::Unavailable(reason.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some("secret /path".into()))
    }

    #[test]
    fn infrastructure_codes_map_to_semantic_errors() {
        assert!(matches!(
            map_error(failure(rusqlite::ffi::SQLITE_BUSY)),
            ConnectorError::Busy
        ));
        assert!(matches!(
            map_error(failure(rusqlite::ffi::SQLITE_LOCKED)),
            ConnectorError::Busy
        ));
        assert!(matches!(
            map_error(failure(rusqlite::ffi::SQLITE_INTERRUPT)),
            ConnectorError::Busy
        ));
        assert!(matches!(
            map_error(failure(rusqlite::ffi::SQLITE_FULL)),
            ConnectorError::Full
        ));
        for code in [
            rusqlite::ffi::SQLITE_CORRUPT,
            rusqlite::ffi::SQLITE_NOTADB,
            rusqlite::ffi::SQLITE_CANTOPEN,
            rusqlite::ffi::SQLITE_READONLY,
        ] {
            assert!(matches!(
                map_error(failure(code)),
                ConnectorError::Unavailable(_)
            ));
        }
    }

    #[test]
    fn read_only_and_io_failures_of_the_storage_are_unavailable() {
        for code in [
            ffi::SQLITE_READONLY,
            ffi::SQLITE_READONLY_DBMOVED,
            ffi::SQLITE_READONLY_CANTINIT,
            ffi::SQLITE_READONLY_CANTLOCK,
            ffi::SQLITE_READONLY_DIRECTORY,
            ffi::SQLITE_READONLY_RECOVERY,
            ffi::SQLITE_READONLY_ROLLBACK,
            ffi::SQLITE_CANTOPEN,
            ffi::SQLITE_IOERR,
            ffi::SQLITE_IOERR_WRITE,
            ffi::SQLITE_IOERR_FSYNC,
            ffi::SQLITE_IOERR_READ,
            ffi::SQLITE_IOERR_SHMOPEN,
            ffi::SQLITE_IOERR_TRUNCATE,
        ] {
            assert!(
                matches!(map_error(failure(code)), ConnectorError::Unavailable(_)),
                "{code}"
            );
        }
        // An allocation failure reported as an I/O error is not the storage's fault.
        assert!(matches!(
            map_error(failure(ffi::SQLITE_IOERR_NOMEM)),
            ConnectorError::Internal(_)
        ));
    }

    #[test]
    fn messages_never_carry_sqlite_text_or_sql() {
        let input = rusqlite::Error::SqlInputError {
            error: rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            msg: "no such column: secret".into(),
            sql: "SELECT secret FROM t".into(),
            offset: 7,
        };
        for error in [
            map_error(input),
            map_error(failure(rusqlite::ffi::SQLITE_CORRUPT)),
        ] {
            let text = error.to_string();
            assert!(
                !text.contains("secret") && !text.contains("SELECT"),
                "{text}"
            );
        }
    }
}
