//! A MySQL/MariaDB database of its own for one test: created under a unique name on the
//! server `SLUICE_TEST_MYSQL_URL` names (by default the loopback MariaDB with a passwordless
//! `root` that development machines and CI have), dropped when the test ends. A test may also
//! make a user of its own with a password, allowed on that database only, dropped with it.

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts};

use crate::{on_own_runtime, unique_name};

pub const MYSQL_URL_VAR: &str = "SLUICE_TEST_MYSQL_URL";
pub const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/test";

pub struct ThrowawayMysql {
    /// The database's name.
    pub name: String,
    server: Opts,
    /// Users made with [`ThrowawayMysql::create_user`], dropped with the database.
    users: Vec<String>,
}

impl ThrowawayMysql {
    /// Creates an empty database; panics, saying which server it needs, when it cannot.
    pub async fn create() -> Self {
        let url = std::env::var(MYSQL_URL_VAR).unwrap_or_else(|_| DEFAULT_MYSQL_URL.to_owned());
        let server = Opts::from_url(&url).expect("a valid MySQL URL");
        let name = unique_name("sluice_test");
        let database = Self {
            name,
            server,
            users: Vec::new(),
        };
        database
            .execute_on_server(&format!(
                "CREATE DATABASE `{}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
                database.name
            ))
            .await;
        database
    }

    /// The server's host, as the URL names it.
    pub fn host(&self) -> String {
        self.server.ip_or_hostname().to_owned()
    }

    pub fn port(&self) -> u16 {
        self.server.tcp_port()
    }

    /// The server's administrator (the URL's user) and password.
    pub fn admin(&self) -> (String, Option<String>) {
        (
            self.server.user().unwrap_or("root").to_owned(),
            self.server.pass().map(str::to_owned),
        )
    }

    /// Runs `sql` (one or more statements) in the database, as another client would.
    pub async fn execute(&self, sql: &str) {
        self.execute_on_server(&format!("USE `{}`; {sql}", self.name))
            .await;
    }

    /// A user of its own (`name@'%'` and `name@localhost`) whose password is `password`,
    /// with every privilege on this database only. Its name is returned.
    pub async fn create_user(&mut self, password: &str) -> String {
        // Short enough for MySQL's 32 characters: `u_<pid>_<microseconds>_<n>`.
        let user = unique_name("u");
        for host in ["%", "localhost", "127.0.0.1"] {
            self.execute_on_server(&format!(
                "CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}'"
            ))
            .await;
            self.execute_on_server(&format!(
                "GRANT ALL PRIVILEGES ON `{}`.* TO '{user}'@'{host}'",
                self.name
            ))
            .await;
        }
        self.users.push(user.clone());
        user
    }

    /// Gives `user` (made by [`ThrowawayMysql::create_user`]) another password and ends its
    /// sessions, so its next connection needs the new one.
    pub async fn set_password(&self, user: &str, password: &str) {
        for host in ["%", "localhost", "127.0.0.1"] {
            self.execute_on_server(&format!(
                "ALTER USER '{user}'@'{host}' IDENTIFIED BY '{password}'"
            ))
            .await;
        }
        let mut conn = self.connect().await;
        let sessions: Vec<u64> = conn
            .exec(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?",
                (user,),
            )
            .await
            .expect("the user's sessions");
        for id in sessions {
            let _ = conn.query_drop(format!("KILL {id}")).await;
        }
        let _ = conn.disconnect().await;
    }

    async fn execute_on_server(&self, sql: &str) {
        let mut conn = self.connect().await;
        conn.query_drop(sql)
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"));
        let _ = conn.disconnect().await;
    }

    async fn connect(&self) -> Conn {
        Conn::new(self.server.clone())
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "this test needs a MySQL or MariaDB server where it may create databases \
                     and users, and connecting to the one {MYSQL_URL_VAR} names (default \
                     {DEFAULT_MYSQL_URL}) failed: {error}"
                )
            })
    }
}

impl Drop for ThrowawayMysql {
    fn drop(&mut self) {
        let (server, name, users) = (self.server.clone(), self.name.clone(), self.users.clone());
        on_own_runtime(move || async move {
            if let Ok(mut conn) = Conn::new(server).await {
                for user in users {
                    for host in ["%", "localhost", "127.0.0.1"] {
                        let drop = format!("DROP USER IF EXISTS '{user}'@'{host}'");
                        let _ = conn.query_drop(drop).await;
                    }
                }
                let drop = format!("DROP DATABASE IF EXISTS `{name}`");
                let _ = conn.query_drop(drop).await;
                let _ = conn.disconnect().await;
            }
        });
    }
}
