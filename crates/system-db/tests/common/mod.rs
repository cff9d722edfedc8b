//! Test databases: a fresh migrated SQLite file per test, and a fresh migrated PostgreSQL
//! schema per test (created under a unique name, the only schema its connections see, dropped
//! afterwards), so the scenarios run on both backends and in parallel without sharing state.
//! `backend_tests!` runs each listed scenario against both. A schema, not a database: creating
//! and dropping a database took about 1.5 s a test on a busy two-core machine, a schema 30 ms.
//!
//! The PostgreSQL server is the one `SLUICE_TEST_POSTGRES_URL` names, by default the loopback
//! server with trust authentication that development machines and CI (`.ci/run` starts it)
//! have. A server that cannot be reached fails the test with how to start it, never a skip:
//! a skipped half would let PostgreSQL-only breakage through unnoticed.

#![allow(dead_code)] // each test binary uses a different subset

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sluice_system_db::{
    AppRow, NewApp, NewRole, NewService, NewUser, RoleRow, ServiceRow, SystemDb, UserRow,
};
use sqlx::Connection;

pub const POSTGRES_URL_VAR: &str = "SLUICE_TEST_POSTGRES_URL";
/// The loopback server's maintenance database, where the test schemas are created and
/// dropped; the user needs the right to create schemas there.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub struct TestDb {
    pub db: SystemDb,
    /// Where `db` connects: another handle on it is another node.
    pub url: String,
    _cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres { server_url: String, schema: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Cleanup::Postgres { server_url, schema } = self {
            // Drop is synchronous; run the async DROP on a private runtime in its own thread so
            // it works from inside the test's runtime.
            let (server_url, schema) = (server_url.clone(), schema.clone());
            let _ = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime")
                    .block_on(async {
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&server_url).await {
                            // Bounded, so a connection still inside a transaction cannot
                            // hold the test up; the schema is then left behind.
                            let drop = format!(
                                "SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS {schema} CASCADE"
                            );
                            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
                                .execute(&mut conn)
                                .await;
                        }
                    });
            })
            .join();
        }
    }
}

/// A migrated SQLite database in a temporary directory.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("system.db").display());
    let db = SystemDb::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    TestDb {
        db,
        url,
        _cleanup: Cleanup::Sqlite(dir),
    }
}

/// A migrated PostgreSQL schema created for this test, the only one on the connections'
/// search path; panics, saying how to start the server, when it cannot be reached.
pub async fn postgres() -> TestDb {
    let server_url =
        std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_unset| DEFAULT_POSTGRES_URL.to_owned());
    let mut admin = sqlx::PgConnection::connect(&server_url)
        .await
        .unwrap_or_else(|error| panic!("{}", unreachable(&server_url, &error)));
    let schema = unique_schema_name();
    let create = format!("CREATE SCHEMA {schema}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(create))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "creating the test schema {schema} at {} failed: {error} (the user needs the \
                 right to create schemas in that database)",
                without_password(&server_url)
            )
        });
    let cleanup = Cleanup::Postgres {
        server_url: server_url.clone(),
        schema: schema.clone(),
    };
    let url = with_search_path(&server_url, &schema);
    let db = SystemDb::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    TestDb {
        db,
        url,
        _cleanup: cleanup,
    }
}

/// Unique among parallel tests (the counter), test processes (the pid) and earlier runs whose
/// schemas a killed process left behind (the clock).
fn unique_schema_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_micros());
    format!(
        "sluice_test_{}_{micros}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn unreachable(url: &str, error: &sqlx::Error) -> String {
    format!(
        "the PostgreSQL half of the system-db tests needs a PostgreSQL server, and connecting \
         to {} failed: {error}.\n\
         Start the machine's server: \
         `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (or \
         `sudo systemctl start postgresql`), or set {POSTGRES_URL_VAR} to a server and database \
         where the user may create schemas (default {DEFAULT_POSTGRES_URL}).\n\
         To run the SQLite half alone: cargo test -p sluice-system-db -- --skip postgres::",
        without_password(url)
    )
}

/// `url` with the password of its user, if any, replaced by `***`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    match authority.rsplit_once('@') {
        Some((user_info, _host)) if user_info.contains(':') => {
            let user = user_info
                .split_once(':')
                .map_or(user_info, |(user, _)| user);
            format!("{scheme}://{user}:***@{}", &rest[user_info.len() + 1..])
        }
        _ => url.to_owned(),
    }
}

/// `url` whose connections see only `schema` (PostgreSQL's `options` startup parameter,
/// URL-encoded `-c search_path=<schema>`).
fn with_search_path(url: &str, schema: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{schema}")
}

/// Creates an active user with a unique email; admins when `admin`.
pub async fn user(db: &SystemDb, email: &str, admin: bool) -> UserRow {
    db.users()
        .insert(&NewUser {
            name: email.to_owned(),
            email: email.to_owned(),
            is_sys_admin: admin,
            is_active: true,
            ..NewUser::default()
        })
        .await
        .expect("insert user")
}

/// Creates an active role.
pub async fn role(db: &SystemDb, name: &str) -> RoleRow {
    db.roles()
        .insert(&NewRole::new(name), None)
        .await
        .expect("insert role")
}

/// Creates an active app with the API key `key-<name>` and the given default role.
pub async fn app(db: &SystemDb, name: &str, role_id: Option<i64>) -> AppRow {
    db.apps()
        .insert(
            &NewApp {
                role_id,
                ..NewApp::new(name, format!("key-{name}"))
            },
            None,
        )
        .await
        .expect("insert app")
}

/// Creates a SQLite-typed service.
pub async fn service(db: &SystemDb, name: &str) -> ServiceRow {
    db.services()
        .insert(&NewService::new(name, "sqlite"), None)
        .await
        .expect("insert service")
}

/// Generates `mod sqlite` and `mod postgres`, each with one `#[tokio::test]` per scenario
/// `async fn name(db: SystemDb)` defined next to the macro call.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let test = $crate::common::sqlite().await;
                    super::$name(test.db.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let test = $crate::common::postgres().await;
                    super::$name(test.db.clone()).await;
                }
            )*
        }
    };
}
