//! Reads on MySQL: the shared read loop of `sluice_connector_tokio` over a mysql_async
//! connection ([`MysqlConnection`]). Rows go from the result set straight into the JSON
//! buffer, typed by their column.

use mysql_async::prelude::Queryable;
use mysql_async::{BinaryProtocol, QueryResult, Row};
use sluice_connector_core::sql::CompiledSql;
use sluice_connector_core::{BoundValue, CellValue, ConnectorError, ValueClass};
use sluice_connector_tokio::SqlConnection;

use crate::dialect::Mysql;
use crate::error::map_error;
use crate::values::{cell, params};

/// A connection or transaction of the service's database.
pub(crate) struct MysqlConnection<'a, Q> {
    pub(crate) conn: &'a mut Q,
}

impl<Q: Queryable> SqlConnection for MysqlConnection<'_, Q> {
    type Dialect = Mysql;
    type Row = Row;

    fn dialect(&self) -> &Mysql {
        &Mysql
    }

    /// Runs `sql` as a prepared statement (prepared once per connection: the driver
    /// caches statements by their text).
    async fn each_row<F>(&mut self, sql: &CompiledSql, mut each: F) -> Result<(), ConnectorError>
    where
        F: FnMut(&Row) -> Result<bool, ConnectorError> + Send,
    {
        let mut result: QueryResult<'_, 'static, BinaryProtocol> = self
            .conn
            .exec_iter(sql.sql.as_str(), params(&sql.binds))
            .await
            .map_err(map_error)?;
        while let Some(row) = result.next().await.map_err(map_error)? {
            if !each(&row)? {
                break;
            }
        }
        // The rest of a result set stopped early is read and dropped here.
        result.drop_result().await.map_err(map_error)
    }

    async fn count(&mut self, compiled: &CompiledSql) -> Result<u64, ConnectorError> {
        let row: Option<Row> = self
            .conn
            .exec_first(compiled.sql.as_str(), params(&compiled.binds))
            .await
            .map_err(map_error)?;
        let total = match row {
            Some(row) => cell(&row, 0)?.to_key(ValueClass::Integer),
            None => BoundValue::Integer(0),
        };
        match total {
            BoundValue::Integer(total) => Ok(u64::try_from(total).unwrap_or(0)),
            _ => Err(ConnectorError::Internal(
                "a count was not a number".to_owned(),
            )),
        }
    }

    fn cell(row: &Row, index: usize) -> Result<CellValue<'_>, ConnectorError> {
        cell(row, index)
    }
}
