//! One client statement on one connection: prepared under a classifying authorizer, so
//! what the statement is (a read, a write, DDL, BEGIN / COMMIT / ROLLBACK, a savepoint)
//! comes from SQLite's own parse, never from the SQL text; then run, or handed back when it
//! belongs on another connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization, TransactionOperation};
use rusqlite::limits::Limit;
use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::{Connection, ErrorCode, Statement, ffi};
use serde_json::Value;
use sluice_connector_core::ConnectorError;

use super::types::{Outcome, SqlAccess, SqlParam, SqlStatement, SqlValue};
use crate::authorizer::{Policy, is_sqlite_internal};
use crate::error::map_error;

/// SQLite's own wording when its authorizer refuses a statement; also what a role without
/// the right to write (or to open a transaction) is told.
pub(crate) const NOT_AUTHORIZED: &str = "not authorized";
pub(crate) const TX_WITHIN_TX: &str = "cannot start a transaction within a transaction";
pub(crate) const TX_ID_REQUIRED: &str = "transaction ID is required for this operation";
pub(crate) const TX_NOT_FOUND: &str = "transaction not found or timed out, check your settings";
const SAVEPOINT_OUTSIDE: &str =
    "savepoints need a transaction: start one with BEGIN and send its txId";

/// The longest string or blob a client statement may make or return (SQLite's
/// `SQLITE_LIMIT_LENGTH` while it runs): `zeroblob(1e9)` would otherwise take a gigabyte.
const MAX_VALUE_BYTES: i32 = 16 * 1024 * 1024;

// What the authorizer saw while the statement was prepared.
const BEGIN: u32 = 1;
const COMMIT: u32 = 1 << 1;
const ROLLBACK: u32 = 1 << 2;
const SAVEPOINT: u32 = 1 << 3;
const DDL: u32 = 1 << 4;
const INSERT: u32 = 1 << 5;
const INTERNAL_WRITE: u32 = 1 << 6;

/// The connection a statement is prepared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// A pooled read-only connection: reads run here, writes and `BEGIN` are handed back.
    ReadLane,
    /// The database's writer (shared with the gateway's record writes).
    WriteLane,
    /// A new transaction's own connection, running its `BEGIN`.
    Opening,
    /// An open transaction's connection.
    InTransaction,
}

/// What became of a statement.
pub(crate) enum Step {
    Done(Executed),
    /// It writes: run it on the writer.
    NeedsWriter,
    /// It is a `BEGIN`: open a transaction with it.
    Begin,
}

/// A statement's result and its effects.
pub(crate) struct Executed {
    pub(crate) outcome: Outcome,
    pub(crate) wrote: bool,
    pub(crate) ddl: bool,
}

impl Executed {
    pub(crate) fn refused(message: impl Into<String>) -> Self {
        Self::done(Outcome::error(message))
    }

    fn done(outcome: Outcome) -> Self {
        Self {
            outcome,
            wrote: false,
            ddl: false,
        }
    }
}

/// The policies a statement runs under: `base` while it is prepared and run, `restore`
/// (the connection's own) afterwards.
#[derive(Clone, Copy)]
pub(crate) struct Policies {
    pub(crate) base: Policy,
    pub(crate) restore: Policy,
}

/// Prepares and runs `statement` at `place`. `Err` only for failures of the database
/// itself (missing, damaged, full): SQL errors are results.
pub(crate) fn run(
    connection: &Connection,
    place: Place,
    policies: Policies,
    access: SqlAccess,
    statement: &SqlStatement,
    max_rows: usize,
) -> Result<Step, ConnectorError> {
    let seen = Arc::new(AtomicU32::new(0));
    install(connection, policies.base, Arc::clone(&seen))?;
    let longest = connection
        .set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        .map_err(map_error)?;
    let step = prepare_and_run(connection, place, access, statement, max_rows, &seen);
    connection
        .set_limit(Limit::SQLITE_LIMIT_LENGTH, longest)
        .map_err(map_error)?;
    connection
        .authorizer(Some(policies.restore))
        .map_err(map_error)?;
    step
}

/// Whether `query` is a `BEGIN` (a batch counts them before it runs, to reserve
/// transaction slots). A statement that does not prepare is not one.
pub(crate) fn is_begin(connection: &Connection, policies: Policies, query: &str) -> bool {
    let seen = Arc::new(AtomicU32::new(0));
    if install(connection, policies.base, Arc::clone(&seen)).is_err() {
        return false;
    }
    let prepared = connection.prepare(query).is_ok();
    let _ = connection.authorizer(Some(policies.restore));
    prepared && seen.load(Ordering::Relaxed) & BEGIN != 0
}

fn install(
    connection: &Connection,
    base: Policy,
    seen: Arc<AtomicU32>,
) -> Result<(), ConnectorError> {
    connection
        .authorizer(Some(move |context: AuthContext<'_>| {
            let verdict = base(context);
            if verdict == Authorization::Allow {
                seen.fetch_or(noted(&context.action), Ordering::Relaxed);
            }
            verdict
        }))
        .map_err(map_error)
}

fn noted(action: &AuthAction<'_>) -> u32 {
    match *action {
        AuthAction::Transaction { operation } => match operation {
            TransactionOperation::Begin => BEGIN,
            TransactionOperation::Rollback => ROLLBACK,
            // rusqlite reports SQLite's "COMMIT" (and "END") as Unknown.
            _ => COMMIT,
        },
        AuthAction::Savepoint { .. } => SAVEPOINT,
        AuthAction::CreateIndex { .. }
        | AuthAction::CreateTable { .. }
        | AuthAction::CreateTrigger { .. }
        | AuthAction::CreateView { .. }
        | AuthAction::DropIndex { .. }
        | AuthAction::DropTable { .. }
        | AuthAction::DropTrigger { .. }
        | AuthAction::DropView { .. }
        | AuthAction::AlterTable { .. } => DDL,
        AuthAction::Insert { table_name }
        | AuthAction::Update { table_name, .. }
        | AuthAction::Delete { table_name }
            if is_sqlite_internal(table_name) =>
        {
            INTERNAL_WRITE
        }
        AuthAction::Insert { .. } => INSERT,
        _ => 0,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Begin,
    Commit,
    Rollback,
    Savepoint,
    Read,
    Write,
}

fn prepare_and_run(
    connection: &Connection,
    place: Place,
    access: SqlAccess,
    statement: &SqlStatement,
    max_rows: usize,
    seen: &AtomicU32,
) -> Result<Step, ConnectorError> {
    let mut prepared = match connection.prepare(&statement.query) {
        Ok(prepared) => prepared,
        Err(error) => return failed(error),
    };
    let bits = seen.load(Ordering::Relaxed);
    // SQLite writes its own tables for DDL only; any other write to them is the client's.
    if bits & INTERNAL_WRITE != 0 && bits & DDL == 0 {
        return refused(NOT_AUTHORIZED);
    }
    let kind = if bits & BEGIN != 0 {
        Kind::Begin
    } else if bits & COMMIT != 0 {
        Kind::Commit
    } else if bits & ROLLBACK != 0 {
        Kind::Rollback
    } else if bits & SAVEPOINT != 0 {
        Kind::Savepoint
    } else if prepared.readonly() {
        Kind::Read
    } else {
        Kind::Write
    };
    let in_transaction = place == Place::InTransaction;
    match kind {
        Kind::Begin if in_transaction => refused(TX_WITHIN_TX),
        Kind::Begin if !access.transactions => refused(NOT_AUTHORIZED),
        Kind::Begin if place == Place::Opening => {
            // `BEGIN IMMEDIATE` on a read-only transaction's connection asks for the write
            // lock it may not take.
            let begun = Outcome::Begin {
                tx_id: String::new(),
            };
            match execute_control(&mut prepared, begun) {
                Err(ConnectorError::Unavailable(_)) if !access.writes => refused(NOT_AUTHORIZED),
                other => other,
            }
        }
        Kind::Begin => Ok(Step::Begin),
        Kind::Commit | Kind::Rollback if !in_transaction => refused(TX_ID_REQUIRED),
        Kind::Commit => execute_control(&mut prepared, Outcome::Commit),
        Kind::Rollback => execute_control(&mut prepared, Outcome::Rollback),
        Kind::Savepoint if !in_transaction => refused(SAVEPOINT_OUTSIDE),
        Kind::Savepoint | Kind::Read => read(&mut prepared, &statement.params, max_rows),
        Kind::Write if !access.writes => refused(NOT_AUTHORIZED),
        Kind::Write if place == Place::ReadLane => Ok(Step::NeedsWriter),
        Kind::Write => write(connection, &mut prepared, &statement.params, bits),
    }
}

fn refused(message: &str) -> Result<Step, ConnectorError> {
    Ok(Step::Done(Executed::refused(message)))
}

fn execute_control(prepared: &mut Statement<'_>, outcome: Outcome) -> Result<Step, ConnectorError> {
    match prepared.raw_execute() {
        Ok(_) => Ok(Step::Done(Executed::done(outcome))),
        Err(error) => failed(error),
    }
}

/// A read: every row, up to `max_rows` (more is an error: add a LIMIT).
fn read(
    prepared: &mut Statement<'_>,
    params: &[SqlParam],
    max_rows: usize,
) -> Result<Step, ConnectorError> {
    match rows(prepared, params, Some(max_rows)) {
        Ok(Ok((columns, types, rows))) => Ok(Step::Done(Executed::done(Outcome::Read {
            columns,
            types,
            rows,
        }))),
        Ok(Err(message)) => refused(&message),
        Err(error) => failed(error),
    }
}

/// A write: its `RETURNING` rows (all of them: the writes are done at the first step),
/// the rows it changed and, for an insert, the rowid SQLite assigned last.
fn write(
    connection: &Connection,
    prepared: &mut Statement<'_>,
    params: &[SqlParam],
    bits: u32,
) -> Result<Step, ConnectorError> {
    let before = connection.total_changes();
    let (columns, types, rows) = match rows(prepared, params, None) {
        Ok(Ok(answer)) => answer,
        Ok(Err(message)) => return refused(&message),
        Err(error) => return failed(error),
    };
    // `changes()` keeps the count of the last DML statement: DDL changes no rows.
    let rows_affected = if connection.total_changes() == before {
        0
    } else {
        connection.changes()
    };
    let last_insert_id = if bits & INSERT != 0 && rows_affected > 0 {
        connection.last_insert_rowid()
    } else {
        0
    };
    Ok(Step::Done(Executed {
        outcome: Outcome::Write {
            last_insert_id,
            rows_affected,
            columns,
            types,
            rows,
        },
        wrote: rows_affected > 0 || bits & DDL != 0,
        ddl: bits & DDL != 0,
    }))
}

type Rows = (Vec<String>, Vec<String>, Vec<Vec<Value>>);

/// Binds `params`, then steps through every row. The inner `Err` is a client error that is
/// not SQLite's (an unknown parameter name, too many rows).
fn rows(
    prepared: &mut Statement<'_>,
    params: &[SqlParam],
    limit: Option<usize>,
) -> Result<Result<Rows, String>, rusqlite::Error> {
    for (position, param) in params.iter().enumerate() {
        let index = match &param.name {
            None => position + 1,
            Some(name) => match named_index(prepared, name)? {
                Some(index) => index,
                None => return Ok(Err(format!("failed to find named parameter index: {name}"))),
            },
        };
        prepared.raw_bind_parameter(index, bindable(&param.value))?;
    }
    let columns: Vec<String> = prepared
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let declared: Vec<Option<String>> = prepared
        .columns()
        .iter()
        .map(|column| column.decl_type().map(str::to_owned))
        .collect();
    let mut types: Vec<String> = declared
        .iter()
        .map(|d| d.clone().unwrap_or_default())
        .collect();
    let mut out = Vec::new();
    let mut cursor = prepared.raw_query();
    while let Some(row) = cursor.next()? {
        if limit.is_some_and(|limit| out.len() >= limit) {
            let limit = limit.unwrap_or_default();
            return Ok(Err(format!(
                "the result has more than {limit} rows, the most one statement may return: \
                 add a LIMIT"
            )));
        }
        let mut values = Vec::with_capacity(columns.len());
        for index in 0..columns.len() {
            let value = row.get_ref(index)?;
            if out.is_empty() && declared[index].is_none() {
                types[index] = value_type(value).to_owned();
            }
            values.push(json_value(value));
        }
        out.push(values);
    }
    Ok(Ok((columns, types, out)))
}

/// The index of a named parameter; without a prefix, `:`, `@`, `$` and `?` are tried.
fn named_index(prepared: &Statement<'_>, name: &str) -> rusqlite::Result<Option<usize>> {
    if name.starts_with([':', '@', '$', '?']) {
        return prepared.parameter_index(name);
    }
    for prefix in [":", "@", "$", "?"] {
        if let Some(index) = prepared.parameter_index(&format!("{prefix}{name}"))? {
            return Ok(Some(index));
        }
    }
    Ok(None)
}

fn bindable(value: &SqlValue) -> SqliteValue {
    match value {
        SqlValue::Null => SqliteValue::Null,
        SqlValue::Integer(n) => SqliteValue::Integer(*n),
        SqlValue::Real(x) => SqliteValue::Real(*x),
        SqlValue::Text(text) => SqliteValue::Text(text.clone()),
    }
}

/// The storage class of a value, for result columns without a declared type.
fn value_type(value: ValueRef<'_>) -> &'static str {
    match value {
        ValueRef::Null => "NULL",
        ValueRef::Integer(_) => "INTEGER",
        ValueRef::Real(_) => "REAL",
        ValueRef::Text(_) => "TEXT",
        ValueRef::Blob(_) => "BLOB",
    }
}

/// A cell as JSON: blobs as base64 (as NSQLite's Go encoder writes `[]byte`), a real that
/// JSON cannot hold (infinity) as null.
fn json_value(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::from(n),
        ValueRef::Real(x) => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
        ValueRef::Text(text) => Value::String(String::from_utf8_lossy(text).into_owned()),
        ValueRef::Blob(bytes) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
    }
}

/// A failed statement: SQL errors (the caller wrote the SQL, so SQLite's message is theirs
/// to see) are a result; a lock held past the busy timeout and the statement time limit
/// too, so the rest of the batch still reports; a database that is gone, damaged or full
/// fails the request.
fn failed(error: rusqlite::Error) -> Result<Step, ConnectorError> {
    let code = match &error {
        rusqlite::Error::SqliteFailure(failure, _) => Some(*failure),
        rusqlite::Error::SqlInputError { error, .. } => Some(*error),
        _ => None,
    };
    let fatal = code.is_some_and(|failure| match failure.code {
        ErrorCode::DiskFull
        | ErrorCode::DatabaseCorrupt
        | ErrorCode::NotADatabase
        | ErrorCode::CannotOpen
        | ErrorCode::ReadOnly => true,
        ErrorCode::SystemIoFailure => failure.extended_code != ffi::SQLITE_IOERR_NOMEM,
        _ => false,
    });
    if fatal {
        return Err(map_error(error));
    }
    let message = match (&error, code.map(|failure| failure.code)) {
        (_, Some(ErrorCode::OperationInterrupted)) => {
            "interrupted: the statement ran past its time limit".to_owned()
        }
        (rusqlite::Error::SqliteFailure(_, Some(message)), _) => message.clone(),
        (rusqlite::Error::SqlInputError { msg, .. }, _) => msg.clone(),
        (other, _) => other.to_string(),
    };
    refused(&message)
}
