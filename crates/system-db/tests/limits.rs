//! `Limits` repository, on SQLite and PostgreSQL.

mod common;

use sluice_system_db::{DbError, NewLimit, SystemDb};

backend_tests!(
    insert_stores_a_limit_and_get_reads_it_back,
    a_key_text_is_unique,
    a_limit_for_an_unknown_user_is_refused,
    list_returns_every_limit_in_id_order,
    update_replaces_the_fields_and_keeps_the_creation_date,
    update_returns_none_for_an_unknown_id,
    delete_removes_the_limit_and_reports_whether_it_existed,
);

fn instance(key: &str) -> NewLimit {
    NewLimit {
        kind: "instance".into(),
        key_text: key.into(),
        rate: 10,
        period: 0,
        user_id: None,
        role_id: None,
        service_id: None,
        endpoint: None,
        verb: None,
        name: key.into(),
        description: None,
        is_active: true,
    }
}

async fn insert_stores_a_limit_and_get_reads_it_back(db: SystemDb) {
    let user = common::user(&db, "jo@example.com", false).await;
    let service = common::service(&db, "db").await;
    let new = NewLimit {
        kind: "instance.user.service.endpoint".into(),
        key_text: format!(
            "instance.user:{}.service:{}.endpoint:_table/todo.verb:GET.hour",
            user.id, service.id
        ),
        rate: 100,
        period: 1,
        user_id: Some(user.id),
        service_id: Some(service.id),
        endpoint: Some("_table/todo".into()),
        verb: Some("GET".into()),
        description: Some("reads".into()),
        is_active: false,
        ..instance("unused")
    };

    let row = db.limits().insert(&new).await.unwrap();

    assert!(row.id > 0);
    assert_eq!(row.limit.kind, new.kind);
    assert_eq!(row.limit.key_text, new.key_text);
    assert_eq!((row.limit.rate, row.limit.period), (100, 1));
    assert_eq!(
        (row.limit.user_id, row.limit.role_id),
        (Some(user.id), None)
    );
    assert_eq!(row.limit.service_id, Some(service.id));
    assert_eq!(row.limit.endpoint.as_deref(), Some("_table/todo"));
    assert_eq!(row.limit.verb.as_deref(), Some("GET"));
    assert_eq!(row.limit.name, "unused");
    assert_eq!(row.limit.description.as_deref(), Some("reads"));
    assert!(!row.limit.is_active);
    assert_eq!(row.created_date, row.last_modified_date);
    assert_eq!(db.limits().get(row.id).await.unwrap(), Some(row.clone()));
    assert_eq!(db.limits().get(row.id + 1).await.unwrap(), None);
}

async fn a_key_text_is_unique(db: SystemDb) {
    db.limits()
        .insert(&instance("instance.minute"))
        .await
        .unwrap();

    let err = db
        .limits()
        .insert(&instance("instance.minute"))
        .await
        .unwrap_err();

    assert!(matches!(&err, DbError::Conflict { .. }), "{err:?}");
    assert_eq!(db.limits().list().await.unwrap().len(), 1);
}

async fn a_limit_for_an_unknown_user_is_refused(db: SystemDb) {
    let new = NewLimit {
        kind: "instance.user".into(),
        user_id: Some(4242),
        ..instance("instance.user:4242.minute")
    };

    let err = db.limits().insert(&new).await.unwrap_err();

    assert!(matches!(&err, DbError::InvalidReference), "{err:?}");
}

async fn list_returns_every_limit_in_id_order(db: SystemDb) {
    for key in ["c", "a", "b"] {
        db.limits().insert(&instance(key)).await.unwrap();
    }

    let keys: Vec<String> = db
        .limits()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.limit.key_text)
        .collect();

    assert_eq!(keys, ["c", "a", "b"]);
}

async fn update_replaces_the_fields_and_keeps_the_creation_date(db: SystemDb) {
    let before = db
        .limits()
        .insert(&NewLimit {
            description: Some("old".into()),
            ..instance("instance.minute")
        })
        .await
        .unwrap();
    let change = NewLimit {
        rate: 5,
        period: 2,
        verb: Some("POST".into()),
        is_active: false,
        ..instance("instance.verb:POST.day")
    };

    let after = db
        .limits()
        .update(before.id, &change)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(after.limit.key_text, "instance.verb:POST.day");
    assert_eq!((after.limit.rate, after.limit.period), (5, 2));
    assert_eq!(after.limit.verb.as_deref(), Some("POST"));
    assert_eq!(after.limit.description, None);
    assert!(!after.limit.is_active);
    assert_eq!(after.created_date, before.created_date);
    assert_eq!(db.limits().get(before.id).await.unwrap(), Some(after));
}

async fn update_returns_none_for_an_unknown_id(db: SystemDb) {
    let result = db
        .limits()
        .update(42, &instance("instance.minute"))
        .await
        .unwrap();

    assert_eq!(result, None);
}

async fn delete_removes_the_limit_and_reports_whether_it_existed(db: SystemDb) {
    let row = db
        .limits()
        .insert(&instance("instance.minute"))
        .await
        .unwrap();

    let first = db.limits().delete(row.id).await.unwrap();
    let second = db.limits().delete(row.id).await.unwrap();

    assert!(first);
    assert!(!second);
    assert_eq!(db.limits().get(row.id).await.unwrap(), None);
}
