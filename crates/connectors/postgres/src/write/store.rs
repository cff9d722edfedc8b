//! The statements of record writes, nested ones included (`RecordStore`): each one atomic,
//! with the role's check on the rows it writes.
//!
//! A statement that fails in PostgreSQL aborts the whole transaction, where SQLite only
//! undoes the statement. So when records before or after a failed one must stay
//! (DreamFactory's default and `continue=true`), each statement runs inside
//! `SAVEPOINT record` and a failure (or a row outside the role's filter) rolls back to it.
//! The savepoint is opened (and the previous one released) in the same round trip as the
//! statement.
//! Where a failure ends the request anyway (`rollback=true`, or one record without nested
//! writes) there are no savepoints and the failed transaction is rolled back whole.

use std::cell::Cell;

use deadpool_postgres::GenericClient;
use sluice_connector_core::{
    BoundValue, ColumnRef, ColumnValue, Condition, ConnectorError, RecordError, RecordStore,
    RecordWriter, Reselect, SelectQuery, TableSchema, sql,
};
use sluice_connector_tokio::{fetch_reselected, lookup};
use tokio::runtime::Handle;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::constraint::{Statement, record_failure};
use crate::compile::{
    CompiledSql, compile_delete, compile_exists, compile_insert, compile_lookup, compile_update,
};
use crate::error::map_error;
use crate::execute::PgConnection;
use crate::values::Bind;

/// The request's transaction, on the blocking thread that runs the write.
pub(crate) struct PgStore<'a, C> {
    pub(crate) handle: &'a Handle,
    pub(crate) client: &'a C,
    pub(crate) schema: &'a str,
    /// Whether each statement needs a savepoint of its own (see the module documentation).
    pub(crate) savepoints: bool,
    /// A savepoint of an earlier statement is still open: it is released in the same round
    /// trip that opens the next one (`COMMIT` releases the last).
    pub(crate) open_savepoint: Cell<bool>,
}

type Outcome<T> = Result<Result<T, RecordError>, ConnectorError>;

impl<'a, C: GenericClient> PgStore<'a, C> {
    pub(crate) fn new(
        handle: &'a Handle,
        client: &'a C,
        schema: &'a str,
        savepoints: bool,
    ) -> Self {
        Self {
            handle,
            client,
            schema,
            savepoints,
            open_savepoint: Cell::new(false),
        }
    }

    /// Runs `compiled`, answering its rows, or PostgreSQL's error as it came.
    fn rows(&self, compiled: &CompiledSql) -> Result<Vec<Row>, tokio_postgres::Error> {
        self.handle.block_on(query(self.client, compiled))
    }

    fn simple(&self, sql: &str) -> Result<(), ConnectorError> {
        self.handle
            .block_on(self.client.batch_execute(sql))
            .map_err(map_error)
    }

    /// Runs one statement, undone by its savepoint when it fails or its outcome is a
    /// record error (a row outside the role's filter). The savepoint is opened in the same
    /// round trip as the statement (the driver pipelines both), so a record costs one more
    /// round trip than without savepoints only when it fails.
    fn within_record<T>(
        &self,
        table: &TableSchema,
        statement: Statement,
        job: impl Future<Output = Result<Result<T, RecordError>, tokio_postgres::Error>>,
    ) -> Outcome<T> {
        let result = if self.savepoints {
            let open = if self.open_savepoint.get() {
                "RELEASE SAVEPOINT record; SAVEPOINT record"
            } else {
                "SAVEPOINT record"
            };
            let (opened, result) = self
                .handle
                .block_on(async { futures::join!(self.client.batch_execute(open), job) });
            opened.map_err(map_error)?;
            self.open_savepoint.set(true);
            result
        } else {
            self.handle.block_on(job)
        };
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(error) => Err(record_failure(table, error, statement)?),
        };
        if self.savepoints && outcome.is_err() {
            self.simple("ROLLBACK TO SAVEPOINT record")?;
        }
        Ok(outcome)
    }
}

/// Whether every returned row satisfied the role's check (its last cell).
fn all_checked(rows: &[Row]) -> Result<bool, tokio_postgres::Error> {
    for row in rows {
        let last = row.len().saturating_sub(1);
        if !row.try_get::<_, bool>(last)? {
            return Ok(false);
        }
    }
    Ok(true)
}

impl<C: GenericClient> RecordStore for PgStore<'_, C> {
    /// Answers the value the database assigned to the table's auto-increment column (0
    /// when it has none; core only reads it for such a column).
    fn insert(
        &mut self,
        table: &TableSchema,
        values: &[ColumnValue],
        check: Option<&Condition>,
    ) -> Result<Result<i64, RecordError>, ConnectorError> {
        let compiled = compile_insert(self.schema, table, values, check);
        let assigned = sql::assigned_column(table).is_some();
        self.within_record(table, Statement::Writing, async {
            let rows = query(self.client, &compiled).await?;
            if check.is_some() && !all_checked(&rows)? {
                return Ok(Err(RecordError::Forbidden));
            }
            let id = match rows.first() {
                Some(row) if assigned => row.try_get::<_, Option<i64>>(0)?.unwrap_or(0),
                _ => 0,
            };
            Ok(Ok(id))
        })
    }

    fn update(
        &mut self,
        table: &TableSchema,
        changes: &[ColumnValue],
        condition: &Condition,
        check: Option<&Condition>,
    ) -> Result<Result<u64, RecordError>, ConnectorError> {
        let compiled = compile_update(self.schema, table, changes, condition, check);
        self.within_record(table, Statement::Writing, async {
            if check.is_none() {
                return execute(self.client, &compiled).await.map(Ok);
            }
            let rows = query(self.client, &compiled).await?;
            if !all_checked(&rows)? {
                return Ok(Err(RecordError::Forbidden));
            }
            Ok(Ok(rows.len() as u64))
        })
    }

    fn delete(
        &mut self,
        table: &TableSchema,
        condition: &Condition,
    ) -> Result<Result<u64, RecordError>, ConnectorError> {
        let compiled = compile_delete(self.schema, table, Some(condition));
        self.within_record(table, Statement::Deleting, async {
            execute(self.client, &compiled).await.map(Ok)
        })
    }

    fn select(
        &mut self,
        table: &TableSchema,
        columns: &[ColumnRef],
        condition: &Condition,
        limit: u64,
    ) -> Result<Vec<Vec<BoundValue>>, ConnectorError> {
        let compiled = compile_lookup(self.schema, table, columns, condition, limit);
        let mut connection = PgConnection::new(self.client, self.schema);
        self.handle
            .block_on(lookup(&mut connection, &compiled, table, columns))
    }
}

impl<C: GenericClient> RecordWriter for PgStore<'_, C> {
    fn exists(
        &mut self,
        table: &TableSchema,
        condition: &Condition,
    ) -> Result<bool, ConnectorError> {
        let compiled = compile_exists(self.schema, table, condition);
        self.rows(&compiled)
            .map(|rows| !rows.is_empty())
            .map_err(map_error)
    }

    fn reselect(
        &mut self,
        query: &SelectQuery,
        reselect: &Reselect,
    ) -> Result<Vec<Vec<u8>>, ConnectorError> {
        let mut connection = PgConnection::new(self.client, self.schema);
        fetch_reselected(self.handle, &mut connection, query, reselect)
    }

    /// Without savepoints a failed statement aborted the transaction.
    fn failure_aborts(&self) -> bool {
        !self.savepoints
    }
}

/// Runs `compiled` (prepared once per connection) and answers the rows it affected.
async fn execute(
    client: &impl GenericClient,
    compiled: &CompiledSql,
) -> Result<u64, tokio_postgres::Error> {
    let statement = client.prepare_cached(&compiled.sql).await?;
    let binds: Vec<Bind<'_>> = compiled.binds.iter().map(Bind).collect();
    client
        .execute_raw(&statement, binds.iter().map(|b| b as &(dyn ToSql + Sync)))
        .await
}

/// Runs `compiled` (prepared once per connection) and collects its rows.
async fn query(
    client: &impl GenericClient,
    compiled: &CompiledSql,
) -> Result<Vec<Row>, tokio_postgres::Error> {
    let statement = client.prepare_cached(&compiled.sql).await?;
    let binds: Vec<Bind<'_>> = compiled.binds.iter().map(Bind).collect();
    let params: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as &(dyn ToSql + Sync)).collect();
    client.query(&statement, &params).await
}
