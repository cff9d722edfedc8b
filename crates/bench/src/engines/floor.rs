//! The engines' floor: the same four requests as Sluice's engine scenarios, hand-written with
//! actix-web and the driver Sluice's connector uses (tokio-postgres with a deadpool pool and
//! cached prepared statements; mysql_async with its pool, no connection reset and its
//! statement cache), no authentication, no RBAC, no filter language, no schema lookups:
//!
//! - `GET /employees?limit=N` and `GET /employees?last_name=X&limit=N`
//! - `GET /employees/{id}`
//! - `POST /employees` with `{"resource": [records]}`, all rows in one transaction

use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context;
use mysql_async::prelude::Queryable;
use serde::{Deserialize, Serialize};

use crate::floor::{Employee, ListQuery, MAX_LIMIT, Resource, announce, bind_loopback};

/// Which driver the floor serves with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    Pgsql,
    Mysql,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Self::Pgsql => "pgsql",
            Self::Mysql => "mysql",
        }
    }
}

const PG_COLUMNS: &str =
    "id, first_name, last_name, gender, birth_date::text, hire_date::text, salary, dept_no";
const PG_INSERT: &str = "INSERT INTO employees (first_name, last_name, gender, birth_date, \
     hire_date, salary, dept_no) VALUES ($1, $2, $3, $4::text::date, $5::text::date, $6, $7) \
     RETURNING id";
// Temporal columns as text, as Sluice's MySQL connector selects them.
const MYSQL_COLUMNS: &str = "id, first_name, last_name, gender, CAST(birth_date AS CHAR), \
     CAST(hire_date AS CHAR), salary, dept_no";
const MYSQL_INSERT: &str = "INSERT INTO employees (first_name, last_name, gender, birth_date, \
     hire_date, salary, dept_no) VALUES (?, ?, ?, ?, ?, ?, ?)";

#[derive(Deserialize)]
struct NewEmployee {
    first_name: String,
    last_name: String,
    gender: String,
    birth_date: String,
    hire_date: String,
    salary: i32,
    dept_no: Option<String>,
}

#[derive(Deserialize)]
struct Batch {
    resource: Vec<NewEmployee>,
}

#[derive(Serialize)]
struct Created {
    id: i64,
}

enum Backend {
    Pgsql(deadpool_postgres::Pool),
    Mysql(mysql_async::Pool),
}

impl Backend {
    fn open(engine: Engine, url: &str, pool_size: usize) -> anyhow::Result<Self> {
        Ok(match engine {
            Engine::Pgsql => {
                let config: tokio_postgres::Config = url.parse()?;
                let manager = deadpool_postgres::Manager::from_config(
                    config,
                    tokio_postgres::NoTls,
                    deadpool_postgres::ManagerConfig {
                        recycling_method: deadpool_postgres::RecyclingMethod::Fast,
                    },
                );
                let pool = deadpool_postgres::Pool::builder(manager)
                    .max_size(pool_size)
                    .runtime(deadpool_postgres::Runtime::Tokio1)
                    .build()?;
                Self::Pgsql(pool)
            }
            Engine::Mysql => {
                let constraints = mysql_async::PoolConstraints::new(0, pool_size.max(1))
                    .context("invalid pool size")?;
                let pool = mysql_async::PoolOpts::default()
                    .with_constraints(constraints)
                    .with_inactive_connection_ttl(Duration::from_secs(60))
                    .with_reset_connection(false);
                let opts = mysql_async::OptsBuilder::from_opts(mysql_async::Opts::from_url(url)?)
                    .stmt_cache_size(256)
                    .pool_opts(pool);
                Self::Mysql(mysql_async::Pool::new(opts))
            }
        })
    }

    async fn list(&self, query: &ListQuery) -> anyhow::Result<Vec<Employee>> {
        let limit = i64::from(query.limit.unwrap_or(100).min(MAX_LIMIT));
        match self {
            Self::Pgsql(pool) => {
                let client = pool.get().await?;
                let rows = match &query.last_name {
                    Some(name) => {
                        let sql = format!(
                            "SELECT {PG_COLUMNS} FROM employees WHERE last_name = $1 LIMIT $2"
                        );
                        let statement = client.prepare_cached(&sql).await?;
                        client.query(&statement, &[name, &limit]).await?
                    }
                    None => {
                        let sql = format!("SELECT {PG_COLUMNS} FROM employees LIMIT $1");
                        let statement = client.prepare_cached(&sql).await?;
                        client.query(&statement, &[&limit]).await?
                    }
                };
                rows.iter().map(pg_employee).collect()
            }
            Self::Mysql(pool) => {
                let mut connection = pool.get_conn().await?;
                let rows = match &query.last_name {
                    Some(name) => {
                        let sql = format!(
                            "SELECT {MYSQL_COLUMNS} FROM employees WHERE last_name = ? LIMIT ?"
                        );
                        connection
                            .exec_map(sql, (name, limit), mysql_employee)
                            .await?
                    }
                    None => {
                        let sql = format!("SELECT {MYSQL_COLUMNS} FROM employees LIMIT ?");
                        connection.exec_map(sql, (limit,), mysql_employee).await?
                    }
                };
                Ok(rows)
            }
        }
    }

    async fn by_id(&self, id: i32) -> anyhow::Result<Option<Employee>> {
        match self {
            Self::Pgsql(pool) => {
                let client = pool.get().await?;
                let sql = format!("SELECT {PG_COLUMNS} FROM employees WHERE id = $1");
                let statement = client.prepare_cached(&sql).await?;
                let row = client.query_opt(&statement, &[&id]).await?;
                row.as_ref().map(pg_employee).transpose()
            }
            Self::Mysql(pool) => {
                let mut connection = pool.get_conn().await?;
                let sql = format!("SELECT {MYSQL_COLUMNS} FROM employees WHERE id = ?");
                let mut rows = connection.exec_map(sql, (id,), mysql_employee).await?;
                Ok(rows.pop())
            }
        }
    }

    async fn insert(&self, batch: Batch) -> anyhow::Result<Vec<Created>> {
        let mut created = Vec::with_capacity(batch.resource.len());
        match self {
            Self::Pgsql(pool) => {
                let mut client = pool.get().await?;
                let transaction = client.transaction().await?;
                let statement = transaction.prepare_cached(PG_INSERT).await?;
                for e in &batch.resource {
                    let row = transaction
                        .query_one(
                            &statement,
                            &[
                                &e.first_name,
                                &e.last_name,
                                &e.gender,
                                &e.birth_date,
                                &e.hire_date,
                                &e.salary,
                                &e.dept_no,
                            ],
                        )
                        .await?;
                    created.push(Created {
                        id: i64::from(row.try_get::<_, i32>(0)?),
                    });
                }
                transaction.commit().await?;
            }
            Self::Mysql(pool) => {
                let mut connection = pool.get_conn().await?;
                let mut transaction = connection
                    .start_transaction(mysql_async::TxOpts::default())
                    .await?;
                for e in batch.resource {
                    let params = (
                        e.first_name,
                        e.last_name,
                        e.gender,
                        e.birth_date,
                        e.hire_date,
                        e.salary,
                        e.dept_no,
                    );
                    transaction.exec_drop(MYSQL_INSERT, params).await?;
                    let id = transaction.last_insert_id().context("no insert id")?;
                    created.push(Created {
                        id: i64::try_from(id)?,
                    });
                }
                transaction.commit().await?;
            }
        }
        Ok(created)
    }
}

fn pg_employee(row: &tokio_postgres::Row) -> anyhow::Result<Employee> {
    Ok(Employee {
        id: i64::from(row.try_get::<_, i32>(0)?),
        first_name: row.try_get(1)?,
        last_name: row.try_get(2)?,
        gender: row.try_get(3)?,
        birth_date: row.try_get(4)?,
        hire_date: row.try_get(5)?,
        salary: i64::from(row.try_get::<_, i32>(6)?),
        dept_no: row.try_get(7)?,
    })
}

type MysqlEmployeeRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
);

fn mysql_employee(row: MysqlEmployeeRow) -> Employee {
    let (id, first_name, last_name, gender, birth_date, hire_date, salary, dept_no) = row;
    Employee {
        id,
        first_name,
        last_name,
        gender,
        birth_date,
        hire_date,
        salary,
        dept_no,
    }
}

fn json<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(serde_json::to_vec(value).unwrap_or_default())
}

fn failed(error: anyhow::Error) -> actix_web::Error {
    actix_web::error::ErrorInternalServerError(error.to_string())
}

async fn list_handler(
    backend: web::Data<Backend>,
    query: web::Query<ListQuery>,
) -> actix_web::Result<HttpResponse> {
    let resource = backend.list(&query).await.map_err(failed)?;
    Ok(json(&Resource { resource }))
}

async fn by_id_handler(
    backend: web::Data<Backend>,
    id: web::Path<i32>,
) -> actix_web::Result<HttpResponse> {
    Ok(
        match backend.by_id(id.into_inner()).await.map_err(failed)? {
            Some(employee) => json(&employee),
            None => HttpResponse::NotFound().finish(),
        },
    )
}

async fn insert_handler(
    backend: web::Data<Backend>,
    batch: web::Json<Batch>,
) -> actix_web::Result<HttpResponse> {
    let resource = backend.insert(batch.into_inner()).await.map_err(failed)?;
    Ok(json(&serde_json::json!({ "resource": resource })))
}

/// Serves the floor for `engine` on a free loopback port and prints `listening on URL`.
pub fn serve(engine: Engine, url: &str, workers: usize, pool_size: usize) -> anyhow::Result<()> {
    let (listener, address, workers) = bind_loopback(workers)?;
    actix_web::rt::System::new().block_on(async move {
        let backend = web::Data::new(Backend::open(engine, url, pool_size)?);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(backend.clone())
                .app_data(web::JsonConfig::default().limit(16 << 20))
                .route("/employees", web::get().to(list_handler))
                .route("/employees", web::post().to(insert_handler))
                .route("/employees/{id}", web::get().to(by_id_handler))
        })
        .workers(workers)
        .listen(listener)?
        .run();
        announce(address)?;
        server.await?;
        Ok(())
    })
}
