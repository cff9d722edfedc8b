//! NSQLite's documented behaviour, asserted with exact JSON, on both surfaces.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use sluice_tests::eventually;

use super::{Options, Surface, Target, Who, on_both_surfaces};

on_both_surfaces!(
    each_role_runs_what_it_may_and_is_refused_the_rest,
    a_batch_mixing_reads_and_writes_reports_each_statement_in_place,
    parameters_bind_by_position_and_by_name,
    a_transaction_spans_three_requests,
    an_idle_transaction_is_rolled_back,
    concurrent_transactions_are_isolated,
    a_transaction_holding_the_write_lock_blocks_other_writes_only_up_to_the_busy_timeout,
    a_transaction_id_of_someone_else_is_not_found,
    transactions_beyond_the_bound_are_refused_with_retry_after,
    the_authorizer_refuses_attach_extensions_and_pragmas_to_everyone,
    a_malformed_body_is_400,
);

fn not_authorized() -> Value {
    json!({"type": "error", "error": "not authorized"})
}

fn write(last_insert_id: i64, rows_affected: u64) -> Value {
    json!({"type": "write", "lastInsertId": last_insert_id, "rowsAffected": rows_affected,
           "columns": [], "types": [], "rows": []})
}

async fn each_role_runs_what_it_may_and_is_refused_the_rest(surface: Surface) {
    let target = Target::new(surface, Options::default()).await;
    let read = json!({"type": "read", "columns": ["id", "name"], "types": ["INTEGER", "TEXT"],
                      "rows": [[1, "Ann"]]});
    for who in [Who::Admin, Who::ReadWrite, Who::ReadOnly] {
        let select = target
            .one(who, "SELECT id, name FROM people WHERE id = 1", "")
            .await;
        assert_eq!(select, read, "{who:?}");
    }
    for (who, id) in [(Who::Admin, 3), (Who::ReadWrite, 4)] {
        let insert = target
            .one(who, "INSERT INTO people (name) VALUES ('New')", "")
            .await;
        assert_eq!(insert, write(id, 1), "{who:?}");
        let ddl = format!("CREATE TABLE t{id} (id INTEGER PRIMARY KEY)");
        assert_eq!(target.one(who, &ddl, "").await, write(0, 0), "{who:?}");
        let tx = target.begin(who).await;
        assert_eq!(
            target.one(who, "ROLLBACK", &tx).await,
            json!({"type": "rollback"})
        );
    }
    for refused in [
        "INSERT INTO people (name) VALUES ('Eve')",
        "UPDATE people SET name = 'Eve'",
        "DELETE FROM people",
        "CREATE TABLE eve (id)",
        "DROP TABLE people",
    ] {
        let answer = target.one(Who::ReadOnly, refused, "").await;
        assert_eq!(answer, not_authorized(), "{refused}");
    }
    assert_eq!(
        target.count().await,
        4,
        "the read-only caller changed nothing"
    );
    // A read-only role may read inside a transaction on the gateway; NSQLite's read-only
    // tokens may not open one.
    let begin = target.one(Who::ReadOnly, "BEGIN", "").await;
    match surface {
        Surface::Gateway => {
            let tx = begin["txId"].as_str().expect("read transaction");
            let inside = target.one(Who::ReadOnly, "DELETE FROM people", tx).await;
            assert_eq!(inside, not_authorized());
            let commit = target.one(Who::ReadOnly, "COMMIT", tx).await;
            assert_eq!(commit, json!({"type": "commit"}));
        }
        Surface::Nsqlite => assert_eq!(begin, not_authorized()),
    }
}

async fn a_batch_mixing_reads_and_writes_reports_each_statement_in_place(surface: Surface) {
    let target = Target::new(surface, Options::default()).await;
    let results = target
        .results(
            Who::ReadWrite,
            json!([
                {"query": "INSERT INTO people (name, score) VALUES ('Cy', 2.5) RETURNING id, name"},
                {"query": "SELECT * FROM missing"},
                {"query": "INSERT INTO people (id, name) VALUES (1, 'Dup')"},
                {"query": ""},
                {"query": "UPDATE people SET score = 0 WHERE score IS NULL"},
                {"query": "SELECT name, score, photo, length(name) AS n FROM people ORDER BY id"},
                {"query": "COMMIT"}
            ]),
        )
        .await;
    assert_eq!(
        results,
        vec![
            json!({"type": "write", "lastInsertId": 3, "rowsAffected": 1,
                   "columns": ["id", "name"], "types": ["INTEGER", "TEXT"], "rows": [[3, "Cy"]]}),
            json!({"type": "error", "error": "no such table: missing"}),
            json!({"type": "error", "error": "UNIQUE constraint failed: people.id"}),
            json!({"type": "error", "error": "Empty query"}),
            write(0, 1),
            json!({"type": "read", "columns": ["name", "score", "photo", "n"],
                   "types": ["TEXT", "REAL", "BLOB", "INTEGER"],
                   "rows": [["Ann", 1.5, "yv4=", 3], ["Bob", 0.0, null, 3], ["Cy", 2.5, null, 2]]}),
            json!({"type": "error", "error": "transaction ID is required for this operation"}),
        ]
    );
    let empty = target.query(Who::ReadWrite, json!([])).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.body["results"], json!([]));
}

async fn parameters_bind_by_position_and_by_name(surface: Surface) {
    let target = Target::new(surface, Options::default()).await;
    let results = target
        .results(
            Who::ReadWrite,
            json!([
                {"query": "INSERT INTO people (name, score) VALUES (?, ?)", "params": ["Di", 4]},
                {"query": "SELECT id, name, score FROM people WHERE name = :name",
                 "params": [{"name": "name", "value": "Di"}]},
                {"query": "SELECT ? IS NULL, ?, ?", "params": [null, true, 0.25]},
                {"query": "SELECT :x", "params": [{"name": "y", "value": 1}]}
            ]),
        )
        .await;
    assert_eq!(
        results,
        vec![
            write(3, 1),
            json!({"type": "read", "columns": ["id", "name", "score"],
                   "types": ["INTEGER", "TEXT", "REAL"], "rows": [[3, "Di", 4.0]]}),
            json!({"type": "read", "columns": ["? IS NULL", "?", "?"],
                   "types": ["INTEGER", "INTEGER", "REAL"], "rows": [[1, 1, 0.25]]}),
            json!({"type": "error", "error": "failed to find named parameter index: y"}),
        ]
    );
}

async fn a_transaction_spans_three_requests(surface: Surface) {
    let target = Target::new(surface, Options::default()).await;
    let tx = target.begin(Who::ReadWrite).await;
    assert_eq!(tx.len(), 36, "a UUID");
    let insert = json!([
        {"query": "INSERT INTO people (name) VALUES ('Tx')", "txId": tx},
        {"query": "SELECT count(*) AS n FROM people", "txId": tx}
    ]);
    let inside = target.results(Who::ReadWrite, insert).await;
    assert_eq!(inside[0], write(3, 1));
    assert_eq!(inside[1]["rows"], json!([[3]]));
    assert_eq!(target.count().await, 2, "not visible outside before COMMIT");
    let commit = target.one(Who::ReadWrite, "COMMIT", &tx).await;
    assert_eq!(commit, json!({"type": "commit"}));
    assert_eq!(target.count().await, 3);
    let after = target
        .query(Who::ReadWrite, json!([{"query": "SELECT 1", "txId": tx}]))
        .await;
    target.assert_error(&after, 404, TX_GONE, "Transaction not found");
}

const TX_GONE: &str = "Transaction not found: it was committed, rolled back, timed out or \
belongs to another session or key.";

async fn an_idle_transaction_is_rolled_back(surface: Surface) {
    let options = Options {
        idle_ms: Some(1000),
        busy_timeout_ms: Some(50),
        ..Options::default()
    };
    let target = Target::new(surface, options).await;
    let tx = target.begin(Who::ReadWrite).await;
    let insert = target.insert(Who::ReadWrite, "Idle", &tx).await;
    assert_eq!(insert, write(3, 1));
    // The transaction holds the write lock until it is rolled back: another caller's write
    // goes through once it is (polling it never touches the transaction).
    eventually(
        "the idle transaction ends",
        Duration::from_secs(30),
        || async {
            let answer = target.insert(Who::OtherReadWrite, "After", "").await;
            if answer["type"] == "write" {
                Ok(())
            } else {
                Err(answer)
            }
        },
    )
    .await;
    let gone = target
        .query(Who::ReadWrite, json!([{"query": "SELECT 1", "txId": tx}]))
        .await;
    target.assert_error(&gone, 404, TX_GONE, "Transaction not found");
    let idle = target
        .one(
            Who::Admin,
            "SELECT count(*) FROM people WHERE name = 'Idle'",
            "",
        )
        .await;
    assert_eq!(idle["rows"], json!([[0]]), "the insert was rolled back");
}

async fn concurrent_transactions_are_isolated(surface: Surface) {
    let target = Target::new(surface, Options::default()).await;
    let first = target.begin(Who::ReadWrite).await;
    let second = target.begin(Who::OtherReadWrite).await;
    assert_ne!(first, second);
    let seen = target
        .one(Who::OtherReadWrite, "SELECT count(*) FROM people", &second)
        .await;
    assert_eq!(seen["rows"], json!([[2]]));
    let inserted = target.insert(Who::ReadWrite, "One", &first).await;
    assert_eq!(inserted, write(3, 1));
    let commit = target.one(Who::ReadWrite, "COMMIT", &first).await;
    assert_eq!(commit, json!({"type": "commit"}));
    // The second keeps the snapshot it started reading.
    let still = target
        .one(Who::OtherReadWrite, "SELECT count(*) FROM people", &second)
        .await;
    assert_eq!(still["rows"], json!([[2]]));
    let rollback = target.one(Who::OtherReadWrite, "ROLLBACK", &second).await;
    assert_eq!(rollback, json!({"type": "rollback"}));
    assert_eq!(target.count().await, 3);
}

async fn a_transaction_holding_the_write_lock_blocks_other_writes_only_up_to_the_busy_timeout(
    surface: Surface,
) {
    let options = Options {
        busy_timeout_ms: Some(300),
        ..Options::default()
    };
    let target = Target::new(surface, options).await;
    let tx = target.begin(Who::ReadWrite).await;
    let locked = target.insert(Who::ReadWrite, "Lock", &tx).await;
    assert_eq!(locked, write(3, 1));
    let started = Instant::now();
    let blocked = target.insert(Who::OtherReadWrite, "Wait", "").await;
    assert_eq!(
        blocked,
        json!({"type": "error", "error": "database is locked"})
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    if let Some((app, admin)) = &target.gateway {
        let reply = app
            .send(
                reqwest::Method::POST,
                "/api/v2/db/_table/people",
                Some(admin),
                Some(json!({"resource": [{"name": "Record"}]})),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            reply.body
        );
        assert_eq!(reply.headers["retry-after"], "1");
    }
    // Reads go on meanwhile.
    assert_eq!(target.count().await, 2);
    let commit = target.one(Who::ReadWrite, "COMMIT", &tx).await;
    assert_eq!(commit, json!({"type": "commit"}));
    let after = target.insert(Who::OtherReadWrite, "Now", "").await;
    assert_eq!(after, write(4, 1));
}

async fn a_transaction_id_of_someone_else_is_not_found(surface: Surface) {
    let target = Target::new(surface, Options::default()).await;
    let tx = target.begin(Who::ReadWrite).await;
    for (who, id) in [
        (Who::OtherReadWrite, tx.as_str()),
        (Who::Admin, tx.as_str()),
        (Who::ReadWrite, "00000000-0000-4000-8000-000000000000"),
    ] {
        // Nothing of the batch runs: the insert before the foreign txId is not made.
        let body = json!([
            {"query": "INSERT INTO people (name) VALUES ('Before')"},
            {"query": "COMMIT", "txId": id}
        ]);
        let reply = target.query(who, body).await;
        target.assert_error(&reply, 404, TX_GONE, "Transaction not found");
    }
    assert_eq!(target.count().await, 2);
    let commit = target.one(Who::ReadWrite, "COMMIT", &tx).await;
    assert_eq!(commit, json!({"type": "commit"}), "the owner still has it");
}

async fn transactions_beyond_the_bound_are_refused_with_retry_after(surface: Surface) {
    let options = Options {
        max_transactions: Some(2),
        ..Options::default()
    };
    let target = Target::new(surface, options).await;
    let first = target.begin(Who::ReadWrite).await;
    target.begin(Who::OtherReadWrite).await;
    for body in [
        json!([{"query": "BEGIN"}]),
        json!([{"query": "INSERT INTO people (name) VALUES ('No')"}, {"query": "BEGIN"}]),
    ] {
        let reply = target.query(Who::ReadWrite, body).await;
        target.assert_error(
            &reply,
            503,
            "Too many open transactions on this service. Retry after the time in Retry-After.",
            "Too many open transactions",
        );
        assert_eq!(reply.headers["retry-after"], "1");
    }
    assert_eq!(target.count().await, 2, "a refused batch runs nothing");
    target.one(Who::ReadWrite, "ROLLBACK", &first).await;
    target.begin(Who::ReadWrite).await;
}

async fn the_authorizer_refuses_attach_extensions_and_pragmas_to_everyone(surface: Surface) {
    let target = Target::new(surface, Options::default()).await;
    for statement in [
        "ATTACH DATABASE 'other.sqlite' AS other",
        "SELECT load_extension('libevil')",
        "PRAGMA writable_schema = ON",
        "PRAGMA foreign_keys = OFF",
        "DELETE FROM sqlite_master",
        "CREATE TEMP TABLE people (id)",
    ] {
        let answer = target.one(Who::Admin, statement, "").await;
        assert_eq!(answer["type"], "error", "{statement}: {answer}");
    }
    assert_eq!(target.count().await, 2);
}

async fn a_malformed_body_is_400(surface: Surface) {
    let target = Target::new(surface, Options::default()).await;
    let gateway = "Invalid SQL batch: the body must be a JSON array of {\"query\", \"params\", \
                   \"txId\"} objects.";
    for body in [
        "[{\"query\": \"SELECT 1\"}",
        "{\"query\": \"SELECT 1\"}",
        "[{\"query\": 1}]",
    ] {
        let reply = target.send(Some(Who::ReadWrite), body.to_owned()).await;
        target.assert_error(&reply, 400, gateway, "Failed to read request body");
    }
}
