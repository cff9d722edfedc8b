//! `Cluster`: two gateway nodes sharing one PostgreSQL system database and one directory of
//! SQLite service files, and a load balancer in front, for the multi-node tests.
//!
//! There are two ways to get one:
//! - `.ci/cluster-test` starts the real topology (two `sluice serve` processes, PostgreSQL,
//!   Redis and haproxy) and names it in the `SLUICE_CLUSTER_*` variables below; the tests
//!   then run against it, through haproxy and through each node directly. Every test shares
//!   that cluster, so a test names what it creates with `sluice_tests::unique_name`.
//! - Without those variables (a plain `cargo test --workspace`), each test starts two
//!   in-process nodes of its own over a new PostgreSQL database (see
//!   `sluice_tests::postgres`) with an administrator; the "load balancer" is then node A.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
pub use sluice_tests::eventually;
use sluice_tests::postgres::ThrowawayDatabase;
use sluice_tests::{
    ADMIN_EMAIL, ADMIN_PASSWORD, Auth, Reply, create_admin, redis_url, request, settings_for,
    start, unique_name,
};
use tempfile::TempDir;

/// How soon a change made on one node must be in force on every other.
pub const PROPAGATION: Duration = Duration::from_secs(1);

/// The variables `.ci/cluster-test` sets: base URLs, the administrator it created, and the
/// directory both nodes open SQLite service files in (their first storage root).
const LB_VAR: &str = "SLUICE_CLUSTER_LB";
const NODE_A_VAR: &str = "SLUICE_CLUSTER_NODE_A";
const NODE_B_VAR: &str = "SLUICE_CLUSTER_NODE_B";
const ADMIN_EMAIL_VAR: &str = "SLUICE_CLUSTER_ADMIN_EMAIL";
const ADMIN_PASSWORD_VAR: &str = "SLUICE_CLUSTER_ADMIN_PASSWORD";
const DATA_DIR_VAR: &str = "SLUICE_CLUSTER_DATA_DIR";

/// One HTTP endpoint of the cluster: a node, or the load balancer.
#[derive(Clone)]
pub struct Node {
    pub name: &'static str,
    pub url: String,
    client: reqwest::Client,
}

impl Node {
    fn new(name: &'static str, url: String) -> Self {
        Self {
            name,
            url: url.trim_end_matches('/').to_string(),
            client: reqwest::Client::new(),
        }
    }

    /// A request with any combination of session token and API key.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<Value>,
    ) -> Reply {
        let url = format!("{}{}", self.url, path);
        request(&self.client, method, &url, auth, body).await
    }

    /// A GET without credentials.
    pub async fn get_anonymously(&self, path: &str) -> Reply {
        self.call(Method::GET, path, Auth::default(), None).await
    }

    /// A GET with an administrator's (or user's) session token.
    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Auth::token(token), None).await
    }

    /// Signs an administrator in here and returns the session token.
    pub async fn admin_login(&self, email: &str, password: &str) -> String {
        let body = json!({"email": email, "password": password});
        let reply = self
            .call(
                Method::POST,
                "/api/v2/system/admin/session",
                Auth::default(),
                Some(body),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{}: {}",
            self.name,
            reply.body
        );
        reply.body["session_token"]
            .as_str()
            .expect("session_token")
            .to_string()
    }
}

pub struct Cluster {
    a: Node,
    b: Node,
    lb: Node,
    pub admin_email: String,
    pub admin_password: String,
    /// Where both nodes open SQLite service files given by a relative name.
    pub data_dir: PathBuf,
    balanced: bool,
    /// What an in-process cluster owns: removed (the database dropped) with the cluster.
    _owned: Option<(TempDir, ThrowawayDatabase)>,
}

impl Cluster {
    /// The cluster `.ci/cluster-test` names, or else two in-process nodes with an
    /// administrator over a new database.
    pub async fn start() -> Self {
        if let Some(cluster) = Self::from_environment() {
            return cluster;
        }
        let data_dir = TempDir::new().expect("temp dir");
        let database = ThrowawayDatabase::create().await;
        create_admin(&settings_for(data_dir.path(), system_db_env(&database))).await;
        Self::in_process(data_dir, database).await
    }

    /// Two in-process nodes over `database` as it is (migrated, administrator or not),
    /// sharing `data_dir` and the test JWT secret.
    pub async fn in_process(data_dir: TempDir, database: ThrowawayDatabase) -> Self {
        let node_b = system_db_env(&database);
        Self::in_process_with(data_dir, database, node_b).await
    }

    /// Two in-process nodes with an administrator over a new database, node B with its own
    /// settings (`node_b` gets the database's URL): for tests that cut node B off from the
    /// database. Always in-process, whatever `.ci/cluster-test` names.
    pub async fn start_with_node_b(node_b: impl FnOnce(&str) -> Vec<(String, String)>) -> Self {
        let data_dir = TempDir::new().expect("temp dir");
        let database = ThrowawayDatabase::create().await;
        create_admin(&settings_for(data_dir.path(), system_db_env(&database))).await;
        let node_b = node_b(&database.url);
        Self::in_process_with(data_dir, database, node_b).await
    }

    async fn in_process_with(
        data_dir: TempDir,
        database: ThrowawayDatabase,
        node_b: Vec<(String, String)>,
    ) -> Self {
        // Both nodes share the machine's Redis under a prefix of this cluster's own, as the
        // nodes of `.ci/cluster-test` do: rate limits then hold across them.
        let redis = shared_redis_env(&unique_name("cluster"));
        let node_a = [system_db_env(&database), redis.clone()].concat();
        let settings = || settings_for(data_dir.path(), node_a.clone());
        drop(sluice_gateway::telemetry::init(&settings().log).expect("telemetry"));
        let a = Node::new("node A", start(settings()).await);
        let node_b = [node_b, redis].concat();
        let b = Node::new("node B", start(settings_for(data_dir.path(), node_b)).await);
        Self {
            lb: Node {
                name: "load balancer (node A)",
                ..a.clone()
            },
            a,
            b,
            admin_email: ADMIN_EMAIL.to_string(),
            admin_password: ADMIN_PASSWORD.to_string(),
            data_dir: data_dir.path().to_path_buf(),
            balanced: false,
            _owned: Some((data_dir, database)),
        }
    }

    fn from_environment() -> Option<Self> {
        let lb = std::env::var(LB_VAR).ok()?;
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!("{LB_VAR} is set, so {name} must be too (.ci/cluster-test sets them all)")
            })
        };
        Some(Self {
            a: Node::new("node A", var(NODE_A_VAR)),
            b: Node::new("node B", var(NODE_B_VAR)),
            lb: Node::new("load balancer", lb),
            admin_email: var(ADMIN_EMAIL_VAR),
            admin_password: var(ADMIN_PASSWORD_VAR),
            data_dir: PathBuf::from(var(DATA_DIR_VAR)),
            balanced: true,
            _owned: None,
        })
    }

    /// Node A, directly.
    pub fn node_a(&self) -> &Node {
        &self.a
    }

    /// Node B, directly.
    pub fn node_b(&self) -> &Node {
        &self.b
    }

    /// The load balancer in front of both nodes; node A itself for in-process clusters.
    pub fn lb(&self) -> &Node {
        &self.lb
    }

    /// Whether `lb` is a real load balancer in front of both nodes (not node A itself).
    pub fn is_balanced(&self) -> bool {
        self.balanced
    }

    /// Signs the administrator in on `node` and returns the session token.
    pub async fn admin_login(&self, node: &Node) -> String {
        node.admin_login(&self.admin_email, &self.admin_password)
            .await
    }

    /// The three endpoints: node A, node B and the load balancer.
    pub fn endpoints(&self) -> [&Node; 3] {
        [&self.a, &self.b, &self.lb]
    }
}

fn system_db_env(database: &ThrowawayDatabase) -> Vec<(String, String)> {
    vec![("SLUICE__SYSTEM_DB__URL".to_string(), database.url.clone())]
}

fn shared_redis_env(prefix: &str) -> Vec<(String, String)> {
    vec![
        ("SLUICE__REDIS__URL".to_string(), redis_url()),
        (
            "SLUICE__RATE_LIMITS__REDIS_KEY_PREFIX".to_string(),
            format!("{prefix}:"),
        ),
    ]
}

/// Creates a SQLite service over a new file `<name>.sqlite` in the shared directory, through
/// `node`, and returns its id.
pub async fn create_sqlite_service(node: &Node, token: &str, name: &str) -> i64 {
    let service = json!({"name": name, "type": "sqlite",
                         "config": {"database": format!("{name}.sqlite"), "create": true}});
    let reply = node
        .call(
            Method::POST,
            "/api/v2/system/service",
            Auth::token(token),
            Some(json!({"resource": [service]})),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::CREATED,
        "{}: {}",
        node.name,
        reply.body
    );
    reply.body["resource"][0]["id"]
        .as_i64()
        .expect("service id")
}
