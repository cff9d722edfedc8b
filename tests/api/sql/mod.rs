//! Raw SQL in NSQLite's shape: one suite (`suite.rs`) run twice, through
//! `POST /api/v2/{service}/_sql` and through `sluice nsqlite`'s `POST /query`, plus what only
//! one surface has (`gateway.rs`: roles; `nsqlite.rs`: health, version, stats, tokens).

mod gateway;
mod nsqlite;
mod suite;

use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::nsqlite::{NsqliteApp, NsqliteSetup};
use sluice_tests::{Reply, TestApp};

/// The table every test starts with.
pub const FIXTURE: &str = "
CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, photo BLOB);
INSERT INTO people VALUES (1, 'Ann', 1.5, X'CAFE'), (2, 'Bob', NULL, NULL);
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Gateway,
    Nsqlite,
}

/// The callers of a test: the administrator, two read/write callers (so one can try the
/// other's transaction), and a read-only one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Admin,
    ReadWrite,
    OtherReadWrite,
    ReadOnly,
}

/// What a test changes of the defaults.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub idle_ms: Option<u64>,
    pub max_transactions: Option<usize>,
    pub busy_timeout_ms: Option<u64>,
}

/// One surface, its endpoint and a credential per caller.
pub struct Target {
    pub surface: Surface,
    endpoint: String,
    pub url: String,
    client: reqwest::Client,
    credentials: Vec<(Who, (&'static str, String))>,
    pub database: PathBuf,
    pub gateway: Option<(TestApp, String)>,
    _nsqlite: Option<NsqliteApp>,
}

const ADMIN_TOKEN: &str = "admin-token";
const RW_TOKENS: &str = "rw-token other-rw-token";
const RO_TOKEN: &str = "ro-token";

impl Target {
    pub async fn new(surface: Surface, options: Options) -> Self {
        match surface {
            Surface::Gateway => Self::gateway(options).await,
            Surface::Nsqlite => Self::nsqlite(options).await,
        }
    }

    async fn gateway(options: Options) -> Self {
        let mut env = Vec::new();
        if let Some(ms) = options.idle_ms {
            env.push((
                "SLUICE__SQLITE__SQL_TRANSACTION_IDLE_MS".into(),
                ms.to_string(),
            ));
        }
        if let Some(max) = options.max_transactions {
            env.push((
                "SLUICE__SQLITE__SQL_MAX_TRANSACTIONS".into(),
                max.to_string(),
            ));
        }
        if let Some(ms) = options.busy_timeout_ms {
            env.push(("SLUICE__SQLITE__BUSY_TIMEOUT_MS".into(), ms.to_string()));
        }
        let app = TestApp::spawn_with_env(env).await;
        let (app, admin) = TestApp::with_tables(app, json!({}), FIXTURE).await;
        let service_id = service_id(&app, &admin).await;
        let sql_role = |name: &str, verbs: u32| {
            json!({"name": name, "is_active": true, "role_service_access_by_role_id": [
                {"service_id": service_id, "component": "_sql", "verb_mask": verbs,
                 "requestor_mask": 1}]})
        };
        let rw_role = app.create_role(&admin, sql_role("sql writer", 1 | 2)).await;
        let ro_role = app.create_role(&admin, sql_role("sql reader", 1)).await;
        let (_, rw_key) = app.create_app(&admin, "writer", Some(rw_role)).await;
        let (_, other_key) = app.create_app(&admin, "other writer", Some(rw_role)).await;
        let (_, ro_key) = app.create_app(&admin, "reader", Some(ro_role)).await;
        let key = "X-DreamFactory-Api-Key";
        Self {
            surface: Surface::Gateway,
            endpoint: format!("{}/api/v2/db/_sql", app.url),
            url: app.url.clone(),
            client: reqwest::Client::new(),
            credentials: vec![
                (Who::Admin, ("X-DreamFactory-Session-Token", admin.clone())),
                (Who::ReadWrite, (key, rw_key)),
                (Who::OtherReadWrite, (key, other_key)),
                (Who::ReadOnly, (key, ro_key)),
            ],
            database: app.demo_path(),
            gateway: Some((app, admin)),
            _nsqlite: None,
        }
    }

    async fn nsqlite(options: Options) -> Self {
        let mut env = vec![
            ("NSQLITE_AUTH_TOKEN".to_owned(), ADMIN_TOKEN.to_owned()),
            ("NSQLITE_AUTH_TOKEN_RW".to_owned(), RW_TOKENS.to_owned()),
            ("NSQLITE_AUTH_TOKEN_RO".to_owned(), RO_TOKEN.to_owned()),
        ];
        if let Some(ms) = options.idle_ms {
            env.push(("NSQLITE_TX_IDLE_TIMEOUT".into(), format!("{ms}ms")));
        }
        let app = NsqliteApp::spawn(NsqliteSetup {
            env,
            fixture: FIXTURE.to_owned(),
            busy_timeout: options
                .busy_timeout_ms
                .map(std::time::Duration::from_millis),
            max_transactions: options.max_transactions,
        })
        .await;
        let bearer = |token: &str| ("Authorization", format!("Bearer {token}"));
        Self {
            surface: Surface::Nsqlite,
            endpoint: format!("{}/query", app.url),
            url: app.url.clone(),
            client: reqwest::Client::new(),
            credentials: vec![
                (Who::Admin, bearer(ADMIN_TOKEN)),
                (Who::ReadWrite, bearer("rw-token")),
                (Who::OtherReadWrite, bearer("other-rw-token")),
                (Who::ReadOnly, bearer(RO_TOKEN)),
            ],
            database: app.database.clone(),
            gateway: None,
            _nsqlite: Some(app),
        }
    }

    fn credential(&self, who: Who) -> &(&'static str, String) {
        &self
            .credentials
            .iter()
            .find(|(caller, _)| *caller == who)
            .expect("every caller has a credential")
            .1
    }

    /// `body` as sent (any JSON) by `who`.
    pub async fn query(&self, who: Who, body: Value) -> Reply {
        self.send(Some(who), body.to_string()).await
    }

    /// Raw bytes, with `who`'s credential when given.
    pub async fn send(&self, who: Option<Who>, body: String) -> Reply {
        let mut request = self
            .client
            .request(Method::POST, &self.endpoint)
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(who) = who {
            let (name, value) = self.credential(who);
            request = request.header(*name, value);
        }
        TestApp::reply(request.send().await.expect("request")).await
    }

    /// The results of a 200 answer, without their times (which vary).
    pub async fn results(&self, who: Who, body: Value) -> Vec<Value> {
        let reply = self.query(who, body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.body["time"].is_f64(), "{}", reply.body);
        reply.body["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|result| {
                let mut result = result.clone();
                let time = result
                    .as_object_mut()
                    .expect("result object")
                    .remove("time");
                assert!(time.is_some_and(|t| t.is_f64()), "{result}");
                result
            })
            .collect()
    }

    /// The one result of one statement.
    pub async fn one(&self, who: Who, query: &str, tx_id: &str) -> Value {
        let body = json!([{"query": query, "params": [], "txId": tx_id}]);
        self.results(who, body).await.remove(0)
    }

    /// Adds a person called `name` as `who` (in transaction `tx_id` unless empty).
    pub async fn insert(&self, who: Who, name: &str, tx_id: &str) -> Value {
        let query = format!("INSERT INTO people (name) VALUES ('{name}')");
        self.one(who, &query, tx_id).await
    }

    /// Opens a transaction as `who` and returns its id.
    pub async fn begin(&self, who: Who) -> String {
        let begun = self.one(who, "BEGIN", "").await;
        assert_eq!(begun["type"], "begin", "{begun}");
        begun["txId"].as_str().expect("txId").to_owned()
    }

    /// How many people there are, as the administrator sees outside any transaction.
    pub async fn count(&self) -> i64 {
        let read = self
            .one(Who::Admin, "SELECT count(*) AS n FROM people", "")
            .await;
        read["rows"][0][0].as_i64().expect("count")
    }

    /// Asserts the surface's error answer: DreamFactory's envelope on the gateway,
    /// NSQLite's `{id, error, message}` on `sluice nsqlite`.
    pub fn assert_error(&self, reply: &Reply, status: u16, gateway: &str, nsqlite: &str) {
        assert_eq!(reply.status.as_u16(), status, "{}", reply.body);
        match self.surface {
            Surface::Gateway => {
                assert_eq!(reply.body, sluice_tests::df_error(status, gateway));
            }
            Surface::Nsqlite => assert_nsqlite_error(reply, status, nsqlite),
        }
    }
}

/// NSQLite's error body: a UUID v4 id, the status text, the message.
pub fn assert_nsqlite_error(reply: &Reply, status: u16, message: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.body);
    let id = reply.body["id"].as_str().expect("id");
    assert!(uuid_v4(id), "{id}");
    let text = reply.status.canonical_reason().expect("status text");
    assert_eq!(
        reply.body,
        json!({"id": id, "error": text, "message": message})
    );
    assert_eq!(reply.headers["x-server"], "NSQLite");
}

fn uuid_v4(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.iter().map(|g| g.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
        && groups[2].starts_with('4')
}

async fn service_id(app: &TestApp, admin: &str) -> i64 {
    let reply = app
        .get("/api/v2/system/service?filter=name%3Ddb&fields=id", admin)
        .await;
    reply.body["resource"][0]["id"]
        .as_i64()
        .expect("service id")
}

/// Runs a suite function once per surface, each as a test of its own.
macro_rules! on_both_surfaces {
    ($($test:ident),* $(,)?) => {
        $(
            mod $test {
                #[tokio::test]
                async fn through_the_sql_resource() {
                    super::$test(super::super::Surface::Gateway).await;
                }

                #[tokio::test]
                async fn through_sluice_nsqlite() {
                    super::$test(super::super::Surface::Nsqlite).await;
                }
            }
        )*
    };
}
pub(crate) use on_both_surfaces;
