//! The engine on a real file: what each access may run, how a batch reports a failing
//! statement, what SQLite's authorizer keeps refusing, and transactions (ownership, idle
//! timeout, the bound).

use std::time::Duration;

use serde_json::{Value, json};
use tempfile::TempDir;

use super::*;
use crate::SqliteConnector;

const READ_ONLY: SqlAccess = SqlAccess {
    writes: false,
    transactions: true,
};

fn engine_with(settings: SqlSettings) -> (TempDir, SqlEngine) {
    engine_opened(SqliteOptions::default(), settings)
}

fn engine_opened(options: SqliteOptions, settings: SqlSettings) -> (TempDir, SqlEngine) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("t.sqlite");
    let setup = rusqlite::Connection::open(&path).expect("create");
    setup
        .execute_batch(
            "CREATE TABLE item (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, data BLOB, x);
             INSERT INTO item (name, data, x) VALUES ('a', X'00FF', 1.5), ('b', NULL, NULL);",
        )
        .expect("fixture");
    drop(setup);
    let connector = SqliteConnector::open(&path, options).expect("open");
    (dir, connector.sql_engine(settings))
}

fn engine() -> (TempDir, SqlEngine) {
    engine_with(SqlSettings::default())
}

fn sql(query: &str) -> SqlStatement {
    SqlStatement {
        query: query.to_owned(),
        params: Vec::new(),
        tx_id: String::new(),
    }
}

fn in_tx(query: &str, tx_id: &str) -> SqlStatement {
    SqlStatement {
        tx_id: tx_id.to_owned(),
        ..sql(query)
    }
}

/// The results as JSON without their times.
fn shapes(output: &BatchOutput) -> Vec<Value> {
    output
        .results
        .iter()
        .map(|result| {
            let mut value = serde_json::to_value(result).expect("json");
            value.as_object_mut().expect("object").remove("time");
            value
        })
        .collect()
}

async fn one(engine: &SqlEngine, access: SqlAccess, statement: SqlStatement) -> Value {
    let output = engine
        .run("me", access, 100, vec![statement])
        .await
        .expect("batch");
    shapes(&output).remove(0)
}

fn tx_id(result: &Value) -> String {
    result["txId"].as_str().expect("txId").to_owned()
}

#[tokio::test]
async fn reads_writes_and_failures_are_reported_in_order_and_the_batch_goes_on() {
    let (_dir, engine) = engine();
    let mut insert = sql("INSERT INTO item (name) VALUES (?)");
    insert.params = vec![SqlParam {
        name: None,
        value: SqlValue::Text("c".into()),
    }];
    let mut named = sql("SELECT id, name FROM item WHERE name = :name");
    named.params = vec![SqlParam {
        name: Some("name".into()),
        value: SqlValue::Text("c".into()),
    }];
    let output = engine
        .run(
            "me",
            SqlAccess::READ_WRITE,
            100,
            vec![
                sql("SELECT name, data, x, 1 + 1 AS two FROM item WHERE id = 1"),
                sql("SELECT * FROM missing"),
                insert,
                named,
                sql(""),
            ],
        )
        .await
        .expect("batch");
    assert_eq!(
        shapes(&output),
        vec![
            json!({"type": "read", "columns": ["name", "data", "x", "two"],
                   "types": ["TEXT", "BLOB", "REAL", "INTEGER"], "rows": [["a", "AP8=", 1.5, 2]]}),
            json!({"type": "error", "error": "no such table: missing"}),
            json!({"type": "write", "lastInsertId": 3, "rowsAffected": 1, "columns": [],
                   "types": [], "rows": []}),
            json!({"type": "read", "columns": ["id", "name"], "types": ["INTEGER", "TEXT"],
                   "rows": [[3, "c"]]}),
            json!({"type": "error", "error": "Empty query"}),
        ]
    );
    assert!(output.wrote && !output.schema_changed);
}

#[tokio::test]
async fn read_only_access_runs_only_what_sqlite_reports_read_only() {
    let (_dir, engine) = engine();
    for writing in [
        "DELETE FROM item",
        "UPDATE item SET name = 'z'",
        "CREATE TABLE other (id)",
    ] {
        assert_eq!(
            one(&engine, READ_ONLY, sql(writing)).await,
            json!({"type": "error", "error": "not authorized"}),
            "{writing}"
        );
    }
    let count = one(&engine, READ_ONLY, sql("SELECT count(*) AS n FROM item")).await;
    assert_eq!(count["rows"], json!([[2]]));
    let no_transactions = SqlAccess {
        writes: false,
        transactions: false,
    };
    assert_eq!(
        one(&engine, no_transactions, sql("BEGIN")).await,
        json!({"type": "error", "error": "not authorized"})
    );
}

#[tokio::test]
async fn the_authorizer_still_refuses_attach_pragmas_extensions_and_sqlite_tables() {
    let (_dir, engine) = engine();
    for refused in [
        "ATTACH DATABASE 'x.sqlite' AS x",
        "PRAGMA writable_schema = ON",
        "PRAGMA journal_mode = DELETE",
        "SELECT load_extension('x')",
        "DELETE FROM sqlite_sequence",
        "CREATE TEMP TABLE shadow (id)",
        "CREATE VIRTUAL TABLE v USING fts5(x)",
        "SELECT * FROM pragma_database_list",
        "VACUUM INTO 'copy.sqlite'",
        "SELECT zeroblob(100000000)",
    ] {
        let answer = one(&engine, SqlAccess::READ_WRITE, sql(refused)).await;
        assert_eq!(answer["type"], "error", "{refused}");
    }
    let created = engine
        .run(
            "me",
            SqlAccess::READ_WRITE,
            100,
            vec![sql("CREATE TABLE other (id INTEGER PRIMARY KEY, v TEXT)")],
        )
        .await
        .expect("ddl");
    assert!(!created.results[0].is_error(), "{:?}", created.results);
    assert!(created.schema_changed);
}

#[tokio::test]
async fn a_read_past_the_row_limit_is_an_error() {
    let (_dir, engine) = engine();
    let output = engine
        .run("me", READ_ONLY, 1, vec![sql("SELECT id FROM item")])
        .await
        .expect("batch");
    assert_eq!(
        shapes(&output),
        vec![json!({"type": "error", "error":
            "the result has more than 1 rows, the most one statement may return: add a LIMIT"})]
    );
}

#[tokio::test]
async fn a_transaction_spans_batches_and_only_its_owner_may_use_it() {
    let (_dir, engine) = engine();
    let begun = one(&engine, SqlAccess::READ_WRITE, sql("BEGIN")).await;
    let id = tx_id(&begun);
    assert_eq!(engine.open_transactions(), 1);
    let wrote = one(
        &engine,
        SqlAccess::READ_WRITE,
        in_tx("INSERT INTO item (name) VALUES ('t')", &id),
    )
    .await;
    assert_eq!(wrote["rowsAffected"], 1);
    // Outside the transaction the row is not there yet.
    let outside = one(&engine, READ_ONLY, sql("SELECT count(*) FROM item")).await;
    assert_eq!(outside["rows"], json!([[2]]));
    let stranger = engine
        .run(
            "someone else",
            SqlAccess::READ_WRITE,
            100,
            vec![in_tx("COMMIT", &id)],
        )
        .await;
    assert!(matches!(stranger, Err(SqlError::TransactionNotFound)));
    let committed = engine
        .run("me", SqlAccess::READ_WRITE, 100, vec![in_tx("COMMIT", &id)])
        .await
        .expect("commit");
    assert_eq!(shapes(&committed), vec![json!({"type": "commit"})]);
    assert!(committed.wrote);
    let after = one(&engine, READ_ONLY, sql("SELECT count(*) FROM item")).await;
    assert_eq!(after["rows"], json!([[3]]));
    assert!(matches!(
        engine
            .run("me", READ_ONLY, 100, vec![in_tx("SELECT 1", &id)])
            .await,
        Err(SqlError::TransactionNotFound)
    ));
}

#[tokio::test]
async fn transaction_control_outside_a_transaction_is_an_error() {
    let (_dir, engine) = engine();
    for (query, error) in [
        ("COMMIT", "transaction ID is required for this operation"),
        ("ROLLBACK", "transaction ID is required for this operation"),
        (
            "SAVEPOINT a",
            "savepoints need a transaction: start one with BEGIN and send its txId",
        ),
    ] {
        assert_eq!(
            one(&engine, SqlAccess::READ_WRITE, sql(query)).await,
            json!({"type": "error", "error": error})
        );
    }
    let id = tx_id(&one(&engine, SqlAccess::READ_WRITE, sql("BEGIN")).await);
    assert_eq!(
        one(&engine, SqlAccess::READ_WRITE, in_tx("BEGIN", &id)).await,
        json!({"type": "error", "error": "cannot start a transaction within a transaction"})
    );
}

#[tokio::test]
async fn an_idle_transaction_is_rolled_back() {
    let (_dir, engine) = engine_with(SqlSettings {
        idle_timeout: Duration::from_millis(150),
        max_transactions: 4,
    });
    let id = tx_id(&one(&engine, SqlAccess::READ_WRITE, sql("BEGIN")).await);
    one(
        &engine,
        SqlAccess::READ_WRITE,
        in_tx("INSERT INTO item (name) VALUES ('lost')", &id),
    )
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while engine.open_transactions() > 0 {
        assert!(std::time::Instant::now() < deadline, "never expired");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let count = one(&engine, READ_ONLY, sql("SELECT count(*) FROM item")).await;
    assert_eq!(count["rows"], json!([[2]]));
}

#[tokio::test]
async fn transactions_beyond_the_bound_are_refused_before_anything_runs() {
    let (_dir, engine) = engine_with(SqlSettings {
        idle_timeout: Duration::from_secs(10),
        max_transactions: 1,
    });
    one(&engine, SqlAccess::READ_WRITE, sql("BEGIN")).await;
    assert!(matches!(
        engine
            .run("me", SqlAccess::READ_WRITE, 100, vec![sql("BEGIN")])
            .await,
        Err(SqlError::TooManyTransactions)
    ));
    let batch = vec![sql("INSERT INTO item (name) VALUES ('x')"), sql("BEGIN")];
    assert!(matches!(
        engine.run("me", SqlAccess::READ_WRITE, 100, batch).await,
        Err(SqlError::TooManyTransactions)
    ));
    let count = one(&engine, READ_ONLY, sql("SELECT count(*) FROM item")).await;
    assert_eq!(
        count["rows"],
        json!([[2]]),
        "the refused batch wrote nothing"
    );
}

#[tokio::test]
async fn a_read_only_transaction_reads_one_snapshot_and_cannot_write() {
    let (_dir, engine) = engine();
    let id = tx_id(&one(&engine, READ_ONLY, sql("BEGIN")).await);
    let first = one(&engine, READ_ONLY, in_tx("SELECT count(*) FROM item", &id)).await;
    one(
        &engine,
        SqlAccess::READ_WRITE,
        sql("INSERT INTO item (name) VALUES ('later')"),
    )
    .await;
    let again = one(&engine, READ_ONLY, in_tx("SELECT count(*) FROM item", &id)).await;
    assert_eq!(first["rows"], again["rows"]);
    assert_eq!(
        one(&engine, READ_ONLY, in_tx("DELETE FROM item", &id)).await,
        json!({"type": "error", "error": "not authorized"})
    );
    assert_eq!(
        one(&engine, READ_ONLY, in_tx("ROLLBACK", &id)).await,
        json!({"type": "rollback"})
    );
}

#[tokio::test]
async fn a_database_failure_after_statements_ran_is_reported_in_place_and_stops_the_batch() {
    let options = SqliteOptions {
        pool_size: 1,
        acquire_timeout: Duration::from_millis(100),
        statement_timeout: Duration::from_secs(2),
        ..SqliteOptions::default()
    };
    let (_dir, engine) = engine_opened(options, SqlSettings::default());
    let engine = std::sync::Arc::new(engine);
    let tx = tx_id(&one(&engine, SqlAccess::READ_WRITE, sql("BEGIN")).await);
    // The only read connection runs a statement until its time limit.
    let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                   SELECT count(*) FROM c";
    let holder = std::sync::Arc::clone(&engine);
    let held = tokio::spawn(async move {
        holder
            .run("other", READ_ONLY, 100, vec![sql(endless)])
            .await
            .map(|output| output.results.len())
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let probe = engine
            .run("me", READ_ONLY, 100, vec![sql("SELECT 1")])
            .await;
        if matches!(probe, Err(SqlError::Connector(ConnectorError::Busy))) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the lane was never taken"
        );
    }
    // No `BEGIN` in the batch, so nothing needs the read lane before it runs.
    let no_transactions = SqlAccess {
        writes: true,
        transactions: false,
    };
    let output = engine
        .run(
            "me",
            no_transactions,
            100,
            vec![
                in_tx("INSERT INTO item (name) VALUES ('in')", &tx),
                sql("SELECT 1"),
                in_tx("COMMIT", &tx),
            ],
        )
        .await
        .expect("results, since a statement ran");
    assert_eq!(
        shapes(&output),
        vec![
            json!({"type": "write", "lastInsertId": 3, "rowsAffected": 1, "columns": [],
                   "types": [], "rows": []}),
            json!({"type": "error", "error":
                "the database is busy: no connection was free in time"}),
            json!({"type": "error", "error":
                "not run: an earlier statement of the batch found the database failing"}),
        ]
    );
    assert_eq!(held.await.expect("task").expect("batch"), 1);
}
