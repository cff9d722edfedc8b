//! `UserCustom` repository, on SQLite and PostgreSQL.

mod common;

use sluice_system_db::{DbError, SystemDb};

backend_tests!(
    upsert_creates_a_value_stamped_with_the_user,
    upsert_replaces_an_existing_value_in_place,
    upsert_can_store_null,
    upsert_for_an_unknown_user_is_an_invalid_reference,
    get_returns_the_value_or_none_and_names_are_case_sensitive,
    for_user_lists_only_that_users_values_in_id_order,
    delete_removes_the_value_and_reports_whether_it_existed,
    deleting_a_user_deletes_their_values,
);

async fn upsert_creates_a_value_stamped_with_the_user(db: SystemDb) {
    let user = common::user(&db, "u@example.com", false).await;

    let row = db
        .user_custom()
        .upsert(user.id, "theme", Some("dark"))
        .await
        .unwrap();

    assert!(row.id > 0);
    assert_eq!(row.user_id, user.id);
    assert_eq!(row.name, "theme");
    assert_eq!(row.value.as_deref(), Some("dark"));
    assert_eq!(row.created_date, row.last_modified_date);
    assert_eq!(row.created_by_id, Some(user.id));
    assert_eq!(row.last_modified_by_id, Some(user.id));
}

async fn upsert_replaces_an_existing_value_in_place(db: SystemDb) {
    let user = common::user(&db, "u@example.com", false).await;
    let before = db
        .user_custom()
        .upsert(user.id, "theme", Some("dark"))
        .await
        .unwrap();

    let after = db
        .user_custom()
        .upsert(user.id, "theme", Some("light"))
        .await
        .unwrap();

    assert_eq!(after.id, before.id);
    assert_eq!(after.value.as_deref(), Some("light"));
    assert_eq!(after.created_date, before.created_date);
    assert!(after.last_modified_date >= before.last_modified_date);
    assert_eq!(db.user_custom().for_user(user.id).await.unwrap(), [after]);
}

async fn upsert_can_store_null(db: SystemDb) {
    let user = common::user(&db, "u@example.com", false).await;
    db.user_custom()
        .upsert(user.id, "theme", Some("dark"))
        .await
        .unwrap();

    let row = db
        .user_custom()
        .upsert(user.id, "theme", None)
        .await
        .unwrap();

    assert_eq!(row.value, None);
    assert_eq!(
        db.user_custom().get(user.id, "theme").await.unwrap(),
        Some(row)
    );
}

async fn upsert_for_an_unknown_user_is_an_invalid_reference(db: SystemDb) {
    let err = db
        .user_custom()
        .upsert(404, "theme", Some("dark"))
        .await
        .unwrap_err();

    assert!(matches!(err, DbError::InvalidReference), "{err:?}");
}

async fn get_returns_the_value_or_none_and_names_are_case_sensitive(db: SystemDb) {
    let user = common::user(&db, "u@example.com", false).await;
    let other = common::user(&db, "o@example.com", false).await;
    let row = db
        .user_custom()
        .upsert(user.id, "theme", Some("dark"))
        .await
        .unwrap();
    let upper = db
        .user_custom()
        .upsert(user.id, "Theme", Some("light"))
        .await
        .unwrap();

    assert_eq!(
        db.user_custom().get(user.id, "theme").await.unwrap(),
        Some(row.clone())
    );
    assert_eq!(
        db.user_custom().get(user.id, "Theme").await.unwrap(),
        Some(upper.clone())
    );
    assert_ne!(row.id, upper.id);
    assert_eq!(db.user_custom().get(user.id, "font").await.unwrap(), None);
    assert_eq!(db.user_custom().get(other.id, "theme").await.unwrap(), None);
}

async fn for_user_lists_only_that_users_values_in_id_order(db: SystemDb) {
    let user = common::user(&db, "u@example.com", false).await;
    let other = common::user(&db, "o@example.com", false).await;
    for name in ["z", "a", "m"] {
        db.user_custom()
            .upsert(user.id, name, Some("1"))
            .await
            .unwrap();
    }
    db.user_custom()
        .upsert(other.id, "b", Some("2"))
        .await
        .unwrap();

    let names: Vec<String> = db
        .user_custom()
        .for_user(user.id)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.name)
        .collect();

    assert_eq!(names, ["z", "a", "m"]);
    assert_eq!(db.user_custom().for_user(404).await.unwrap(), []);
}

async fn delete_removes_the_value_and_reports_whether_it_existed(db: SystemDb) {
    let user = common::user(&db, "u@example.com", false).await;
    db.user_custom()
        .upsert(user.id, "theme", Some("dark"))
        .await
        .unwrap();
    let kept = db
        .user_custom()
        .upsert(user.id, "font", Some("serif"))
        .await
        .unwrap();

    let first = db.user_custom().delete(user.id, "theme").await.unwrap();
    let second = db.user_custom().delete(user.id, "theme").await.unwrap();

    assert!(first);
    assert!(!second);
    assert_eq!(db.user_custom().for_user(user.id).await.unwrap(), [kept]);
}

async fn deleting_a_user_deletes_their_values(db: SystemDb) {
    let user = common::user(&db, "u@example.com", false).await;
    let other = common::user(&db, "o@example.com", false).await;
    db.user_custom()
        .upsert(user.id, "theme", Some("dark"))
        .await
        .unwrap();
    let kept = db
        .user_custom()
        .upsert(other.id, "theme", Some("light"))
        .await
        .unwrap();

    db.users().delete(user.id).await.unwrap();

    assert_eq!(db.user_custom().for_user(user.id).await.unwrap(), []);
    assert_eq!(db.user_custom().for_user(other.id).await.unwrap(), [kept]);
}
