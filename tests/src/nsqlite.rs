//! `sluice nsqlite` in-process on port 0, over a SQLite file of the test's own.

use std::path::PathBuf;
use std::time::Duration;

use sluice_connector_sqlite::SqliteOptions;
use sluice_gateway::nsqlite::{NsqliteConfig, NsqliteServer};
use tempfile::TempDir;

/// A running `sluice nsqlite` and its database.
pub struct NsqliteApp {
    pub url: String,
    pub database: PathBuf,
    pub client: reqwest::Client,
    /// Keeps the database's directory for as long as the server runs.
    pub dir: TempDir,
}

/// Settings a test may change (NSQLite's variables, and the gateway's SQLite timeouts).
#[derive(Debug, Clone, Default)]
pub struct NsqliteSetup {
    /// `NSQLITE_*` variables.
    pub env: Vec<(String, String)>,
    /// SQL run on the new database before the server opens it.
    pub fixture: String,
    pub busy_timeout: Option<Duration>,
    pub max_transactions: Option<usize>,
}

impl NsqliteApp {
    pub async fn spawn(setup: NsqliteSetup) -> Self {
        let dir = TempDir::new().expect("temp dir");
        let database = dir.path().join("nsqlite.sqlite");
        if !setup.fixture.is_empty() {
            let conn = rusqlite::Connection::open(&database).expect("create");
            conn.execute_batch(&setup.fixture).expect("fixture");
        }
        let mut sqlite = SqliteOptions::default();
        if let Some(busy) = setup.busy_timeout {
            sqlite.busy_timeout = busy;
        }
        let mut config = NsqliteConfig::from_env(
            database.clone(),
            "127.0.0.1".to_owned(),
            0,
            &setup.env,
            sqlite,
        )
        .expect("nsqlite config");
        if let Some(max) = setup.max_transactions {
            config.max_transactions = max;
        }
        let server = NsqliteServer::start(config).await.expect("nsqlite server");
        let url = format!("http://127.0.0.1:{}", server.port());
        tokio::spawn(server.run_until_stopped());
        Self {
            url,
            database,
            client: reqwest::Client::new(),
            dir,
        }
    }
}
