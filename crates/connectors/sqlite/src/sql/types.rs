//! What the `_sql` engine takes and answers: NSQLite's request items and result shapes.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use sluice_connector_core::ConnectorError;

/// One item of a batch: `{"query", "params", "txId"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlStatement {
    pub query: String,
    pub params: Vec<SqlParam>,
    /// Empty: outside any transaction.
    pub tx_id: String,
}

/// A bound value: positional (`?`, `?NNN` by position) or named (`:name`, `@name`,
/// `$name`, `?NNN`; the prefix may be left out).
#[derive(Debug, Clone, PartialEq)]
pub struct SqlParam {
    pub name: Option<String>,
    pub value: SqlValue,
}

/// The values a JSON parameter can carry (booleans bind as 0 / 1, as NSQLite binds them).
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

/// What a caller may do with `_sql`, decided by the gateway (role verbs or NSQLite token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqlAccess {
    /// Statements SQLite reports as writing (DML, DDL) may run; without it only statements
    /// for which `sqlite3_stmt_readonly` is true do.
    pub writes: bool,
    /// `BEGIN` may open a transaction (a read-only one when `writes` is false).
    pub transactions: bool,
}

impl SqlAccess {
    pub const READ_WRITE: SqlAccess = SqlAccess {
        writes: true,
        transactions: true,
    };
}

/// Bounds of one engine (one database).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqlSettings {
    /// An open transaction with no statement for this long is rolled back (NSQLite: 10 s).
    pub idle_timeout: Duration,
    /// Transactions open at once; a `BEGIN` beyond is refused with
    /// [`SqlError::TooManyTransactions`].
    pub max_transactions: usize,
}

impl Default for SqlSettings {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(10),
            max_transactions: 16,
        }
    }
}

/// A batch that could not be answered with results (statement errors are results).
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// A `txId` of the batch is not an open transaction of this caller (unknown, ended,
    /// rolled back after its idle timeout, or someone else's: the same answer for all).
    #[error("transaction not found")]
    TransactionNotFound,
    /// The batch would open more transactions than `max_transactions`; nothing ran.
    #[error("too many open transactions")]
    TooManyTransactions,
    /// The database failed (missing, damaged, full, no lane free in time).
    #[error(transparent)]
    Connector(#[from] ConnectorError),
}

/// One result, serialised as NSQLite does: `type`, the fields of that type, and `time`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementResult {
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Seconds this statement took, waiting for its connection included.
    pub time: f64,
}

/// What a statement did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Outcome {
    Read {
        columns: Vec<String>,
        types: Vec<String>,
        rows: Vec<Vec<Value>>,
    },
    Write {
        #[serde(rename = "lastInsertId")]
        last_insert_id: i64,
        #[serde(rename = "rowsAffected")]
        rows_affected: u64,
        columns: Vec<String>,
        types: Vec<String>,
        rows: Vec<Vec<Value>>,
    },
    Begin {
        #[serde(rename = "txId")]
        tx_id: String,
    },
    Commit,
    Rollback,
    Error {
        error: String,
    },
}

impl Outcome {
    pub(crate) fn error(message: impl Into<String>) -> Self {
        Self::Error {
            error: message.into(),
        }
    }
}

impl StatementResult {
    pub fn is_error(&self) -> bool {
        matches!(self.outcome, Outcome::Error { .. })
    }
}

/// The answer to a batch: `{"time", "results"}`, plus what the gateway must invalidate.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BatchOutput {
    pub time: f64,
    pub results: Vec<StatementResult>,
    /// Records changed outside a transaction, or a transaction that wrote was committed.
    #[serde(skip)]
    pub wrote: bool,
    /// A statement changed the schema (DDL), or a transaction that did ended.
    #[serde(skip)]
    pub schema_changed: bool,
}
