//! `SystemDb::begin` / `SystemTx`, on SQLite and PostgreSQL.

mod common;

use sluice_system_db::{DbError, NewRole, NewRoleAccess, NewService, SystemDb};

backend_tests!(
    a_committed_batch_is_visible_afterwards,
    a_rolled_back_batch_leaves_nothing_behind,
    a_dropped_transaction_rolls_back,
    a_conflict_inside_a_batch_can_be_rolled_back_as_a_whole,
    a_transaction_reads_its_own_writes,
    a_role_and_its_access_rows_are_written_or_discarded_together,
);

async fn insert_batch(db: &SystemDb, names: &[&str]) -> sluice_system_db::SystemTx {
    let mut tx = db.begin().await.unwrap();
    for name in names {
        tx.services()
            .insert(&NewService::new(*name, "sqlite"), None)
            .await
            .unwrap();
    }
    tx
}

async fn service_names(db: &SystemDb) -> Vec<String> {
    db.services()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.name)
        .collect()
}

async fn a_committed_batch_is_visible_afterwards(db: SystemDb) {
    let tx = insert_batch(&db, &["a", "b", "c"]).await;

    tx.commit().await.unwrap();

    assert_eq!(service_names(&db).await, ["a", "b", "c"]);
}

async fn a_rolled_back_batch_leaves_nothing_behind(db: SystemDb) {
    let tx = insert_batch(&db, &["a", "b"]).await;

    tx.rollback().await.unwrap();

    assert!(service_names(&db).await.is_empty());
}

async fn a_dropped_transaction_rolls_back(db: SystemDb) {
    let tx = insert_batch(&db, &["a"]).await;

    drop(tx);

    assert!(service_names(&db).await.is_empty());
}

async fn a_conflict_inside_a_batch_can_be_rolled_back_as_a_whole(db: SystemDb) {
    let mut tx = insert_batch(&db, &["a", "b"]).await;

    let err = tx
        .services()
        .insert(&NewService::new("A", "sqlite"), None)
        .await
        .unwrap_err();
    tx.rollback().await.unwrap();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "name"),
        "{err:?}"
    );
    assert!(service_names(&db).await.is_empty());
}

async fn a_transaction_reads_its_own_writes(db: SystemDb) {
    let mut tx = insert_batch(&db, &["a"]).await;

    let inside = tx.services().get_by_name("a").await.unwrap();
    tx.settings().set_setting("k", "v").await.unwrap();
    let setting = tx.settings().get_setting("k").await.unwrap();
    tx.commit().await.unwrap();

    assert!(inside.is_some());
    assert_eq!(setting.as_deref(), Some("v"));
}

async fn a_role_and_its_access_rows_are_written_or_discarded_together(db: SystemDb) {
    let service = db
        .services()
        .insert(&NewService::new("db", "sqlite"), None)
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    let role = tx
        .roles()
        .insert(&NewRole::new("readers"), None)
        .await
        .unwrap();
    tx.roles()
        .insert_access(&NewRoleAccess::new(role.id, Some(service.id), None), None)
        .await
        .unwrap();
    let bad = tx
        .roles()
        .insert_access(&NewRoleAccess::new(role.id, Some(404), None), None)
        .await;
    assert!(matches!(bad, Err(DbError::InvalidReference)), "{bad:?}");

    tx.rollback().await.unwrap();

    assert_eq!(db.roles().list().await.unwrap(), []);
    assert_eq!(db.roles().list_access().await.unwrap(), []);
}
