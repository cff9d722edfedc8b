use std::sync::Arc;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts};
use sluice_connector_conformance::read::ROWS;
use sluice_connector_core::{Database, ReadRequest};
use sluice_connector_mysql::{MysqlConfig, MysqlConnector};

pub const MYSQL_URL_VAR: &str = "SLUICE_TEST_MYSQL_URL";
pub const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/test";

/// The tables of the shared data set in MySQL's dialect (its rows are
/// `sluice_connector_conformance::read::ROWS`), plus what only MySQL has: a table of every
/// MySQL type, with an enum, and backticks in names.
pub const SCHEMA: &str = r#"
CREATE TABLE departments (id int AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL UNIQUE);
CREATE TABLE employees (
    id int AUTO_INCREMENT PRIMARY KEY,
    first_name varchar(40) NOT NULL,
    last_name varchar(40) NOT NULL,
    hire_date date,
    salary decimal(10,2),
    active tinyint(1) DEFAULT 1,
    dept_id int,
    notes text,
    CONSTRAINT employees_dept FOREIGN KEY (dept_id) REFERENCES departments(id) ON DELETE SET NULL
);
CREATE TABLE projects (id int AUTO_INCREMENT PRIMARY KEY, title varchar(100) NOT NULL);
CREATE TABLE employee_projects (
    id int AUTO_INCREMENT PRIMARY KEY,
    employee_id int NOT NULL,
    project_id int NOT NULL,
    FOREIGN KEY (employee_id) REFERENCES employees(id),
    FOREIGN KEY (project_id) REFERENCES projects(id)
);
CREATE VIEW high_earners AS SELECT id, last_name, salary FROM employees WHERE salary > 60000;
CREATE TABLE `we``ird name` (`k``ey` varchar(10) PRIMARY KEY, v text);
CREATE TABLE pairs (a int, b varchar(10), v text, PRIMARY KEY (a, b));
CREATE TABLE typed (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    small smallint, i int, big bigint, n decimal(12,3), f float, dp double,
    b tinyint(1), s varchar(10) DEFAULT 'x''y', c char(3), t text,
    dt datetime, ts timestamp NULL DEFAULT NULL, d date, tm time,
    u char(36) UNIQUE, j json, bin varbinary(16), bl blob,
    feeling enum('happy','sad') NOT NULL, yr year
);
INSERT INTO `we``ird name` VALUES ('a', '1'), ('b', 'two');
INSERT INTO typed (small, i, big, n, f, dp, b, s, c, t, dt, ts, d, tm, u, j, bin, bl, feeling, yr)
VALUES
    (1, 2, 9007199254740993, 1234.5, 0.1, 2.25, true, 'abc', 'ab', 'long "text" \\ slash',
     '2024-01-02 03:04:05', '2024-01-02 03:04:05', '2024-01-02', '03:04:05',
     'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', X'0102FF', X'00', 'happy', 2024),
    (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, 'sad', NULL);
"#;

/// A database of its own for one test, dropped when the test ends.
pub struct Fixture {
    pub database: Arc<Database>,
    server: Opts,
    name: String,
}

impl Fixture {
    /// The connector's settings for the test database.
    pub fn config(&self) -> MysqlConfig {
        config_for(&self.server, &self.name)
    }

    /// The test database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A connection of its own to the server, as another client (or an administrator).
    pub async fn admin_connection(&self) -> Conn {
        connect(&self.server).await
    }

    /// Runs `sql` (statements separated by `;` at line ends) on a connection of its own, as
    /// another client of the database would.
    pub async fn execute(&self, sql: &str) {
        let mut conn = connect(&self.server).await;
        conn.query_drop(format!("USE `{}`", self.name))
            .await
            .expect("test database");
        for statement in sql.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
            conn.query_drop(statement)
                .await
                .unwrap_or_else(|error| panic!("{statement}: {error}"));
        }
        let _ = conn.disconnect().await;
    }
}

impl sluice_connector_conformance::Fixture for Fixture {
    fn database(&self) -> Arc<Database> {
        Arc::clone(&self.database)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // Drop is synchronous and runs inside the test's runtime: the DROP runs on a
        // runtime of its own, in a thread of its own.
        let (server, name) = (self.server.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    if let Ok(mut conn) = Conn::new(server).await {
                        let _ = conn
                            .query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
                            .await;
                        let _ = conn.disconnect().await;
                    }
                });
        })
        .join();
    }
}

async fn connect(server: &Opts) -> Conn {
    Conn::new(server.clone()).await.unwrap_or_else(|error| {
        panic!(
            "these tests need the MySQL or MariaDB server {MYSQL_URL_VAR} names (default \
             {DEFAULT_MYSQL_URL}): {error}"
        )
    })
}

/// A fresh database holding [`SCHEMA`] and the shared rows, served by a connector.
pub async fn fixture() -> Fixture {
    fixture_of(&format!("{SCHEMA}{ROWS}")).await
}

/// A fresh database created with `schema`, served by a connector.
pub async fn fixture_of(schema: &str) -> Fixture {
    let url = std::env::var(MYSQL_URL_VAR).unwrap_or_else(|_| DEFAULT_MYSQL_URL.to_owned());
    let server = Opts::from_url(&url).expect("a valid MySQL URL");
    let name = format!("sluice_my_{}", uuid::Uuid::new_v4().simple());
    let mut conn = connect(&server).await;
    conn.query_drop(format!(
        "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
    ))
    .await
    .expect("test database created");
    let _ = conn.disconnect().await;
    let mut config = MysqlConfig::new(
        server.ip_or_hostname(),
        &name,
        server.user().unwrap_or("root"),
    );
    config.port = server.tcp_port();
    config.password = server.pass().map(|p| p.to_owned().into());
    config.pool_size = 4;
    let fixture = Fixture {
        database: Arc::new(Database::new(
            MysqlConnector::new(&config).expect("connector"),
        )),
        server,
        name,
    };
    fixture.execute(schema).await;
    fixture
}

fn config_for(server: &Opts, database: &str) -> MysqlConfig {
    let mut config = MysqlConfig::new(
        server.ip_or_hostname(),
        database,
        server.user().unwrap_or("root"),
    );
    config.port = server.tcp_port();
    config.password = server.pass().map(|p| p.to_owned().into());
    config.pool_size = 4;
    config
}

pub fn request() -> ReadRequest {
    ReadRequest::default()
}
