//! The scenarios: what each sends to Sluice (with the API key, so authentication and RBAC
//! are in the path) and, for the plain reads, to the floor; and the check one answer of each
//! must pass before it is timed (a harness that measures error pages is broken).

use std::sync::Arc;

use anyhow::{Context, ensure};
use bytes::Bytes;
use hyper::Method;
use rand::Rng;
use serde_json::{Value, json};

use crate::load::{Call, Plan};
use crate::setup::{
    CACHED_SERVICE, Dataset, LIMITED_SERVICE, READ_SERVICE, SCRIPTED_SERVICE, WRITE_SERVICE,
};

pub const BATCH_ROWS: u64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    List100,
    ByPk,
    /// `by_pk` as one statement of raw SQL (`_sql`, NSQLite's `/query` shape).
    ByPkSql,
    /// The same statement through `sluice nsqlite`'s `/query` (no token configured).
    ByPkQuery,
    Filter,
    FilterOrderOffset,
    Related,
    PostBatch,
    PatchByFilter,
    Mixed,
    ByPkLimited,
    ByPkLimitedRedis,
    List100Cached,
    ByPkScripted,
}

/// Which Sluice serves a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    /// Counters and caches in process.
    Alone,
    /// `redis.url` set: rate-limit counters in Redis.
    WithRedis,
    /// `sluice nsqlite` over the read service's file, no token configured.
    Nsqlite,
}

impl Scenario {
    pub const ALL: [Self; 14] = [
        Self::List100,
        Self::ByPk,
        Self::ByPkSql,
        Self::ByPkQuery,
        Self::Filter,
        Self::FilterOrderOffset,
        Self::Related,
        Self::PostBatch,
        Self::PatchByFilter,
        Self::Mixed,
        Self::ByPkLimited,
        Self::ByPkLimitedRedis,
        Self::List100Cached,
        Self::ByPkScripted,
    ];

    /// The scenarios that measure a feature's cost or gain against a plain one, with the
    /// goal for `this / baseline` requests per second.
    pub const COMPARED: [(Self, Self, f64); 4] = [
        (Self::ByPkLimited, Self::ByPk, 0.95),
        // Issue 17's target is under 60 us of CPU per script call, against by_pk's tens.
        (Self::ByPkScripted, Self::ByPk, 0.4),
        (Self::ByPkLimitedRedis, Self::ByPk, 0.85),
        (Self::List100Cached, Self::List100, 1.5),
    ];

    pub fn node(self) -> Node {
        match self {
            Self::ByPkLimitedRedis => Node::WithRedis,
            Self::ByPkQuery => Node::Nsqlite,
            _ => Node::Alone,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::List100 => "list_100",
            Self::ByPk => "by_pk",
            Self::ByPkSql => "by_pk_sql",
            Self::ByPkQuery => "by_pk_query",
            Self::Filter => "filter",
            Self::FilterOrderOffset => "filter_order_offset",
            Self::Related => "related",
            Self::PostBatch => "post_batch_1000",
            Self::PatchByFilter => "patch_by_filter",
            Self::Mixed => "mixed_90_10",
            Self::ByPkLimited => "by_pk_limited",
            Self::ByPkLimitedRedis => "by_pk_limited_redis",
            Self::List100Cached => "list_100_cached",
            Self::ByPkScripted => "by_pk_scripted",
        }
    }

    /// The request, as the report shows it.
    pub fn description(self) -> &'static str {
        match self {
            Self::List100 => "GET db/_table/employees?limit=100",
            Self::ByPk => "GET db/_table/employees/{random id}",
            Self::ByPkSql => {
                "POST db/_sql [{\"query\": \"SELECT * FROM employees WHERE id = ?\", \"params\": [{random id}]}]"
            }
            Self::ByPkQuery => "by_pk_sql's body to POST /query of `sluice nsqlite` (no token)",
            Self::Filter => "GET db/_table/employees?filter=last_name='X'&limit=100",
            Self::FilterOrderOffset => {
                "GET db/_table/employees?filter=last_name='X'&order=hire_date desc&offset=20&limit=50"
            }
            Self::Related => "GET db/_table/contact?related=contact_info_by_contact_id&limit=25",
            Self::PostBatch => "POST dbw/_table/employees with 1,000 records",
            Self::PatchByFilter => "PATCH dbw/_table/employees?filter=last_name='X' {salary}",
            Self::Mixed => {
                "dbw: 90% reads (list_100, by_pk, filter), 10% writes (POST 1 record, PATCH by id)"
            }
            Self::ByPkLimited => "GET dbl/_table/employees/{random id}, a service rate limit",
            Self::ByPkLimitedRedis => "by_pk_limited with the counters in Redis",
            Self::List100Cached => "GET dbc/_table/employees?limit=100, the data cache on",
            Self::ByPkScripted => {
                "GET dbs/_table/employees/{random id}, a small pre_process script"
            }
        }
    }

    /// Rows written per request, for a rows-per-second figure.
    pub fn rows_per_request(self) -> Option<u64> {
        (self == Self::PostBatch).then_some(BATCH_ROWS)
    }

    pub fn sluice_plan(self, data: &Arc<Workload>) -> Plan {
        let service = match self {
            Self::PostBatch | Self::PatchByFilter | Self::Mixed => WRITE_SERVICE,
            Self::ByPkLimited | Self::ByPkLimitedRedis => LIMITED_SERVICE,
            Self::List100Cached => CACHED_SERVICE,
            Self::ByPkScripted => SCRIPTED_SERVICE,
            _ => READ_SERVICE,
        };
        self.plan_on(service, data)
    }

    /// The scenario's requests to `service`, any service holding the demo's tables (the
    /// SQLite services of the main run, or a PostgreSQL or MySQL copy of `employees`).
    pub fn plan_on(self, service: &'static str, data: &Arc<Workload>) -> Plan {
        let data = Arc::clone(data);
        match self {
            Self::List100 | Self::List100Cached => fixed(format!("{}?limit=100", table(service))),
            Self::ByPk | Self::ByPkLimited | Self::ByPkLimitedRedis | Self::ByPkScripted => {
                Arc::new(move |rng| Call::get(data.by_pk(service, rng)))
            }
            Self::ByPkSql => {
                Arc::new(move |rng| data.by_pk_sql(format!("/api/v2/{service}/_sql"), rng))
            }
            Self::ByPkQuery => Arc::new(move |rng| data.by_pk_sql("/query".to_owned(), rng)),
            Self::Filter => Arc::new(move |rng| Call::get(data.filter(service, rng))),
            Self::FilterOrderOffset => Arc::new(move |rng| {
                Call::get(format!(
                    "{}&order=hire_date%20desc&offset=20&limit=50",
                    data.filter_only(service, rng)
                ))
            }),
            Self::Related => fixed(format!(
                "/api/v2/{service}/_table/contact?related=contact_info_by_contact_id&limit=25"
            )),
            Self::PostBatch => {
                Arc::new(move |_| Call::with_body(Method::POST, table(service), data.batch.clone()))
            }
            Self::PatchByFilter => Arc::new(move |rng| {
                let body = json!({"resource": [{"salary": rng.gen_range(40_000..120_000)}]});
                Call::with_body(
                    Method::PATCH,
                    data.filter_only(service, rng),
                    Bytes::from(body.to_string()),
                )
            }),
            Self::Mixed => Arc::new(move |rng| data.mixed(service, rng)),
        }
    }

    /// The floor's requests for a scenario on the PostgreSQL or MySQL floor, which also
    /// takes the batch insert.
    pub fn engine_floor_plan(self, data: &Arc<Workload>) -> Option<Plan> {
        if self == Self::PostBatch {
            let data = Arc::clone(data);
            return Some(Arc::new(move |_| {
                Call::with_body(Method::POST, "/employees".to_string(), data.batch.clone())
            }));
        }
        self.floor_plan(data)
    }

    pub fn floor_plan(self, data: &Arc<Workload>) -> Option<Plan> {
        self.plain_read(data, "/employees", "limit", |data| &data.floor_names)
    }

    /// Soul's requests for the reads it serves (`soul-cli` 0.8.2's rows routes, no
    /// authentication): the first page of `_limit` rows, a row by primary key, and an
    /// equality `_filters` on the indexed column.
    pub fn soul_plan(self, data: &Arc<Workload>) -> Option<Plan> {
        self.plain_read(data, "/api/tables/employees/rows", "_limit", |data| {
            &data.soul_filters
        })
    }

    /// `list_100`, `by_pk` and `filter` on a server with a URL scheme of its own: `rows`
    /// lists, `rows/{id}` reads by key, `limit` names the page size and `filters` holds the
    /// server's equality filter for every last name. Parameters are drawn alike for every
    /// server, so one seed gives them all the same id or name.
    fn plain_read(
        self,
        data: &Arc<Workload>,
        rows: &'static str,
        limit: &'static str,
        filters: fn(&Workload) -> &[String],
    ) -> Option<Plan> {
        let data = Arc::clone(data);
        let plan: Plan = match self {
            Self::List100 => fixed(format!("{rows}?{limit}=100")),
            Self::ByPk => Arc::new(move |rng| {
                Call::get(format!("{rows}/{}", rng.gen_range(1..=data.employees)))
            }),
            Self::Filter => Arc::new(move |rng| {
                let filters = filters(&data);
                let filter = &filters[rng.gen_range(0..filters.len())];
                Call::get(format!("{rows}?{filter}&{limit}=100"))
            }),
            _ => return None,
        };
        Some(plan)
    }

    /// What one successful answer must look like.
    pub fn check(self, body: &Value) -> anyhow::Result<()> {
        let records = || {
            body["resource"]
                .as_array()
                .with_context(|| format!("no resource array in {}", snippet(body)))
        };
        match self {
            Self::List100 | Self::List100Cached => {
                ensure!(records()?.len() == 100, "did not get 100 rows")
            }
            Self::ByPk | Self::ByPkLimited | Self::ByPkLimitedRedis | Self::ByPkScripted => {
                ensure!(body["id"].is_i64(), "no id: {}", snippet(body))
            }
            Self::ByPkSql | Self::ByPkQuery => {
                let result = &body["results"][0];
                ensure!(
                    result["type"] == "read" && result["rows"].as_array().map(Vec::len) == Some(1),
                    "not one row: {}",
                    snippet(body)
                )
            }
            Self::Filter | Self::FilterOrderOffset => {
                ensure!(!records()?.is_empty(), "the filter matched nothing")
            }
            Self::Related => ensure!(
                records()?
                    .first()
                    .is_some_and(|r| r["contact_info_by_contact_id"].is_array()),
                "related rows missing: {}",
                snippet(body)
            ),
            Self::PostBatch => ensure!(
                records()?.len() as u64 == BATCH_ROWS,
                "the batch did not create {BATCH_ROWS} rows"
            ),
            Self::PatchByFilter => ensure!(!records()?.is_empty(), "PATCH updated no rows"),
            Self::Mixed => {}
        }
        Ok(())
    }
}

fn snippet(body: &Value) -> String {
    body.to_string().chars().take(300).collect()
}

fn table(service: &str) -> String {
    format!("/api/v2/{service}/_table/employees")
}

fn fixed(path: String) -> Plan {
    Arc::new(move |_| Call::get(path.clone()))
}

/// Request parameters prepared once, so the load generator only picks among them.
pub struct Workload {
    employees: i64,
    /// `filter=last_name%3D'X'` for every last name, URL-encoded.
    filters: Vec<String>,
    /// `last_name=X` for the floor.
    floor_names: Vec<String>,
    /// `_filters=last_name:X` for Soul.
    soul_filters: Vec<String>,
    batch: Bytes,
    one_record: Bytes,
}

impl Workload {
    pub fn new(data: &Dataset) -> anyhow::Result<Self> {
        let encode = |key: &str, value: String| serde_urlencoded::to_string([(key, value)]);
        let filters = data
            .last_names
            .iter()
            .map(|name| {
                encode(
                    "filter",
                    format!("last_name='{}'", name.replace('\'', "''")),
                )
            })
            .collect::<Result<_, _>>()?;
        let floor_names = data
            .last_names
            .iter()
            .map(|name| encode("last_name", name.clone()))
            .collect::<Result<_, _>>()?;
        let soul_filters = data
            .last_names
            .iter()
            .map(|name| encode("_filters", format!("last_name:{name}")))
            .collect::<Result<_, _>>()?;
        let record = |index: u64| {
            json!({"first_name": format!("Bench{index}"), "last_name": "Benchmark",
                   "gender": if index.is_multiple_of(2) { "F" } else { "M" },
                   "birth_date": "1980-01-01", "hire_date": "2020-01-01",
                   "salary": 50_000 + index, "dept_no": data.dept_no})
        };
        let batch: Vec<Value> = (0..BATCH_ROWS).map(record).collect();
        Ok(Self {
            employees: data.employees,
            filters,
            floor_names,
            soul_filters,
            batch: Bytes::from(json!({ "resource": batch }).to_string()),
            one_record: Bytes::from(json!({ "resource": [record(0)] }).to_string()),
        })
    }

    fn by_pk(&self, service: &str, rng: &mut impl Rng) -> String {
        format!("{}/{}", table(service), rng.gen_range(1..=self.employees))
    }

    /// One `SELECT` by id in NSQLite's body to `path`, the id bound as a parameter.
    fn by_pk_sql(&self, path: String, rng: &mut impl Rng) -> Call {
        let id = rng.gen_range(1..=self.employees);
        let body = json!([{"query": "SELECT * FROM employees WHERE id = ?", "params": [id]}]);
        Call::with_body(Method::POST, path, Bytes::from(body.to_string()))
    }

    fn filter_only(&self, service: &str, rng: &mut impl Rng) -> String {
        let filter = &self.filters[rng.gen_range(0..self.filters.len())];
        format!("{}?{filter}", table(service))
    }

    fn filter(&self, service: &str, rng: &mut impl Rng) -> String {
        format!("{}&limit=100", self.filter_only(service, rng))
    }

    /// 90% reads spread over list, by-id and filter; 10% writes, half creates, half updates.
    fn mixed(&self, service: &str, rng: &mut impl Rng) -> Call {
        match rng.gen_range(0..20) {
            0 => Call::with_body(Method::POST, table(service), self.one_record.clone()),
            1 => {
                let body = json!({"salary": rng.gen_range(40_000..120_000)});
                Call::with_body(
                    Method::PATCH,
                    self.by_pk(service, rng),
                    Bytes::from(body.to_string()),
                )
            }
            2..=7 => Call::get(format!("{}?limit=100", table(service))),
            8..=13 => Call::get(self.by_pk(service, rng)),
            _ => Call::get(self.filter(service, rng)),
        }
    }
}
