//! The pipeline with a connector that only records what it is asked: the snapshot is cached
//! in core, and the plan the connector gets already carries the caller's access.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;

use super::*;
use crate::Unrestricted;
use crate::access::RowAccess;
use crate::condition::{ComparisonOp, Condition};
use crate::plan::tests::employees;
use crate::plan::{Projection, ReadKind};
use crate::value::BoundValue;
use crate::write::WriteKind;

/// What the recorder was asked.
#[derive(Default)]
struct Seen {
    introspections: AtomicUsize,
    invalidations: AtomicUsize,
    plans: Mutex<Vec<ReadPlan>>,
}

/// Counts introspections and invalidations, keeps the read plans and answers every read
/// with `[]` (`{}` by id).
#[derive(Default)]
struct Recorder(Arc<Seen>);

#[async_trait]
impl Connector for Recorder {
    async fn introspect(&self) -> Result<SchemaSnapshot, ConnectorError> {
        self.0.introspections.fetch_add(1, Ordering::SeqCst);
        Ok(SchemaSnapshot::new(vec![employees()]))
    }

    async fn execute_read(&self, plan: ReadPlan) -> Result<ReadOutput, ConnectorError> {
        let output = match &plan.kind {
            ReadKind::Single(_) => b"{}".to_vec(),
            _ => b"[]".to_vec(),
        };
        self.0
            .plans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(plan);
        Ok(ReadOutput::Json(output))
    }

    async fn execute_write(&self, plan: WritePlan) -> Result<WriteOutput, ConnectorError> {
        Err(ConnectorError::Internal(format!("{:?}", plan.role)))
    }

    async fn apply_schema_change(
        &self,
        _schema: Arc<SchemaSnapshot>,
        _change: SchemaChange,
    ) -> Result<(), ConnectorError> {
        Ok(())
    }

    fn invalidate(&self) {
        self.0.invalidations.fetch_add(1, Ordering::SeqCst);
    }
}

/// Runs a future that never waits (the recorder answers at once).
fn run<T>(future: impl Future<Output = T>) -> T {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut context) {
            return value;
        }
    }
}

fn database() -> (Arc<Database>, Arc<Seen>) {
    let recorder = Recorder::default();
    let seen = Arc::clone(&recorder.0);
    (Arc::new(Database::new(recorder)), seen)
}

/// A role that sees `dept = 'ops'` and may not read `salary`.
fn ops_role() -> TableAccess {
    let filter =
        sluice_filter::parse("dept = 'ops'", &sluice_filter::Limits::default()).expect("parses");
    let row = RowAccess::restricted(Some(filter), vec!["salary".to_owned()]);
    TableAccess::restricted(Arc::new(row), Arc::new(Unrestricted))
}

fn table(database: &Arc<Database>, access: TableAccess) -> AuthorizedTable {
    AuthorizedTable::new(
        Arc::clone(database),
        "Employees".to_owned(),
        access,
        WriteBounds::default(),
    )
}

#[test]
fn the_connector_gets_plans_with_the_role_applied() {
    let (database, seen) = database();
    let table = table(&database, ops_role());
    run(table.read_records(&ReadRequest::default())).expect("read");
    run(table.read_record("1", &ReadRequest::default())).expect("read");
    let plans = seen.plans.lock().unwrap_or_else(PoisonError::into_inner);
    let dept = plans[0].query.table.column_ref("dept").expect("dept");
    let role = Condition::Compare {
        column: dept,
        op: ComparisonOp::Eq,
        value: BoundValue::Text("ops".into()),
    };
    assert_eq!(plans[0].query.condition, Some(role.clone()));
    assert!(matches!(
        &plans[1].query.condition,
        Some(Condition::And(items)) if items[1] == role
    ));
    for plan in plans.iter() {
        let names: Vec<String> = plan
            .query
            .projection
            .iter()
            .filter_map(|item| match item {
                Projection::Column(column) => Some(plan.query.table.column(*column).name.clone()),
                _ => None,
            })
            .collect();
        assert!(!names.contains(&"salary".to_owned()), "{names:?}");
    }
}

#[test]
fn an_administrator_reads_the_shared_table_unrestricted() {
    let (database, seen) = database();
    let table = table(&database, TableAccess::unrestricted());
    run(table.read_records(&ReadRequest::default())).expect("read");
    let plans = seen.plans.lock().unwrap_or_else(PoisonError::into_inner);
    assert_eq!(plans[0].query.condition, None);
    assert_eq!(plans[0].query.projection.len(), 5);
}

#[test]
fn writes_are_planned_with_the_role_too() {
    let (database, _) = database();
    let request = WriteRequest {
        force: true,
        ..WriteRequest::new(WriteKind::Delete)
    };
    let answer = run(table(&database, ops_role()).write(&request));
    // The recorder answers with the plan's role condition.
    let Err(ConnectorError::Internal(role)) = answer else {
        panic!("{answer:?}");
    };
    assert!(role.starts_with("Some(Compare"), "{role}");
}

#[test]
fn the_snapshot_is_cached_in_core_until_refreshed_or_changed() {
    let (database, seen) = database();
    let table = table(&database, TableAccess::unrestricted());
    run(table.read_records(&ReadRequest::default())).expect("read");
    run(table.read_record("1", &ReadRequest::default())).expect("read");
    assert_eq!(seen.introspections.load(Ordering::SeqCst), 1);
    let refresh = ReadRequest {
        refresh: true,
        ..ReadRequest::default()
    };
    run(table.read_records(&refresh)).expect("read");
    assert_eq!(seen.introspections.load(Ordering::SeqCst), 2);
    run(database.change_schema(SchemaChange::DropTable("employees".into()))).expect("changed");
    assert_eq!(seen.invalidations.load(Ordering::SeqCst), 1);
    run(table.read_records(&ReadRequest::default())).expect("read");
    // One fresh snapshot for the change, one after it.
    assert_eq!(seen.introspections.load(Ordering::SeqCst), 4);
}

#[test]
fn an_unknown_table_is_not_found() {
    let (database, _) = database();
    let missing = AuthorizedTable::new(
        database,
        "nope".to_owned(),
        TableAccess::unrestricted(),
        WriteBounds::default(),
    );
    let result = run(missing.read_records(&ReadRequest::default()));
    assert!(matches!(result, Err(ConnectorError::TableNotFound(name)) if name == "nope"));
}
