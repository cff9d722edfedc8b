//! `Cors` repository, on SQLite and PostgreSQL.

mod common;

use sluice_system_db::{CorsPatch, DbError, NewCors, SystemDb};

backend_tests!(
    insert_stores_a_rule_and_get_reads_it_back,
    a_path_is_unique,
    list_returns_every_rule_in_id_order,
    update_changes_only_the_given_fields_and_clears_nullable_ones,
    update_returns_none_for_an_unknown_id,
    delete_removes_the_rule_and_reports_whether_it_existed,
);

fn rule(path: &str) -> NewCors {
    NewCors {
        path: path.into(),
        description: None,
        origin: "https://app.example".into(),
        header: Some("Content-Type".into()),
        exposed_header: None,
        method: 1,
        max_age: 3600,
        supports_credentials: false,
        enabled: true,
    }
}

async fn insert_stores_a_rule_and_get_reads_it_back(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await;
    let new = NewCors {
        description: Some("the web app".into()),
        exposed_header: Some("X-Total".into()),
        method: 31,
        max_age: 60,
        supports_credentials: true,
        ..rule("api/v2/*")
    };

    let row = db.cors().insert(&new, Some(admin.id)).await.unwrap();

    assert!(row.id > 0);
    assert_eq!(row.path, "api/v2/*");
    assert_eq!(row.description.as_deref(), Some("the web app"));
    assert_eq!(row.origin, "https://app.example");
    assert_eq!(row.header.as_deref(), Some("Content-Type"));
    assert_eq!(row.exposed_header.as_deref(), Some("X-Total"));
    assert_eq!((row.method, row.max_age), (31, 60));
    assert!(row.supports_credentials);
    assert!(row.enabled);
    assert_eq!(row.created_date, row.last_modified_date);
    assert_eq!(row.created_by_id, Some(admin.id));
    assert_eq!(row.last_modified_by_id, Some(admin.id));
    assert_eq!(db.cors().get(row.id).await.unwrap(), Some(row.clone()));
    assert_eq!(db.cors().get(row.id + 1).await.unwrap(), None);
}

async fn a_path_is_unique(db: SystemDb) {
    db.cors().insert(&rule("*"), None).await.unwrap();

    let err = db.cors().insert(&rule("*"), None).await.unwrap_err();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "path"),
        "{err:?}"
    );
    assert_eq!(db.cors().list().await.unwrap().len(), 1);
}

async fn list_returns_every_rule_in_id_order(db: SystemDb) {
    for path in ["c", "a", "b"] {
        db.cors().insert(&rule(path), None).await.unwrap();
    }

    let paths: Vec<String> = db
        .cors()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.path)
        .collect();

    assert_eq!(paths, ["c", "a", "b"]);
}

async fn update_changes_only_the_given_fields_and_clears_nullable_ones(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await;
    let new = NewCors {
        description: Some("old".into()),
        ..rule("api/*")
    };
    let before = db.cors().insert(&new, None).await.unwrap();
    let patch = CorsPatch {
        origin: Some("https://other.example".into()),
        header: Some(None),
        description: Some(None),
        method: Some(3),
        enabled: Some(false),
        ..CorsPatch::default()
    };

    let after = db
        .cors()
        .update(before.id, &patch, Some(admin.id))
        .await
        .unwrap()
        .unwrap();

    assert_eq!(after.origin, "https://other.example");
    assert_eq!(after.header, None);
    assert_eq!(after.description, None);
    assert_eq!(after.method, 3);
    assert!(!after.enabled);
    assert_eq!(after.path, "api/*");
    assert_eq!(after.max_age, 3600);
    assert_eq!(after.created_date, before.created_date);
    assert_eq!(after.created_by_id, None);
    assert_eq!(after.last_modified_by_id, Some(admin.id));
    assert_eq!(db.cors().get(before.id).await.unwrap(), Some(after));
}

async fn update_returns_none_for_an_unknown_id(db: SystemDb) {
    let result = db
        .cors()
        .update(42, &CorsPatch::default(), None)
        .await
        .unwrap();

    assert_eq!(result, None);
}

async fn delete_removes_the_rule_and_reports_whether_it_existed(db: SystemDb) {
    let row = db.cors().insert(&rule("*"), None).await.unwrap();

    let first = db.cors().delete(row.id).await.unwrap();
    let second = db.cors().delete(row.id).await.unwrap();

    assert!(first);
    assert!(!second);
    assert_eq!(db.cors().get(row.id).await.unwrap(), None);
}
