//! Reads on PostgreSQL: the shared read loop of `sluice_connector_tokio` over a
//! tokio-postgres client ([`PgConnection`]). Rows go from the row stream straight into the
//! JSON buffer, typed by their column.

use deadpool_postgres::GenericClient;
use futures::{TryStreamExt, pin_mut};
use sluice_connector_core::sql::CompiledSql;
use sluice_connector_core::{CellValue, ConnectorError};
use sluice_connector_tokio::SqlConnection;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, RowStream, Statement};

use crate::dialect::Postgres;
use crate::error::map_error;
use crate::values::{Bind, cell};

/// A client (a pooled connection or a transaction) with the service's schema.
pub(crate) struct PgConnection<'a, C> {
    client: &'a C,
    dialect: Postgres<'a>,
}

impl<'a, C> PgConnection<'a, C> {
    pub(crate) fn new(client: &'a C, schema: &'a str) -> Self {
        Self {
            client,
            dialect: Postgres { schema },
        }
    }
}

impl<'a, C: GenericClient> SqlConnection for PgConnection<'a, C> {
    type Dialect = Postgres<'a>;
    type Row = Row;

    fn dialect(&self) -> &Postgres<'a> {
        &self.dialect
    }

    async fn each_row<F>(&mut self, sql: &CompiledSql, mut each: F) -> Result<(), ConnectorError>
    where
        F: FnMut(&Row) -> Result<bool, ConnectorError> + Send,
    {
        let stream = run(self.client, sql).await?;
        pin_mut!(stream);
        while let Some(row) = stream.try_next().await.map_err(map_error)? {
            if !each(&row)? {
                break;
            }
        }
        Ok(())
    }

    async fn count(&mut self, compiled: &CompiledSql) -> Result<u64, ConnectorError> {
        let statement = prepare(self.client, compiled).await?;
        let binds: Vec<Bind<'_>> = compiled.binds.iter().map(Bind).collect();
        let params: Vec<&(dyn ToSql + Sync)> =
            binds.iter().map(|b| b as &(dyn ToSql + Sync)).collect();
        let row = self
            .client
            .query_one(&statement, &params)
            .await
            .map_err(map_error)?;
        let total: i64 = row.try_get(0).map_err(map_error)?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    fn cell(row: &Row, index: usize) -> Result<CellValue<'_>, ConnectorError> {
        cell(row, index)
    }
}

async fn prepare(
    client: &impl GenericClient,
    compiled: &CompiledSql,
) -> Result<Statement, ConnectorError> {
    client
        .prepare_cached(&compiled.sql)
        .await
        .map_err(map_error)
}

/// Runs `compiled` (prepared once per connection) and streams its rows.
async fn run(
    client: &impl GenericClient,
    compiled: &CompiledSql,
) -> Result<RowStream, ConnectorError> {
    let statement = prepare(client, compiled).await?;
    let binds: Vec<Bind<'_>> = compiled.binds.iter().map(Bind).collect();
    client
        .query_raw(&statement, binds.iter().map(|b| b as &(dyn ToSql + Sync)))
        .await
        .map_err(map_error)
}
