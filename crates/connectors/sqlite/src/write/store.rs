//! The statements of record writes, nested ones included (`RecordStore`): each one atomic,
//! with the role's check on the rows it writes.

use rusqlite::Connection;
use sluice_connector_core::{
    BoundValue, ColumnRef, ColumnValue, Condition, ConnectorError, RecordError, RecordStore,
    RecordWriter, Reselect, SelectQuery, TableSchema,
};

use super::constraint::{Statement, record_failure};
use super::transaction::within_record;
use crate::compile::{
    compile_delete, compile_exists, compile_insert, compile_lookup, compile_update,
};
use crate::error::map_error;
use crate::execute::{binds, fetch_reselected};

/// The writer connection inside the request's transaction.
pub(super) struct SqliteStore<'c> {
    pub(super) connection: &'c Connection,
    /// Whether a statement whose written row fails the role's check must be undone by its
    /// own savepoint. Not in rollback mode, where any failure undoes everything anyway.
    pub(super) savepoints: bool,
}

impl RecordStore for SqliteStore<'_> {
    fn insert(
        &mut self,
        table: &TableSchema,
        values: &[ColumnValue],
        check: Option<&Condition>,
    ) -> Result<Result<i64, RecordError>, ConnectorError> {
        let connection = self.connection;
        let compiled = compile_insert(table, values, check);
        within_record(connection, self.savepoints && check.is_some(), || {
            let mut statement = connection
                .prepare_cached(&compiled.sql)
                .map_err(map_error)?;
            let stepped = if check.is_some() {
                statement.query_row(binds(&compiled), |row| row.get::<_, i64>(0))
            } else {
                statement.execute(binds(&compiled)).map(|_| 1)
            };
            match stepped {
                Ok(0) => Ok(Err(RecordError::Forbidden)),
                Ok(_) => Ok(Ok(connection.last_insert_rowid())),
                Err(error) => {
                    record_failure(connection, table, error, Statement::Writing(values)).map(Err)
                }
            }
        })
    }

    fn update(
        &mut self,
        table: &TableSchema,
        changes: &[ColumnValue],
        condition: &Condition,
        check: Option<&Condition>,
    ) -> Result<Result<u64, RecordError>, ConnectorError> {
        let connection = self.connection;
        let compiled = compile_update(table, changes, condition, check);
        within_record(connection, self.savepoints && check.is_some(), || {
            let mut statement = connection
                .prepare_cached(&compiled.sql)
                .map_err(map_error)?;
            let stepped = if check.is_some() {
                statement
                    .query_map(binds(&compiled), |row| row.get::<_, i64>(0))
                    .and_then(|checks| checks.collect::<Result<Vec<i64>, _>>())
            } else {
                statement
                    .execute(binds(&compiled))
                    .map(|changed| vec![1; changed])
            };
            match stepped {
                Ok(checks) if checks.contains(&0) => Ok(Err(RecordError::Forbidden)),
                Ok(checks) => Ok(Ok(checks.len() as u64)),
                Err(error) => {
                    record_failure(connection, table, error, Statement::Writing(changes)).map(Err)
                }
            }
        })
    }

    fn delete(
        &mut self,
        table: &TableSchema,
        condition: &Condition,
    ) -> Result<Result<u64, RecordError>, ConnectorError> {
        let compiled = compile_delete(table, Some(condition));
        let deleted = self
            .connection
            .prepare_cached(&compiled.sql)
            .and_then(|mut statement| statement.execute(binds(&compiled)));
        match deleted {
            Ok(deleted) => Ok(Ok(deleted as u64)),
            Err(error) => {
                record_failure(self.connection, table, error, Statement::Deleting).map(Err)
            }
        }
    }

    fn select(
        &mut self,
        table: &TableSchema,
        columns: &[ColumnRef],
        condition: &Condition,
        limit: u64,
    ) -> Result<Vec<Vec<BoundValue>>, ConnectorError> {
        let compiled = compile_lookup(table, columns, condition, limit);
        let mut statement = self
            .connection
            .prepare_cached(&compiled.sql)
            .map_err(map_error)?;
        let rows = statement
            .query_map(binds(&compiled), |row| {
                (0..columns.len())
                    .map(|index| {
                        row.get_ref(index)
                            .map(|value| crate::execute::cell(value).to_bound())
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(map_error)?;
        rows.collect::<Result<_, _>>().map_err(map_error)
    }
}

impl RecordWriter for SqliteStore<'_> {
    fn exists(
        &mut self,
        table: &TableSchema,
        condition: &Condition,
    ) -> Result<bool, ConnectorError> {
        let compiled = compile_exists(table, condition);
        self.connection
            .prepare_cached(&compiled.sql)
            .and_then(|mut statement| statement.exists(binds(&compiled)))
            .map_err(map_error)
    }

    fn reselect(
        &mut self,
        query: &SelectQuery,
        reselect: &Reselect,
    ) -> Result<Vec<Vec<u8>>, ConnectorError> {
        fetch_reselected(self.connection, query, reselect)
    }

    /// A trigger's `RAISE(ROLLBACK)` ends the transaction with the record: the records
    /// before it are gone too.
    fn transaction_ended(&self) -> bool {
        self.connection.is_autocommit()
    }
}
