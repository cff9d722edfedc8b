//! The crate's error type and the translation of driver errors into it.

use sqlx::error::{DatabaseError, ErrorKind};

use crate::StorageFault;

/// Everything a system-db call can fail with.
///
/// The gateway maps these to HTTP itself (this crate knows nothing of HTTP). `Display` never
/// contains SQL text, bind values or connection URLs, so the client-facing variants
/// (`Conflict`, `InvalidReference`, `ConstraintViolation`, `NotFound`) can be shown as they are;
/// the others carry the driver error as their `source()` for logs only.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// A unique index rejected the write. `field` is the column (or comma-separated columns)
    /// that must be unique, e.g. `name`, `email`, `user_id,app_id`.
    #[error("a record with this {field} already exists")]
    Conflict { field: String },

    /// A foreign key points at a row that does not exist (SQLite cannot say which key).
    #[error("a referenced record does not exist")]
    InvalidReference,

    /// A CHECK or NOT NULL constraint rejected a value the caller should have validated.
    #[error("a value is not allowed by the system database schema")]
    ConstraintViolation,

    /// The addressed row does not exist.
    #[error("record not found")]
    NotFound,

    /// The URL is neither `sqlite:` nor `postgres:`/`postgresql:`.
    #[error("unsupported system database URL (expected sqlite:... or postgres://...)")]
    UnsupportedUrl,

    /// The database could not be reached (pool timeout or closed, I/O, TLS, protocol), or
    /// its storage failed a statement (read-only, I/O error, full, unopenable or corrupt
    /// file; a read-only or shutting-down PostgreSQL): nothing of the call was written.
    #[error("system database unavailable")]
    Unavailable(#[source] sqlx::Error),

    /// The SQLite file was deleted, replaced or made read-only while Sluice runs: the call
    /// was refused, or its write went to a file that is no longer the database.
    #[error(transparent)]
    Storage(#[from] StorageFault),

    /// Any other driver error.
    #[error("system database error")]
    Database(#[source] sqlx::Error),

    /// Applying migrations failed (including a checksum mismatch: an applied migration was
    /// edited, see `migrations/README.md`).
    #[error("system database migration failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),

    /// A JSON column holds text that does not parse (written outside Sluice).
    #[error("stored {column} is not valid JSON")]
    CorruptJson {
        column: &'static str,
        #[source]
        source: serde_json::Error,
    },

    /// The SQLite file or its directory could not be created.
    #[error("could not create the system database file")]
    Io(#[source] std::io::Error),
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::Database(db) => match db.kind() {
                ErrorKind::UniqueViolation => DbError::Conflict {
                    field: conflict_field(db.as_ref()),
                },
                ErrorKind::ForeignKeyViolation => DbError::InvalidReference,
                ErrorKind::NotNullViolation | ErrorKind::CheckViolation => {
                    DbError::ConstraintViolation
                }
                _ if is_storage_failure(db.as_ref()) => DbError::Unavailable(err),
                _ => DbError::Database(err),
            },
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => DbError::Unavailable(err),
            _ => DbError::Database(err),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for DbError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        DbError::Migrate(err)
    }
}

/// A statement failed because of where the data lives, not because of what it asked: the
/// caller should retry later (503), not report a bug (500).
fn is_storage_failure(db: &dyn DatabaseError) -> bool {
    let Some(code) = db.code() else {
        return false;
    };
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        code.parse().is_ok_and(sqlite_storage_code)
    } else if db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .is_some()
    {
        postgres_storage_state(&code)
    } else {
        false
    }
}

// SQLite's result codes (stable across versions; sqlx does not re-export its bindings).
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_CORRUPT: i32 = 11;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;
const SQLITE_NOTADB: i32 = 26;
const SQLITE_IOERR_NOMEM: i32 = SQLITE_IOERR | (12 << 8);

/// SQLite result codes of storage trouble (extended codes carry the primary code in their low
/// byte): read-only file, directory or file system (`SQLITE_READONLY*`), failed reads, writes
/// or syncs (`SQLITE_IOERR*`, also `EROFS` on a file system remounted read-only), a corrupt
/// file, a full disk, a file that cannot be opened, or one that is not a database. An I/O
/// error that is really an allocation failure (`SQLITE_IOERR_NOMEM`) is not storage.
fn sqlite_storage_code(extended: i32) -> bool {
    extended != SQLITE_IOERR_NOMEM
        && matches!(
            extended & 0xff,
            SQLITE_READONLY
                | SQLITE_IOERR
                | SQLITE_CORRUPT
                | SQLITE_FULL
                | SQLITE_CANTOPEN
                | SQLITE_NOTADB
        )
}

/// PostgreSQL SQLSTATEs of a server that cannot take the statement now: a read-only
/// transaction (a standby after a failover), a full disk or other exhausted resources, the
/// server shutting down or starting, a lost connection.
fn postgres_storage_state(state: &str) -> bool {
    matches!(state, "25006" | "57P01" | "57P02" | "57P03")
        || state.starts_with("53")
        || state.starts_with("08")
}

/// Unique index (and primary key) names of both dialects, mapped to the field a client sent.
/// PostgreSQL reports the index name as the violated constraint; SQLite reports it only for
/// expression indexes (`index 'ux_service_name'`), otherwise it lists `table.column`s.
const UNIQUE_CONSTRAINTS: &[(&str, &str)] = &[
    ("ux_user_email", "email"),
    ("ux_user_username", "username"),
    ("ux_service_name", "name"),
    ("ux_role_name", "name"),
    ("ux_app_name", "name"),
    ("ux_app_api_key", "api_key"),
    ("ux_user_to_app_to_role_user_app", "user_id,app_id"),
    ("ux_lookup_scope_name", "name"),
    ("ux_user_custom_user_name", "name"),
    ("ux_cors_path", "path"),
    ("ux_limits_key_text", "key_text"),
    ("ux_email_template_name", "name"),
    ("event_script_pkey", "name"),
    ("token_map_pkey", "jti"),
    ("token_revocation_pkey", "jti"),
    ("system_setting_pkey", "name"),
];

/// Field name for a unique violation, from the constraint name (PostgreSQL) or the message
/// (SQLite, which has no constraint accessor). Falls back to the raw name so a missing table
/// entry degrades to a less friendly field name rather than to a 500.
fn conflict_field(db: &dyn DatabaseError) -> String {
    match db.constraint() {
        Some(constraint) => field_for_index(constraint),
        None => field_from_sqlite_message(db.message()),
    }
}

/// SQLite: "UNIQUE constraint failed: index 'ux_service_name'" for expression indexes,
/// "UNIQUE constraint failed: user_custom.user_id, user_custom.name" otherwise.
fn field_from_sqlite_message(message: &str) -> String {
    let Some(detail) = message.strip_prefix("UNIQUE constraint failed: ") else {
        return "unknown".to_owned();
    };
    if let Some(index) = detail
        .strip_prefix("index '")
        .and_then(|rest| rest.strip_suffix('\''))
    {
        return field_for_index(index);
    }
    detail
        .split(", ")
        .map(|qualified| qualified.rsplit('.').next().unwrap_or(qualified))
        .collect::<Vec<_>>()
        .join(",")
}

fn field_for_index(index: &str) -> String {
    UNIQUE_CONSTRAINTS
        .iter()
        .find(|(name, _)| *name == index)
        .map_or(index, |(_, field)| field)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_expression_index_messages_map_through_the_index_table() {
        let field = field_from_sqlite_message("UNIQUE constraint failed: index 'ux_user_username'");

        assert_eq!(field, "username");
    }

    #[test]
    fn sqlite_column_list_messages_map_to_the_bare_column_names() {
        let field = field_from_sqlite_message(
            "UNIQUE constraint failed: user_to_app_to_role.user_id, user_to_app_to_role.app_id",
        );

        assert_eq!(field, "user_id,app_id");
    }

    #[test]
    fn postgres_constraint_names_map_through_the_index_table() {
        assert_eq!(field_for_index("ux_app_api_key"), "api_key");
        assert_eq!(field_for_index("token_revocation_pkey"), "jti");
    }

    #[test]
    fn sqlite_storage_codes_are_recognised_with_their_extended_codes() {
        // READONLY, its DBMOVED, CANTINIT and DIRECTORY forms; IOERR, its WRITE and FSYNC
        // forms; CANTOPEN, CORRUPT, FULL, NOTADB.
        for code in [8, 1032, 1288, 1544, 10, 778, 1034, 14, 11, 13, 26] {
            assert!(sqlite_storage_code(code), "{code}");
        }
        // ERROR, CONSTRAINT_UNIQUE, MISMATCH, IOERR_NOMEM.
        for code in [1, 2067, 20, 3082] {
            assert!(!sqlite_storage_code(code), "{code}");
        }
    }

    #[test]
    fn postgres_unavailability_states_are_recognised() {
        for state in ["25006", "53100", "53200", "57P01", "57P03", "08006"] {
            assert!(postgres_storage_state(state), "{state}");
        }
        for state in ["23505", "42P01", "22P02", "40001"] {
            assert!(!postgres_storage_state(state), "{state}");
        }
    }

    #[tokio::test]
    async fn a_write_sqlite_refuses_as_read_only_is_unavailable() {
        use sqlx::sqlite::SqliteConnectOptions;
        use sqlx::{ConnectOptions, Connection};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sys.db");
        let mut writable = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (x)")
            .execute(&mut writable)
            .await
            .unwrap();
        writable.close().await.unwrap();
        let mut read_only = SqliteConnectOptions::new()
            .filename(&path)
            .read_only(true)
            .connect()
            .await
            .unwrap();

        let refused = sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut read_only)
            .await
            .unwrap_err();

        assert!(
            matches!(DbError::from(refused), DbError::Unavailable(_)),
            "a read-only database is a 503, not a 500"
        );
    }

    #[test]
    fn unknown_constraints_fall_back_to_their_name() {
        assert_eq!(field_for_index("ux_new_thing"), "ux_new_thing");
        assert_eq!(field_from_sqlite_message("something else"), "unknown");
    }
}
