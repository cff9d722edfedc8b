//! The floor: the least a hand-written service does for the same reads, to measure Sluice
//! against on the same machine at the same moment. actix-web + rusqlite, written the way the
//! actix examples do it (queries on the blocking pool over a small connection pool, prepared
//! statements cached per connection, rows serialised with serde), with no authentication, no
//! RBAC, no filter language and no schema lookups:
//!
//! - `GET /employees?limit=N`
//! - `GET /employees?last_name=X&limit=N`
//! - `GET /employees/{id}`

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};

use actix_web::{App, HttpResponse, HttpServer, web};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, Row};
use serde::{Deserialize, Serialize};

pub const COLUMNS: &str =
    "id, first_name, last_name, gender, birth_date, hire_date, salary, dept_no";

/// One employee as both floors write it, in the columns' order.
#[derive(Serialize)]
pub struct Employee {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub gender: String,
    pub birth_date: String,
    pub hire_date: String,
    pub salary: i64,
    pub dept_no: Option<String>,
}

impl Employee {
    pub fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            first_name: row.get(1)?,
            last_name: row.get(2)?,
            gender: row.get(3)?,
            birth_date: row.get(4)?,
            hire_date: row.get(5)?,
            salary: row.get(6)?,
            dept_no: row.get(7)?,
        })
    }
}

#[derive(Serialize)]
pub struct Resource {
    pub resource: Vec<Employee>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub limit: Option<u32>,
    pub last_name: Option<String>,
}

/// The most rows one list request returns, as Sluice's `max_records` in the benchmark.
pub const MAX_LIMIT: u32 = 1000;

/// A fixed set of connections, as many as Sluice's read pool keeps, so both keep their page
/// and statement caches equally warm (one connection per blocking thread, tried first, left
/// most connections cold and made the floor slower than Sluice on filters).
struct Pool {
    idle: Mutex<Vec<Connection>>,
    returned: Condvar,
}

impl Pool {
    fn open(database: &Path, size: usize) -> rusqlite::Result<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let open = || {
            let connection = Connection::open_with_flags(database, flags)?;
            // As Sluice's connections: without it SQLite re-prepares a cached statement with a
            // bound LIMIT every time rusqlite returns it to its cache (docs/PERFORMANCE.md).
            connection.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
            Ok(connection)
        };
        let connections = (0..size.max(1))
            .map(|_| open())
            .collect::<rusqlite::Result<_>>()?;
        Ok(Self {
            idle: Mutex::new(connections),
            returned: Condvar::new(),
        })
    }

    /// Runs `work` on a free connection, waiting on this blocking thread for one.
    fn with_connection<T>(&self, work: impl FnOnce(&Connection) -> T) -> T {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let connection = loop {
            match idle.pop() {
                Some(connection) => break connection,
                None => {
                    idle = self
                        .returned
                        .wait(idle)
                        .unwrap_or_else(PoisonError::into_inner)
                }
            }
        };
        drop(idle);
        let result = work(&connection);
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(connection);
        self.returned.notify_one();
        result
    }
}

/// The floor's filter read, `?1` the last name and `?2` the limit: no `ORDER BY`, as a
/// hand-written service would write it (the report shows its plan beside Sluice's).
pub fn filter_sql() -> String {
    format!("SELECT {COLUMNS} FROM employees WHERE last_name = ?1 LIMIT ?2")
}

fn list(connection: &Connection, query: &ListQuery) -> rusqlite::Result<Vec<u8>> {
    let limit = query.limit.unwrap_or(100).min(MAX_LIMIT);
    let resource = match &query.last_name {
        Some(name) => connection
            .prepare_cached(&filter_sql())?
            .query_map((name, limit), Employee::from_row)?
            .collect::<Result<_, _>>()?,
        None => connection
            .prepare_cached(&format!("SELECT {COLUMNS} FROM employees LIMIT ?1"))?
            .query_map([limit], Employee::from_row)?
            .collect::<Result<_, _>>()?,
    };
    Ok(serde_json::to_vec(&Resource { resource }).unwrap_or_default())
}

fn by_id(connection: &Connection, id: i64) -> rusqlite::Result<Option<Vec<u8>>> {
    let mut statement =
        connection.prepare_cached(&format!("SELECT {COLUMNS} FROM employees WHERE id = ?1"))?;
    let mut rows = statement.query_map([id], Employee::from_row)?;
    rows.next()
        .transpose()
        .map(|employee| employee.map(|e| serde_json::to_vec(&e).unwrap_or_default()))
}

async fn list_handler(
    pool: web::Data<Pool>,
    query: web::Query<ListQuery>,
) -> actix_web::Result<HttpResponse> {
    let pool = pool.into_inner();
    let body = web::block(move || pool.with_connection(|c| list(c, &query)))
        .await?
        .map_err(actix_web::error::ErrorInternalServerError)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

async fn by_id_handler(
    pool: web::Data<Pool>,
    id: web::Path<i64>,
) -> actix_web::Result<HttpResponse> {
    let pool = pool.into_inner();
    let id = id.into_inner();
    let body = web::block(move || pool.with_connection(|c| by_id(c, id)))
        .await?
        .map_err(actix_web::error::ErrorInternalServerError)?;
    Ok(match body {
        Some(body) => HttpResponse::Ok()
            .content_type("application/json")
            .body(body),
        None => HttpResponse::NotFound().finish(),
    })
}

/// Serves the floor on a free loopback port and prints `listening on URL`, as Sluice does.
pub fn serve(database: PathBuf, workers: usize, pool_size: usize) -> anyhow::Result<()> {
    let (listener, address, workers) = bind_loopback(workers)?;
    let pool = web::Data::new(Pool::open(&database, pool_size)?);
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(move || {
            App::new()
                .app_data(pool.clone())
                .route("/employees", web::get().to(list_handler))
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

/// A listener on a free loopback port, its address, and the worker count (`0`: one per
/// core, as Sluice's default).
pub fn bind_loopback(workers: usize) -> std::io::Result<(TcpListener, SocketAddr, usize)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let workers = match workers {
        0 => std::thread::available_parallelism().map_or(2, usize::from),
        n => n,
    };
    Ok((listener, address, workers))
}

/// Prints `listening on URL`, the line the harness waits for.
pub fn announce(address: SocketAddr) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{address}")?;
    stdout.flush()
}
