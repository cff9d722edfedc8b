//! `UserAppRoles` repository, on SQLite and PostgreSQL.

mod common;

use sluice_system_db::{DbError, SystemDb, UserAppRoleRow};

backend_tests!(
    insert_returns_the_row_and_list_and_for_user_read_it_back,
    role_for_returns_the_assigned_role_or_none,
    a_second_role_for_the_same_user_and_app_is_a_conflict,
    insert_with_an_unknown_user_app_or_role_is_an_invalid_reference,
    update_points_the_assignment_at_another_app_and_role,
    update_onto_an_assigned_app_is_a_conflict,
    update_returns_none_for_an_unknown_id,
    delete_removes_the_assignment_and_reports_whether_it_existed,
    deleting_a_user_deletes_their_assignments,
);

struct Fixture {
    alice: i64,
    bob: i64,
    web: i64,
    cli: i64,
    users: i64,
    admins: i64,
}

async fn fixture(db: &SystemDb) -> Fixture {
    let users = common::role(db, "users").await.id;
    Fixture {
        alice: common::user(db, "alice@example.com", false).await.id,
        bob: common::user(db, "bob@example.com", false).await.id,
        web: common::app(db, "web", Some(users)).await.id,
        cli: common::app(db, "cli", None).await.id,
        users,
        admins: common::role(db, "admins").await.id,
    }
}

async fn insert_returns_the_row_and_list_and_for_user_read_it_back(db: SystemDb) {
    let f = fixture(&db).await;

    let first = db
        .user_app_roles()
        .insert(f.alice, f.web, f.admins)
        .await
        .unwrap();
    let second = db
        .user_app_roles()
        .insert(f.bob, f.web, f.users)
        .await
        .unwrap();
    let third = db
        .user_app_roles()
        .insert(f.alice, f.cli, f.users)
        .await
        .unwrap();

    assert_eq!(
        first,
        UserAppRoleRow {
            id: first.id,
            user_id: f.alice,
            app_id: f.web,
            role_id: f.admins
        }
    );
    assert_eq!(
        db.user_app_roles().list().await.unwrap(),
        [first, second, third]
    );
    assert_eq!(
        db.user_app_roles().for_user(f.alice).await.unwrap(),
        [first, third]
    );
    assert_eq!(db.user_app_roles().for_user(404).await.unwrap(), []);
}

async fn role_for_returns_the_assigned_role_or_none(db: SystemDb) {
    let f = fixture(&db).await;
    db.user_app_roles()
        .insert(f.alice, f.web, f.admins)
        .await
        .unwrap();

    let assigned = db.user_app_roles().role_for(f.alice, f.web).await.unwrap();
    let other_app = db.user_app_roles().role_for(f.alice, f.cli).await.unwrap();
    let other_user = db.user_app_roles().role_for(f.bob, f.web).await.unwrap();

    assert_eq!(assigned, Some(f.admins));
    assert_eq!(other_app, None);
    assert_eq!(other_user, None);
}

async fn a_second_role_for_the_same_user_and_app_is_a_conflict(db: SystemDb) {
    let f = fixture(&db).await;
    db.user_app_roles()
        .insert(f.alice, f.web, f.admins)
        .await
        .unwrap();

    let err = db
        .user_app_roles()
        .insert(f.alice, f.web, f.users)
        .await
        .unwrap_err();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "user_id,app_id"),
        "{err:?}"
    );
}

async fn insert_with_an_unknown_user_app_or_role_is_an_invalid_reference(db: SystemDb) {
    let f = fixture(&db).await;

    let errors = [
        db.user_app_roles().insert(404, f.web, f.users).await,
        db.user_app_roles().insert(f.alice, 404, f.users).await,
        db.user_app_roles().insert(f.alice, f.web, 404).await,
    ];

    for result in errors {
        assert!(
            matches!(result, Err(DbError::InvalidReference)),
            "{result:?}"
        );
    }
    assert_eq!(db.user_app_roles().list().await.unwrap(), []);
}

async fn update_points_the_assignment_at_another_app_and_role(db: SystemDb) {
    let f = fixture(&db).await;
    let row = db
        .user_app_roles()
        .insert(f.alice, f.web, f.admins)
        .await
        .unwrap();

    let after = db
        .user_app_roles()
        .update(row.id, f.cli, f.users)
        .await
        .unwrap();

    let expected = UserAppRoleRow {
        app_id: f.cli,
        role_id: f.users,
        ..row
    };
    assert_eq!(after, Some(expected));
    assert_eq!(
        db.user_app_roles().role_for(f.alice, f.web).await.unwrap(),
        None
    );
    assert_eq!(
        db.user_app_roles().role_for(f.alice, f.cli).await.unwrap(),
        Some(f.users)
    );
}

async fn update_onto_an_assigned_app_is_a_conflict(db: SystemDb) {
    let f = fixture(&db).await;
    db.user_app_roles()
        .insert(f.alice, f.web, f.admins)
        .await
        .unwrap();
    let row = db
        .user_app_roles()
        .insert(f.alice, f.cli, f.users)
        .await
        .unwrap();

    let err = db
        .user_app_roles()
        .update(row.id, f.web, f.users)
        .await
        .unwrap_err();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "user_id,app_id"),
        "{err:?}"
    );
}

async fn update_returns_none_for_an_unknown_id(db: SystemDb) {
    let f = fixture(&db).await;

    let result = db
        .user_app_roles()
        .update(42, f.web, f.users)
        .await
        .unwrap();

    assert_eq!(result, None);
}

async fn delete_removes_the_assignment_and_reports_whether_it_existed(db: SystemDb) {
    let f = fixture(&db).await;
    let row = db
        .user_app_roles()
        .insert(f.alice, f.web, f.admins)
        .await
        .unwrap();

    let first = db.user_app_roles().delete(row.id).await.unwrap();
    let second = db.user_app_roles().delete(row.id).await.unwrap();

    assert!(first);
    assert!(!second);
    assert_eq!(
        db.user_app_roles().role_for(f.alice, f.web).await.unwrap(),
        None
    );
}

async fn deleting_a_user_deletes_their_assignments(db: SystemDb) {
    let f = fixture(&db).await;
    db.user_app_roles()
        .insert(f.alice, f.web, f.admins)
        .await
        .unwrap();
    let bobs = db
        .user_app_roles()
        .insert(f.bob, f.web, f.users)
        .await
        .unwrap();

    db.users().delete(f.alice).await.unwrap();

    assert_eq!(db.user_app_roles().list().await.unwrap(), [bobs]);
}
