//! `Services` repository, on SQLite and PostgreSQL.

mod common;

use serde_json::json;
use sluice_system_db::{DbError, NewService, ServicePatch, SystemDb};

backend_tests!(
    insert_returns_the_stored_row_with_defaults_and_audit_columns,
    insert_keeps_an_explicit_label_and_nested_config,
    insert_rejects_a_name_taken_in_another_letter_case_as_a_name_conflict,
    insert_with_an_unknown_actor_is_an_invalid_reference,
    list_returns_every_service_in_id_order,
    get_returns_the_service_or_none,
    get_by_name_ignores_letter_case,
    update_changes_only_the_given_fields_and_stamps_the_modifier,
    update_can_clear_the_description,
    update_returns_none_for_an_unknown_id,
    update_to_a_taken_name_is_a_name_conflict,
    delete_removes_the_service_and_reports_whether_it_existed,
    serialises_with_dreamfactory_field_names,
);

async fn insert_returns_the_stored_row_with_defaults_and_audit_columns(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await;

    let row = db
        .services()
        .insert(&NewService::new("db", "sqlite"), Some(admin.id))
        .await
        .unwrap();

    assert!(row.id > 0);
    assert_eq!(row.name, "db");
    assert_eq!(row.label, "db", "label defaults to the name");
    assert_eq!(row.description, None);
    assert!(row.is_active && row.mutable && row.deletable);
    assert_eq!(row.service_type, "sqlite");
    assert_eq!(row.config, json!({}));
    assert_eq!(row.created_date.len(), "2024-01-01 00:00:00".len());
    assert_eq!(row.created_date, row.last_modified_date);
    assert_eq!(row.created_by_id, Some(admin.id));
    assert_eq!(row.last_modified_by_id, Some(admin.id));
}

async fn insert_keeps_an_explicit_label_and_nested_config(db: SystemDb) {
    let config = json!({"database": "db.sqlite", "max_records": 1000, "statements": ["PRAGMA x"]});
    let new = NewService {
        label: Some("Main DB".into()),
        description: Some("the demo".into()),
        is_active: false,
        mutable: false,
        deletable: false,
        config: config.clone(),
        ..NewService::new("db", "sqlite")
    };

    let row = db.services().insert(&new, None).await.unwrap();

    assert_eq!(row.label, "Main DB");
    assert_eq!(row.description.as_deref(), Some("the demo"));
    assert!(!row.is_active && !row.mutable && !row.deletable);
    assert_eq!(row.config, config);
    assert_eq!(row.created_by_id, None);
}

async fn insert_rejects_a_name_taken_in_another_letter_case_as_a_name_conflict(db: SystemDb) {
    db.services()
        .insert(&NewService::new("files", "local_file"), None)
        .await
        .unwrap();

    let err = db
        .services()
        .insert(&NewService::new("Files", "local_file"), None)
        .await
        .unwrap_err();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "name"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "a record with this name already exists");
}

async fn insert_with_an_unknown_actor_is_an_invalid_reference(db: SystemDb) {
    let err = db
        .services()
        .insert(&NewService::new("db", "sqlite"), Some(999))
        .await
        .unwrap_err();

    assert!(matches!(err, DbError::InvalidReference), "{err:?}");
}

async fn list_returns_every_service_in_id_order(db: SystemDb) {
    for name in ["system", "db", "api_docs"] {
        db.services()
            .insert(&NewService::new(name, "x"), None)
            .await
            .unwrap();
    }

    let names: Vec<String> = db
        .services()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.name)
        .collect();

    assert_eq!(names, ["system", "db", "api_docs"]);
}

async fn get_returns_the_service_or_none(db: SystemDb) {
    let inserted = db
        .services()
        .insert(&NewService::new("db", "sqlite"), None)
        .await
        .unwrap();

    let found = db.services().get(inserted.id).await.unwrap();
    let missing = db.services().get(inserted.id + 1).await.unwrap();

    assert_eq!(found, Some(inserted));
    assert_eq!(missing, None);
}

async fn get_by_name_ignores_letter_case(db: SystemDb) {
    let inserted = db
        .services()
        .insert(&NewService::new("MyDb", "sqlite"), None)
        .await
        .unwrap();

    let found = db.services().get_by_name("mydb").await.unwrap();
    let missing = db.services().get_by_name("other").await.unwrap();

    assert_eq!(found, Some(inserted));
    assert_eq!(missing, None);
}

async fn update_changes_only_the_given_fields_and_stamps_the_modifier(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await;
    let new = NewService {
        description: Some("keep me".into()),
        config: json!({"database": "a.sqlite"}),
        ..NewService::new("db", "sqlite")
    };
    let before = db.services().insert(&new, None).await.unwrap();
    let patch = ServicePatch {
        label: Some("Renamed".into()),
        is_active: Some(false),
        config: Some(json!({"database": "b.sqlite", "allow_upsert": true})),
        ..ServicePatch::default()
    };

    let after = db
        .services()
        .update(before.id, &patch, Some(admin.id))
        .await
        .unwrap()
        .unwrap();

    assert_eq!(after.label, "Renamed");
    assert!(!after.is_active);
    assert_eq!(
        after.config,
        json!({"database": "b.sqlite", "allow_upsert": true})
    );
    assert_eq!(after.name, "db");
    assert_eq!(after.description.as_deref(), Some("keep me"));
    assert_eq!(after.service_type, "sqlite");
    assert!(after.mutable && after.deletable);
    assert_eq!(after.created_date, before.created_date);
    assert!(after.last_modified_date >= before.last_modified_date);
    assert_eq!(after.created_by_id, None);
    assert_eq!(after.last_modified_by_id, Some(admin.id));
    assert_eq!(db.services().get(before.id).await.unwrap(), Some(after));
}

async fn update_can_clear_the_description(db: SystemDb) {
    let new = NewService {
        description: Some("old".into()),
        ..NewService::new("db", "sqlite")
    };
    let before = db.services().insert(&new, None).await.unwrap();
    let patch = ServicePatch {
        description: Some(None),
        ..ServicePatch::default()
    };

    let after = db
        .services()
        .update(before.id, &patch, None)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(after.description, None);
}

async fn update_returns_none_for_an_unknown_id(db: SystemDb) {
    let result = db
        .services()
        .update(42, &ServicePatch::default(), None)
        .await
        .unwrap();

    assert_eq!(result, None);
}

async fn update_to_a_taken_name_is_a_name_conflict(db: SystemDb) {
    db.services()
        .insert(&NewService::new("db", "sqlite"), None)
        .await
        .unwrap();
    let other = db
        .services()
        .insert(&NewService::new("other", "sqlite"), None)
        .await
        .unwrap();
    let patch = ServicePatch {
        name: Some("DB".into()),
        ..ServicePatch::default()
    };

    let err = db
        .services()
        .update(other.id, &patch, None)
        .await
        .unwrap_err();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "name"),
        "{err:?}"
    );
}

async fn delete_removes_the_service_and_reports_whether_it_existed(db: SystemDb) {
    let row = db
        .services()
        .insert(&NewService::new("db", "sqlite"), None)
        .await
        .unwrap();

    let first = db.services().delete(row.id).await.unwrap();
    let second = db.services().delete(row.id).await.unwrap();

    assert!(first);
    assert!(!second);
    assert_eq!(db.services().get(row.id).await.unwrap(), None);
}

async fn serialises_with_dreamfactory_field_names(db: SystemDb) {
    let row = db
        .services()
        .insert(&NewService::new("db", "sqlite"), None)
        .await
        .unwrap();

    let value = serde_json::to_value(&row).unwrap();

    assert_eq!(value["type"], "sqlite");
    assert!(value.get("service_type").is_none());
    assert_eq!(value["config"], json!({}));
    assert_eq!(value["is_active"], true);
}
