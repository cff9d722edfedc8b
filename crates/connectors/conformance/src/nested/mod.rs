//! Nested writes every connector must answer alike on the supplies data set: has_many
//! children inserted, adopted, updated and disowned, belongs_to parents created or linked
//! first, many_many junction rows created and removed, failures with and without
//! `rollback`, `related` on the answer, and the role's access to each related table.
//!
//! Each engine creates the tables in its own dialect (only the key and text types differ)
//! and then runs [`ROWS`]; every check reads the tables back through the connector, so no
//! check holds SQL.

mod access;
mod cases;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::future::LocalBoxFuture;
use futures::{FutureExt, StreamExt};
use serde_json::{Value, json};
use sluice_connector_core::{Database, WriteKind, WriteRequest};

use crate::Fixture;
use crate::write::{by_id, read_rows, with_body};

/// The rows every engine's supplies fixture starts with, after its own `CREATE TABLE`s of
/// `supplies` (id, name NOT NULL), `locations` (id, name NOT NULL, supply_id), `bins` (id,
/// label, supply_id NOT NULL), `codes` (code as a text key, note, supply_id), `tags` (id,
/// label NOT NULL UNIQUE) and the junction `supply_tags` (id, supply_id, tag_id), every
/// `supply_id` and `tag_id` a foreign key. Keys are left to the engine, so its counters
/// continue after them.
pub const ROWS: &str = "INSERT INTO supplies (name) VALUES ('Broom');
INSERT INTO locations (name) VALUES ('Hall');
INSERT INTO bins (label, supply_id) VALUES ('b1', 1);
INSERT INTO tags (label) VALUES ('cleaning');
";

/// One nested-write behaviour, checked on a fresh supplies fixture; it panics on the first
/// answer or row that differs.
pub struct Check {
    pub name: &'static str,
    pub run: fn(Arc<Database>) -> LocalBoxFuture<'static, ()>,
}

/// The checks of each function named, under its name.
macro_rules! named_checks {
    ($($check:ident),* $(,)?) => {
        vec![$(Check { name: stringify!($check), run: |db| Box::pin($check(db)) }),*]
    };
}
use named_checks;

pub fn checks() -> Vec<Check> {
    let mut checks = cases::checks();
    checks.extend(access::checks());
    checks
}

/// Checks run at once, each on a database of its own.
const CONCURRENT_CHECKS: usize = 4;

/// Runs every check of [`checks`] on a fresh fixture of its own (`fixture` loads the
/// supplies data set into a new database) and names every check that failed at once (each
/// failure's message is printed as it panics).
///
/// # Panics
///
/// When a check fails.
pub async fn run<F: Fixture>(fixture: impl AsyncFn() -> F) {
    let fixture = &fixture;
    let failed: Vec<&str> = futures::stream::iter(checks())
        .map(|check| async move {
            let fixture = fixture().await;
            let outcome = AssertUnwindSafe((check.run)(fixture.database()))
                .catch_unwind()
                .await;
            outcome.is_err().then_some(check.name)
        })
        .buffer_unordered(CONCURRENT_CHECKS)
        .filter_map(|failed| async move { failed })
        .collect()
        .await;
    assert!(failed.is_empty(), "failed: {}", failed.join("; "));
}

pub(crate) fn post(body: Value) -> WriteRequest {
    with_body(WriteKind::Create, body)
}

pub(crate) fn patch(id: &str, body: Value) -> WriteRequest {
    by_id(WriteKind::Update, id, body)
}

/// `table`'s rows with `fields`, ordered by the first of them, read through the connector.
pub(crate) async fn rows(database: &Arc<Database>, table: &str, fields: &str) -> Value {
    read_rows(database, table, fields)
        .await
        .unwrap_or_else(|error| panic!("{table}: {error}"))
}

pub(crate) const MANY_TO_ONE: &str = "Failed to update many to one assignment.";
pub(crate) const BELONGS_TO: &str = "Failed to update belongs-to assignment.";
pub(crate) const MANY_MANY: &str = "Failed to update many to one map assignment.";

/// A nested failure as it appears in a batch error's `context.resource`: `message` is the
/// line under the relationship's `wrapper`.
pub(crate) fn nested_error(
    wrapper: &str,
    message: &str,
    related: &str,
    index: Option<usize>,
    error: Value,
) -> Value {
    let mut context = json!({"related": related, "error": error});
    if let Some(index) = index {
        context["index"] = json!(index);
    }
    json!({
        "code": 400,
        "context": context,
        "message": format!("{wrapper}\n{message}"),
        "status_code": 400,
    })
}

/// The line under the wrapper when a statement on the related table failed.
pub(crate) fn not_all(participle: &str) -> String {
    format!("Batch Error: Not all requested records could be {participle}.")
}
