//! `Roles` repository (the role rows), on SQLite and PostgreSQL. The access
//! row queries of the same repository are in `role_access.rs`.

mod common;

use sluice_system_db::{DbError, NewLookup, NewRole, NewRoleAccess, RolePatch, SystemDb};

backend_tests!(
    insert_returns_the_stored_row_with_audit_columns,
    insert_keeps_a_description_and_an_inactive_flag,
    insert_rejects_a_name_taken_in_another_letter_case_as_a_name_conflict,
    insert_with_an_unknown_actor_is_an_invalid_reference,
    list_returns_every_role_in_id_order,
    get_returns_the_role_or_none,
    update_changes_only_the_given_fields_and_stamps_the_modifier,
    update_can_clear_the_description,
    update_returns_none_for_an_unknown_id,
    update_to_a_taken_name_is_a_name_conflict,
    delete_removes_the_role_and_reports_whether_it_existed,
    delete_cascades_to_access_rows_assignments_and_lookups_and_clears_app_roles,
    serialises_with_dreamfactory_field_names,
);

async fn insert_returns_the_stored_row_with_audit_columns(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await;

    let row = db
        .roles()
        .insert(&NewRole::new("readers"), Some(admin.id))
        .await
        .unwrap();

    assert!(row.id > 0);
    assert_eq!(row.name, "readers");
    assert_eq!(row.description, None);
    assert!(row.is_active);
    assert_eq!(row.created_date.len(), "2024-01-01 00:00:00".len());
    assert_eq!(row.created_date, row.last_modified_date);
    assert_eq!(row.created_by_id, Some(admin.id));
    assert_eq!(row.last_modified_by_id, Some(admin.id));
}

async fn insert_keeps_a_description_and_an_inactive_flag(db: SystemDb) {
    let new = NewRole {
        description: Some("read only".into()),
        is_active: false,
        ..NewRole::new("readers")
    };

    let row = db.roles().insert(&new, None).await.unwrap();

    assert_eq!(row.description.as_deref(), Some("read only"));
    assert!(!row.is_active);
    assert_eq!(row.created_by_id, None);
}

async fn insert_rejects_a_name_taken_in_another_letter_case_as_a_name_conflict(db: SystemDb) {
    common::role(&db, "readers").await;

    let err = db
        .roles()
        .insert(&NewRole::new("READERS"), None)
        .await
        .unwrap_err();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "name"),
        "{err:?}"
    );
}

async fn insert_with_an_unknown_actor_is_an_invalid_reference(db: SystemDb) {
    let err = db
        .roles()
        .insert(&NewRole::new("readers"), Some(999))
        .await
        .unwrap_err();

    assert!(matches!(err, DbError::InvalidReference), "{err:?}");
}

async fn list_returns_every_role_in_id_order(db: SystemDb) {
    for name in ["writers", "admins", "readers"] {
        common::role(&db, name).await;
    }

    let names: Vec<String> = db
        .roles()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.name)
        .collect();

    assert_eq!(names, ["writers", "admins", "readers"]);
}

async fn get_returns_the_role_or_none(db: SystemDb) {
    let inserted = common::role(&db, "readers").await;

    let found = db.roles().get(inserted.id).await.unwrap();
    let missing = db.roles().get(inserted.id + 1).await.unwrap();

    assert_eq!(found, Some(inserted));
    assert_eq!(missing, None);
}

async fn update_changes_only_the_given_fields_and_stamps_the_modifier(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await;
    let new = NewRole {
        description: Some("keep me".into()),
        ..NewRole::new("readers")
    };
    let before = db.roles().insert(&new, None).await.unwrap();
    let patch = RolePatch {
        is_active: Some(false),
        ..RolePatch::default()
    };

    let after = db
        .roles()
        .update(before.id, &patch, Some(admin.id))
        .await
        .unwrap()
        .unwrap();

    assert!(!after.is_active);
    assert_eq!(after.name, "readers");
    assert_eq!(after.description.as_deref(), Some("keep me"));
    assert_eq!(after.created_date, before.created_date);
    assert!(after.last_modified_date >= before.last_modified_date);
    assert_eq!(after.created_by_id, None);
    assert_eq!(after.last_modified_by_id, Some(admin.id));
    assert_eq!(db.roles().get(before.id).await.unwrap(), Some(after));
}

async fn update_can_clear_the_description(db: SystemDb) {
    let new = NewRole {
        description: Some("old".into()),
        ..NewRole::new("readers")
    };
    let before = db.roles().insert(&new, None).await.unwrap();
    let patch = RolePatch {
        name: Some("viewers".into()),
        description: Some(None),
        ..RolePatch::default()
    };

    let after = db
        .roles()
        .update(before.id, &patch, None)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(after.name, "viewers");
    assert_eq!(after.description, None);
    assert!(after.is_active);
}

async fn update_returns_none_for_an_unknown_id(db: SystemDb) {
    let result = db
        .roles()
        .update(42, &RolePatch::default(), None)
        .await
        .unwrap();

    assert_eq!(result, None);
}

async fn update_to_a_taken_name_is_a_name_conflict(db: SystemDb) {
    common::role(&db, "readers").await;
    let other = common::role(&db, "writers").await;
    let patch = RolePatch {
        name: Some("Readers".into()),
        ..RolePatch::default()
    };

    let err = db.roles().update(other.id, &patch, None).await.unwrap_err();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "name"),
        "{err:?}"
    );
}

async fn delete_removes_the_role_and_reports_whether_it_existed(db: SystemDb) {
    let role = common::role(&db, "readers").await;

    let first = db.roles().delete(role.id).await.unwrap();
    let second = db.roles().delete(role.id).await.unwrap();

    assert!(first);
    assert!(!second);
    assert_eq!(db.roles().get(role.id).await.unwrap(), None);
}

async fn delete_cascades_to_access_rows_assignments_and_lookups_and_clears_app_roles(db: SystemDb) {
    let user = common::user(&db, "u@example.com", false).await;
    let doomed = common::role(&db, "doomed").await;
    let kept = common::role(&db, "kept").await;
    let app = common::app(&db, "web", Some(doomed.id)).await;
    let other_app = common::app(&db, "cli", Some(kept.id)).await;
    db.roles()
        .insert_access(&NewRoleAccess::new(doomed.id, None, Some("*")), None)
        .await
        .unwrap();
    let kept_access = db
        .roles()
        .insert_access(&NewRoleAccess::new(kept.id, None, Some("*")), None)
        .await
        .unwrap();
    db.user_app_roles()
        .insert(user.id, other_app.id, doomed.id)
        .await
        .unwrap();
    let role_lookup = NewLookup {
        role_id: Some(doomed.id),
        name: "tenant".into(),
        ..NewLookup::default()
    };
    db.lookups().insert(&role_lookup, None).await.unwrap();

    assert!(db.roles().delete(doomed.id).await.unwrap());

    assert_eq!(db.roles().list_access().await.unwrap(), [kept_access]);
    assert_eq!(db.user_app_roles().list().await.unwrap(), []);
    assert_eq!(db.lookups().list().await.unwrap(), []);
    let app_after = db.apps().get(app.id).await.unwrap().unwrap();
    assert_eq!(app_after.role_id, None, "the app survives without a role");
    let other_after = db.apps().get(other_app.id).await.unwrap().unwrap();
    assert_eq!(other_after.role_id, Some(kept.id));
    assert!(db.users().get(user.id).await.unwrap().is_some());
}

async fn serialises_with_dreamfactory_field_names(db: SystemDb) {
    let role = common::role(&db, "readers").await;

    let value = serde_json::to_value(&role).unwrap();

    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "created_by_id",
            "created_date",
            "description",
            "id",
            "is_active",
            "last_modified_by_id",
            "last_modified_date",
            "name",
        ]
    );
    assert_eq!(value["is_active"], true);
}
