//! Test databases: a fresh migrated SQLite file per test, and, when `SLUICE_TEST_POSTGRES_URL`
//! points at a PostgreSQL server, a fresh migrated database there too (dropped afterwards).
//! `backend_tests!` runs each listed scenario against both.

#![allow(dead_code)] // each test binary uses a different subset

use std::sync::atomic::{AtomicU32, Ordering};

use sluice_system_db::{
    AppRow, NewApp, NewRole, NewService, NewUser, RoleRow, ServiceRow, SystemDb, UserRow,
};
use sqlx::Connection;

pub const POSTGRES_URL_VAR: &str = "SLUICE_TEST_POSTGRES_URL";

pub struct TestDb {
    pub db: SystemDb,
    _cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, database: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Cleanup::Postgres {
            admin_url,
            database,
        } = self
        {
            // Drop is synchronous; run the async DROP on a private runtime in its own thread so
            // it works from inside the test's runtime.
            let (admin_url, database) = (admin_url.clone(), database.clone());
            let _ = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime")
                    .block_on(async {
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                            let drop = format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)");
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
        _cleanup: Cleanup::Sqlite(dir),
    }
}

/// A migrated, freshly created PostgreSQL database, or `None` when the variable is unset.
pub async fn postgres() -> Option<TestDb> {
    let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
        eprintln!("{POSTGRES_URL_VAR} not set: skipping the PostgreSQL variant");
        return None;
    };
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let database = format!(
        "sluice_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to the PostgreSQL admin URL");
    let create = format!("CREATE DATABASE {database}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(create))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let cleanup = Cleanup::Postgres {
        admin_url: admin_url.clone(),
        database: database.clone(),
    };
    let db = SystemDb::connect(&with_database(&admin_url, &database))
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    Some(TestDb {
        db,
        _cleanup: cleanup,
    })
}

/// Replaces the database name in `postgres://user@host:port/name?params`.
fn with_database(url: &str, database: &str) -> String {
    let (base, params) = url
        .split_once('?')
        .map_or((url, None), |(b, p)| (b, Some(p)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match params {
        Some(params) => format!("{base}/{database}?{params}"),
        None => format!("{base}/{database}"),
    }
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
                    let Some(test) = $crate::common::postgres().await else { return };
                    super::$name(test.db.clone()).await;
                }
            )*
        }
    };
}
