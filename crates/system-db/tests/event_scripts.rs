//! `EventScripts` repository, on SQLite and PostgreSQL.

mod common;

use sluice_system_db::{DbError, EventScriptWrite, SystemDb};

backend_tests!(
    insert_stores_a_script_and_get_reads_it_back,
    an_event_has_one_script,
    update_replaces_the_writable_fields,
    delete_removes_the_script_and_reports_whether_it_existed,
);

fn script(content: &str) -> EventScriptWrite {
    EventScriptWrite {
        script_type: "nodejs".into(),
        content: Some(content.into()),
        config: None,
        is_active: true,
        allow_event_modification: false,
    }
}

const EVENT: &str = "db._table.todo.get.pre_process";

async fn insert_stores_a_script_and_get_reads_it_back(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await.id;
    let row = db
        .event_scripts()
        .insert(EVENT, &script("return 1;"), Some(admin))
        .await
        .unwrap();
    assert_eq!(row.name, EVENT);
    assert_eq!(row.script_type, "nodejs");
    assert_eq!(row.content.as_deref(), Some("return 1;"));
    assert!(row.is_active && !row.allow_event_modification);
    assert_eq!(
        (row.created_by_id, row.last_modified_by_id),
        (Some(admin), Some(admin))
    );
    assert_eq!(
        db.event_scripts().get(EVENT).await.unwrap(),
        Some(row.clone())
    );
    assert_eq!(db.event_scripts().list().await.unwrap(), vec![row]);
    assert_eq!(db.event_scripts().get("other").await.unwrap(), None);
}

async fn an_event_has_one_script(db: SystemDb) {
    db.event_scripts()
        .insert(EVENT, &script("a"), None)
        .await
        .unwrap();
    let again = db.event_scripts().insert(EVENT, &script("b"), None).await;
    assert!(matches!(again, Err(DbError::Conflict { .. })), "{again:?}");
}

async fn update_replaces_the_writable_fields(db: SystemDb) {
    db.event_scripts()
        .insert(EVENT, &script("a"), None)
        .await
        .unwrap();
    let changed = EventScriptWrite {
        content: Some("b".into()),
        config: Some("{}".into()),
        is_active: false,
        allow_event_modification: true,
        ..script("")
    };
    let row = db
        .event_scripts()
        .update(EVENT, &changed, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.content.as_deref(), Some("b"));
    assert_eq!(row.config.as_deref(), Some("{}"));
    assert!(!row.is_active && row.allow_event_modification);
    assert_eq!(
        db.event_scripts()
            .update("none", &changed, None)
            .await
            .unwrap(),
        None
    );
}

async fn delete_removes_the_script_and_reports_whether_it_existed(db: SystemDb) {
    db.event_scripts()
        .insert(EVENT, &script("a"), None)
        .await
        .unwrap();
    assert!(db.event_scripts().delete(EVENT).await.unwrap());
    assert!(!db.event_scripts().delete(EVENT).await.unwrap());
    assert_eq!(db.event_scripts().list().await.unwrap(), vec![]);
}
