//! The statements of record writes, nested ones included (`RecordStore`): each one atomic,
//! with the role's check on the rows it writes.
//!
//! A statement that fails in MySQL or MariaDB undoes only itself; the transaction goes on
//! (a deadlock, which ends the transaction, is the request's error anyway). So records
//! before and after a failed one stay without savepoints. MySQL has no `RETURNING`: a
//! role's row filter is checked by looking up the rows just written in the same
//! transaction, and a statement that left one outside it is undone by rolling back to a
//! savepoint opened just before it (only when there is a check).

use mysql_async::prelude::Queryable;
use mysql_async::{BinaryProtocol, QueryResult, Row};
use sluice_connector_core::{
    BoundValue, ColumnRef, ColumnValue, ComparisonOp, Condition, ConnectorError, RecordError,
    RecordStore, RecordWriter, Reselect, SelectQuery, TableSchema, sql,
};
use sluice_connector_tokio::lookup;
use tokio::runtime::Handle;

use super::constraint::{Statement, record_failure};
use crate::compile::{
    CompiledSql, compile_delete, compile_exists, compile_insert, compile_lookup,
    compile_outside_check, compile_update,
};
use crate::error::map_error;
use crate::execute::MysqlConnection;
use crate::values::params;

/// The request's transaction, on the blocking thread that runs the write.
pub(crate) struct MysqlStore<'a, Q> {
    pub(crate) handle: &'a Handle,
    pub(crate) conn: &'a mut Q,
}

type Outcome<T> = Result<Result<T, RecordError>, ConnectorError>;

/// What a writing statement did: the rows it matched (the connection reports matched
/// rows, not only changed ones) and the value `LAST_INSERT_ID()` took.
struct Done {
    rows: u64,
    last_insert_id: Option<u64>,
}

impl<Q: Queryable> MysqlStore<'_, Q> {
    fn run(&mut self, compiled: &CompiledSql) -> Result<Done, mysql_async::Error> {
        self.handle.block_on(async {
            let result: QueryResult<'_, 'static, BinaryProtocol> = self
                .conn
                .exec_iter(compiled.sql.as_str(), params(&compiled.binds))
                .await?;
            let done = Done {
                rows: result.affected_rows(),
                last_insert_id: result.last_insert_id(),
            };
            result.drop_result().await?;
            Ok(done)
        })
    }

    fn rows(&mut self, compiled: &CompiledSql) -> Result<Vec<Row>, ConnectorError> {
        self.handle
            .block_on(
                self.conn
                    .exec::<Row, _, _>(compiled.sql.as_str(), params(&compiled.binds)),
            )
            .map_err(map_error)
    }

    fn simple(&mut self, sql: &'static str) -> Result<(), ConnectorError> {
        self.handle
            .block_on(self.conn.query_drop(sql))
            .map_err(map_error)
    }

    /// The columns of the table's index `index`, in index order (a duplicate entry names
    /// only the index). Read from `information_schema` when needed, as nothing else does.
    fn index_columns(
        &mut self,
        table: &TableSchema,
        index: &str,
    ) -> Result<Vec<String>, ConnectorError> {
        let names: Vec<String> = self
            .handle
            .block_on(self.conn.exec(
                "SELECT COLUMN_NAME FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ? \
                 ORDER BY SEQ_IN_INDEX",
                (table.name(), index),
            ))
            .map_err(map_error)?;
        Ok(names)
    }

    /// The primary keys of the rows matching `condition`, read with `FOR UPDATE`: a
    /// locking read sees the rows as the UPDATE that follows will (the latest committed
    /// ones, not the transaction's snapshot) and keeps them until the request ends.
    fn locked_keys(
        &mut self,
        table: &TableSchema,
        condition: &Condition,
    ) -> Result<Vec<Vec<BoundValue>>, ConnectorError> {
        let columns = table.primary_key();
        let mut compiled = compile_lookup(table, columns, condition, u64::MAX);
        compiled.sql.push_str(" FOR UPDATE");
        self.lookup(table, columns, &compiled)
    }

    /// The values of `columns` in the rows of `compiled`, typed by their columns.
    fn lookup(
        &mut self,
        table: &TableSchema,
        columns: &[ColumnRef],
        compiled: &CompiledSql,
    ) -> Result<Vec<Vec<BoundValue>>, ConnectorError> {
        let mut connection = MysqlConnection {
            conn: &mut *self.conn,
        };
        self.handle
            .block_on(lookup(&mut connection, compiled, table, columns))
    }

    /// Runs one writing statement; with a `check`, inside a savepoint it rolls back to
    /// when `written` (the rows as the statement left them) finds a row outside it.
    fn write(
        &mut self,
        table: &TableSchema,
        statement: Statement,
        compiled: &CompiledSql,
        check: Option<&Condition>,
        written: impl FnOnce(&mut Self, &Done) -> Result<Option<Condition>, ConnectorError>,
    ) -> Outcome<Done> {
        if check.is_some() {
            self.simple("SAVEPOINT record")?;
        }
        let done = match self.run(compiled) {
            Ok(done) => done,
            Err(error) => {
                let failure = record_failure(table, error, statement, |index| {
                    self.index_columns(table, index)
                })?;
                return Ok(Err(failure));
            }
        };
        let Some(check) = check else {
            return Ok(Ok(done));
        };
        let inside = match written(self, &done)? {
            Some(written) => self
                .rows(&compile_outside_check(table, &written, check))?
                .is_empty(),
            // The rows written cannot be found again (no primary key): refused, as a
            // row outside the filter would be.
            None => false,
        };
        if inside {
            return Ok(Ok(done));
        }
        self.simple("ROLLBACK TO SAVEPOINT record")?;
        Ok(Err(RecordError::Forbidden))
    }
}

/// `column = value AND ...` over the table's primary key, `None` without one.
fn key_condition(
    table: &TableSchema,
    mut value_of: impl FnMut(ColumnRef) -> Option<BoundValue>,
) -> Option<Condition> {
    let key = table.primary_key();
    if key.is_empty() {
        return None;
    }
    let terms = key
        .iter()
        .map(|&column| {
            Some(Condition::Compare {
                column,
                op: ComparisonOp::Eq,
                value: value_of(column)?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Condition::And(terms))
}

/// Whether `condition` reads `column`.
fn reads_column(condition: &Condition, wanted: ColumnRef) -> bool {
    match condition {
        Condition::And(terms) | Condition::Or(terms) => {
            terms.iter().any(|term| reads_column(term, wanted))
        }
        Condition::Not(term) => reads_column(term, wanted),
        Condition::Compare { column, .. }
        | Condition::Like { column, .. }
        | Condition::In { column, .. }
        | Condition::IsNull { column, .. }
        | Condition::Between { column, .. } => *column == wanted,
    }
}

impl<Q: Queryable> RecordStore for MysqlStore<'_, Q> {
    /// Answers the value the database assigned to the table's auto-increment column (0
    /// when it has none; core only reads it for such a column).
    fn insert(
        &mut self,
        table: &TableSchema,
        values: &[ColumnValue],
        check: Option<&Condition>,
    ) -> Result<Result<i64, RecordError>, ConnectorError> {
        let compiled = compile_insert(table, values);
        let assigned = sql::assigned_column(table);
        let given = |column: ColumnRef| {
            values
                .iter()
                .find(|value| value.column == column && value.value != BoundValue::Null)
                .map(|value| value.value.clone())
        };
        let id_of = |done: &Done| match assigned {
            Some(column) => match given(column) {
                Some(BoundValue::Integer(id)) => id,
                _ => done
                    .last_insert_id
                    .and_then(|id| i64::try_from(id).ok())
                    .unwrap_or(0),
            },
            None => 0,
        };
        let outcome = self.write(table, Statement::Writing, &compiled, check, |_, done| {
            let id = id_of(done);
            Ok(key_condition(table, |column| match assigned {
                Some(auto) if auto == column => Some(BoundValue::Integer(id)),
                _ => given(column),
            }))
        })?;
        Ok(outcome.map(|done| id_of(&done)))
    }

    /// With a check, the rows are found again after the update by their primary key
    /// (looked up first, with the update's new key values when it changes them) when the
    /// update changes a column its condition reads; otherwise by the same condition.
    fn update(
        &mut self,
        table: &TableSchema,
        changes: &[ColumnValue],
        condition: &Condition,
        check: Option<&Condition>,
    ) -> Result<Result<u64, RecordError>, ConnectorError> {
        let compiled = compile_update(table, changes, condition);
        let moves = changes
            .iter()
            .any(|change| reads_column(condition, change.column));
        let keys = match (check, moves) {
            (Some(_), true) => Some(self.locked_keys(table, condition)?),
            _ => None,
        };
        let outcome = self.write(table, Statement::Writing, &compiled, check, |_, _| {
            let Some(keys) = keys else {
                return Ok(Some(condition.clone()));
            };
            let rows: Option<Vec<Condition>> = keys
                .iter()
                .map(|row| {
                    key_condition(table, |column| {
                        let changed = changes.iter().find(|change| change.column == column);
                        match changed {
                            Some(change) => Some(change.value.clone()),
                            None => table
                                .primary_key()
                                .iter()
                                .position(|&key| key == column)
                                .and_then(|index| row.get(index).cloned()),
                        }
                    })
                })
                .collect();
            Ok(rows.map(Condition::Or))
        })?;
        Ok(outcome.map(|done| done.rows))
    }

    fn delete(
        &mut self,
        table: &TableSchema,
        condition: &Condition,
    ) -> Result<Result<u64, RecordError>, ConnectorError> {
        let compiled = compile_delete(table, condition);
        let outcome = self.write(table, Statement::Deleting, &compiled, None, |_, _| Ok(None))?;
        Ok(outcome.map(|done| done.rows))
    }

    fn select(
        &mut self,
        table: &TableSchema,
        columns: &[ColumnRef],
        condition: &Condition,
        limit: u64,
    ) -> Result<Vec<Vec<BoundValue>>, ConnectorError> {
        let compiled = compile_lookup(table, columns, condition, limit);
        self.lookup(table, columns, &compiled)
    }
}

impl<Q: Queryable> RecordWriter for MysqlStore<'_, Q> {
    fn exists(
        &mut self,
        table: &TableSchema,
        condition: &Condition,
    ) -> Result<bool, ConnectorError> {
        let compiled = compile_exists(table, condition);
        self.rows(&compiled).map(|rows| !rows.is_empty())
    }

    fn reselect(
        &mut self,
        query: &SelectQuery,
        reselect: &Reselect,
    ) -> Result<Vec<Vec<u8>>, ConnectorError> {
        let mut connection = MysqlConnection {
            conn: &mut *self.conn,
        };
        sluice_connector_tokio::fetch_reselected(self.handle, &mut connection, query, reselect)
    }
}
