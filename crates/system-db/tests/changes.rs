//! The change feed, on SQLite and PostgreSQL: what each write records, that a node applies
//! its own writes before they return, and that another node catches up (by notification on
//! PostgreSQL, by polling on both).

mod common;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sluice_system_db::{
    Applying, ChangeSet, ChangeSink, NewLookup, NewRoleAccess, NewService, SystemDb, Topic,
};

backend_tests!(
    each_write_reaches_the_sink_before_it_returns,
    a_rolled_back_transaction_records_nothing,
    deleting_a_user_records_what_the_delete_cascades_to,
    an_announced_change_reaches_the_sink,
    a_revocation_is_recorded_by_its_jti,
    login_bookkeeping_that_no_node_caches_records_nothing,
);

/// What a sink was given, as `topic:key` (or `everything`), in order.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<String>>,
}

impl Recorder {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.seen.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl ChangeSink for Recorder {
    fn apply<'a>(&'a self, changes: ChangeSet<'a>) -> Applying<'a> {
        Box::pin(async move {
            let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            match changes {
                ChangeSet::Everything => seen.push("everything".to_owned()),
                ChangeSet::Changes(changes) => seen.extend(changes.iter().map(|change| {
                    format!("{:?}:{}", change.topic, change.key.as_deref().unwrap_or(""))
                })),
            }
            Ok(())
        })
    }
}

async fn attached(db: &SystemDb) -> Arc<Recorder> {
    db.start_changes().await.expect("start");
    let recorder = Arc::new(Recorder::default());
    db.attach(recorder.clone()).await.expect("attach");
    recorder
}

async fn each_write_reaches_the_sink_before_it_returns(db: SystemDb) {
    let seen = attached(&db).await;
    let role = common::role(&db, "r").await;
    assert_eq!(seen.take(), [format!("Role:{}", role.id)]);

    let service = common::service(&db, "s").await;
    let mut tx = db.begin().await.unwrap();
    tx.roles()
        .insert_access(
            &NewRoleAccess::new(role.id, Some(service.id), Some("*")),
            None,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        seen.take(),
        [
            format!("Service:{}", service.id),
            format!("Role:{}", role.id)
        ]
    );

    let app = common::app(&db, "a", Some(role.id)).await;
    assert_eq!(seen.take(), [format!("App:{}", app.id)]);

    // Deleting the service takes the role's access row with it.
    db.services().delete(service.id).await.unwrap();
    let mut cascaded = seen.take();
    cascaded.sort();
    assert_eq!(
        cascaded,
        [
            format!("Role:{}", role.id),
            format!("Service:{}", service.id)
        ]
    );
}

async fn a_rolled_back_transaction_records_nothing(db: SystemDb) {
    let seen = attached(&db).await;
    let mut tx = db.begin().await.unwrap();
    tx.services()
        .insert(&NewService::new("gone", "sqlite"), None)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert!(seen.take().is_empty());

    // The version did not move either: the next change follows on without a gap (a gap would
    // reload everything).
    let role = common::role(&db, "r").await;
    assert_eq!(seen.take(), [format!("Role:{}", role.id)]);
}

async fn deleting_a_user_records_what_the_delete_cascades_to(db: SystemDb) {
    let role = common::role(&db, "r").await;
    let app = common::app(&db, "a", None).await;
    let user = common::user(&db, "u@example.com", false).await;
    db.user_app_roles()
        .insert(user.id, app.id, role.id)
        .await
        .unwrap();
    let lookup = db
        .lookups()
        .insert(
            &NewLookup {
                user_id: Some(user.id),
                name: "color".to_owned(),
                value: Some("blue".to_owned()),
                ..NewLookup::default()
            },
            None,
        )
        .await
        .unwrap();
    let seen = attached(&db).await;

    db.users().delete(user.id).await.unwrap();
    let mut cascaded = seen.take();
    cascaded.sort();
    assert_eq!(
        cascaded,
        [
            format!("Lookup:{}", lookup.id),
            format!("User:{}", user.id),
            format!("UserAppRole:{}", user.id),
        ]
    );
}

async fn an_announced_change_reaches_the_sink(db: SystemDb) {
    let seen = attached(&db).await;
    db.announce(Topic::Schema, "7").await.unwrap();
    assert_eq!(seen.take(), ["Schema:7"]);
}

async fn a_revocation_is_recorded_by_its_jti(db: SystemDb) {
    let user = common::user(&db, "u@example.com", false).await;
    let seen = attached(&db).await;
    db.revocations()
        .revoke("jti-1", user.id, 4_000_000_000)
        .await
        .unwrap();
    assert_eq!(seen.take(), ["Revocation:jti-1"]);
    assert_eq!(
        db.revocations().expiry("jti-1").await.unwrap(),
        Some(4_000_000_000)
    );
    assert_eq!(db.revocations().expiry("jti-2").await.unwrap(), None);
    // Pruning expired revocations changes nothing a node refuses.
    db.revocations().prune(4_000_000_001).await.unwrap();
    assert!(seen.take().is_empty());
}

async fn login_bookkeeping_that_no_node_caches_records_nothing(db: SystemDb) {
    let user = common::user(&db, "u@example.com", false).await;
    let seen = attached(&db).await;
    db.token_map()
        .record("jti-1", user.id, None, 0, 4_000_000_000)
        .await
        .unwrap();
    assert!(seen.take().is_empty());
}

/// Two nodes on one database: `b` follows what `a` writes, notified (PostgreSQL) or polling
/// (SQLite: another process on the same file).
async fn another_node_follows(url: &str, a: &SystemDb, notified: bool) {
    let b = SystemDb::connect(url).await.unwrap();
    let seen = attached(&b).await;
    let poll_every = if notified {
        // Long enough that only a notification can be in time.
        Duration::from_secs(60)
    } else {
        Duration::from_millis(100)
    };
    let follower = tokio::spawn({
        let b = b.clone();
        async move { b.follow_changes(poll_every).await }
    });
    // The follower reloads everything once it listens (changes may have been missed before).
    if notified {
        eventually(&seen, |seen| *seen == ["everything"]).await;
    }

    let role = common::role(a, "r").await;
    let elapsed = eventually(&seen, |seen| *seen == [format!("Role:{}", role.id)]).await;
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");

    // Changes that were pruned before `b` read them: `b` reloads everything.
    b.catch_up().await.unwrap();
    seen.take();
    follower.abort();
    common::role(a, "r2").await;
    common::role(a, "r3").await;
    a.prune_changes(i64::MAX).await.unwrap();
    common::role(a, "r4").await;
    b.catch_up().await.unwrap();
    assert_eq!(seen.take(), ["everything"]);
}

/// Waits until what the recorder saw satisfies `done`, at most 5 s; the time it took.
async fn eventually(recorder: &Recorder, done: impl Fn(&Vec<String>) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        {
            let mut seen = recorder.seen.lock().unwrap_or_else(PoisonError::into_inner);
            if done(&seen) {
                seen.clear();
                return started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the other node saw {seen:?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn another_sqlite_process_sees_changes_by_polling() {
    let test = common::sqlite().await;
    another_node_follows(&test.url, &test.db, false).await;
}

#[tokio::test]
async fn another_postgres_node_is_notified_within_a_second() {
    let test = common::postgres().await;
    another_node_follows(&test.url, &test.db, true).await;
}
