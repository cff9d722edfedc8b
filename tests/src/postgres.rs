//! A PostgreSQL database of its own for one test: created under a unique name on the server
//! `SLUICE_TEST_POSTGRES_URL` names (by default the loopback server with trust
//! authentication that development machines and CI have), dropped when the test ends, with
//! whatever connections are still open to it.
//!
//! A database rather than a schema (as the system-db crate's tests use): the nodes of a
//! cluster talk to each other through PostgreSQL notifications, which reach every session of
//! a database, so two tests sharing one would hear each other.

use sqlx::{AssertSqlSafe, Connection, PgConnection};

use crate::{on_own_runtime, unique_name};

pub const POSTGRES_URL_VAR: &str = "SLUICE_TEST_POSTGRES_URL";
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub struct ThrowawayDatabase {
    /// The new database's URL (the server's URL with the database name replaced).
    pub url: String,
    server_url: String,
    name: String,
}

impl ThrowawayDatabase {
    /// Creates an empty database; panics, saying how to start the server, when it cannot.
    pub async fn create() -> Self {
        let server_url =
            std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_string());
        let name = unique_name("sluice_test");
        let mut connection = PgConnection::connect(&server_url)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "this test needs a PostgreSQL server where it may create databases, and \
                     connecting to the one {POSTGRES_URL_VAR} names (default \
                     {DEFAULT_POSTGRES_URL}) failed: {error}. Start the machine's server: \
                     `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
                )
            });
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut connection)
            .await
            .unwrap_or_else(|error| panic!("creating the test database {name} failed: {error}"));
        let _ = connection.close().await;
        Self {
            url: with_database(&server_url, &name),
            server_url,
            name,
        }
    }
}

impl Drop for ThrowawayDatabase {
    fn drop(&mut self) {
        // FORCE ends the sessions of nodes still running.
        let (server_url, name) = (self.server_url.clone(), self.name.clone());
        on_own_runtime(move || async move {
            if let Ok(mut connection) = PgConnection::connect(&server_url).await {
                let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let _ = sqlx::raw_sql(AssertSqlSafe(drop))
                    .execute(&mut connection)
                    .await;
            }
        });
    }
}

/// `url` with its database (the path) replaced by `database`; the query string is kept.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |at| at + 3);
    let authority_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |at| scheme_end + at);
    let mut rebuilt = format!("{}/{database}", &base[..authority_end]);
    if let Some(query) = query {
        rebuilt.push('?');
        rebuilt.push_str(query);
    }
    rebuilt
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
