//! `Lookups` repository, on SQLite and PostgreSQL.

mod common;

use sluice_system_db::{DbError, LookupPatch, NewLookup, SystemDb};

backend_tests!(
    insert_stores_a_system_lookup_and_get_reads_it_back,
    insert_stores_app_role_and_user_lookups,
    insert_with_two_scopes_is_a_constraint_violation,
    insert_with_an_unknown_owner_is_an_invalid_reference,
    a_name_is_unique_within_its_scope_only,
    list_returns_every_lookup_in_id_order,
    update_changes_only_the_given_fields_and_stamps_the_modifier,
    update_clears_nullable_fields_set_to_none,
    update_can_move_a_lookup_to_another_scope,
    update_adding_a_second_scope_is_a_constraint_violation,
    update_returns_none_for_an_unknown_id,
    delete_removes_the_lookup_and_reports_whether_it_existed,
    deleting_a_user_deletes_their_lookups,
    debug_redacts_private_values_only,
);

fn lookup(name: &str, value: &str) -> NewLookup {
    NewLookup {
        name: name.into(),
        value: Some(value.into()),
        ..NewLookup::default()
    }
}

async fn insert_stores_a_system_lookup_and_get_reads_it_back(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await;
    let new = NewLookup {
        private: true,
        description: Some("used by scripts".into()),
        ..lookup("smtp_password", "s3cret")
    };

    let row = db.lookups().insert(&new, Some(admin.id)).await.unwrap();

    assert!(row.id > 0);
    assert_eq!((row.app_id, row.role_id, row.user_id), (None, None, None));
    assert_eq!(row.name, "smtp_password");
    assert_eq!(row.value.as_deref(), Some("s3cret"));
    assert!(row.private);
    assert_eq!(row.description.as_deref(), Some("used by scripts"));
    assert_eq!(row.created_date, row.last_modified_date);
    assert_eq!(row.created_by_id, Some(admin.id));
    assert_eq!(row.last_modified_by_id, Some(admin.id));
    assert_eq!(db.lookups().get(row.id).await.unwrap(), Some(row.clone()));
    assert_eq!(db.lookups().get(row.id + 1).await.unwrap(), None);
}

async fn insert_stores_app_role_and_user_lookups(db: SystemDb) {
    let app = common::app(&db, "web", None).await;
    let role = common::role(&db, "users").await;
    let user = common::user(&db, "u@example.com", false).await;

    let for_app = NewLookup {
        app_id: Some(app.id),
        ..lookup("theme", "dark")
    };
    let for_role = NewLookup {
        role_id: Some(role.id),
        ..lookup("tenant", "7")
    };
    let for_user = NewLookup {
        user_id: Some(user.id),
        value: None,
        ..lookup("nickname", "")
    };
    let a = db.lookups().insert(&for_app, None).await.unwrap();
    let r = db.lookups().insert(&for_role, None).await.unwrap();
    let u = db.lookups().insert(&for_user, None).await.unwrap();

    assert_eq!((a.app_id, a.role_id, a.user_id), (Some(app.id), None, None));
    assert_eq!(
        (r.app_id, r.role_id, r.user_id),
        (None, Some(role.id), None)
    );
    assert_eq!(
        (u.app_id, u.role_id, u.user_id),
        (None, None, Some(user.id))
    );
    assert_eq!(u.value, None);
    assert!(!a.private);
}

async fn insert_with_two_scopes_is_a_constraint_violation(db: SystemDb) {
    let app = common::app(&db, "web", None).await;
    let role = common::role(&db, "users").await;
    let new = NewLookup {
        app_id: Some(app.id),
        role_id: Some(role.id),
        ..lookup("theme", "dark")
    };

    let err = db.lookups().insert(&new, None).await.unwrap_err();

    assert!(matches!(err, DbError::ConstraintViolation), "{err:?}");
    assert_eq!(db.lookups().list().await.unwrap(), []);
}

async fn insert_with_an_unknown_owner_is_an_invalid_reference(db: SystemDb) {
    let new = NewLookup {
        role_id: Some(404),
        ..lookup("tenant", "7")
    };

    let err = db.lookups().insert(&new, None).await.unwrap_err();

    assert!(matches!(err, DbError::InvalidReference), "{err:?}");
}

async fn a_name_is_unique_within_its_scope_only(db: SystemDb) {
    let role = common::role(&db, "users").await;
    let other_role = common::role(&db, "guests").await;
    let in_role = |role_id| NewLookup {
        role_id: Some(role_id),
        ..lookup("tenant", "7")
    };
    db.lookups()
        .insert(&lookup("tenant", "0"), None)
        .await
        .unwrap();
    db.lookups().insert(&in_role(role.id), None).await.unwrap();
    db.lookups()
        .insert(&in_role(other_role.id), None)
        .await
        .unwrap();

    let system_dup = db
        .lookups()
        .insert(&lookup("tenant", "1"), None)
        .await
        .unwrap_err();
    let role_dup = db
        .lookups()
        .insert(&in_role(role.id), None)
        .await
        .unwrap_err();

    for err in [system_dup, role_dup] {
        assert!(
            matches!(&err, DbError::Conflict { field } if field == "name"),
            "{err:?}"
        );
    }
    assert_eq!(db.lookups().list().await.unwrap().len(), 3);
}

async fn list_returns_every_lookup_in_id_order(db: SystemDb) {
    for name in ["c", "a", "b"] {
        db.lookups().insert(&lookup(name, "v"), None).await.unwrap();
    }

    let names: Vec<String> = db
        .lookups()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.name)
        .collect();

    assert_eq!(names, ["c", "a", "b"]);
}

async fn update_changes_only_the_given_fields_and_stamps_the_modifier(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await;
    let new = NewLookup {
        description: Some("keep me".into()),
        ..lookup("host", "db.local")
    };
    let before = db.lookups().insert(&new, None).await.unwrap();
    let patch = LookupPatch {
        value: Some(Some("db.internal".into())),
        private: Some(true),
        ..LookupPatch::default()
    };

    let after = db
        .lookups()
        .update(before.id, &patch, Some(admin.id))
        .await
        .unwrap()
        .unwrap();

    assert_eq!(after.value.as_deref(), Some("db.internal"));
    assert!(after.private);
    assert_eq!(after.name, "host");
    assert_eq!(after.description.as_deref(), Some("keep me"));
    assert_eq!(
        (after.app_id, after.role_id, after.user_id),
        (None, None, None)
    );
    assert_eq!(after.created_date, before.created_date);
    assert!(after.last_modified_date >= before.last_modified_date);
    assert_eq!(after.created_by_id, None);
    assert_eq!(after.last_modified_by_id, Some(admin.id));
    assert_eq!(db.lookups().get(before.id).await.unwrap(), Some(after));
}

async fn update_clears_nullable_fields_set_to_none(db: SystemDb) {
    let new = NewLookup {
        description: Some("old".into()),
        ..lookup("host", "db.local")
    };
    let before = db.lookups().insert(&new, None).await.unwrap();
    let patch = LookupPatch {
        name: Some("hostname".into()),
        value: Some(None),
        description: Some(None),
        ..LookupPatch::default()
    };

    let after = db
        .lookups()
        .update(before.id, &patch, None)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(after.name, "hostname");
    assert_eq!(after.value, None);
    assert_eq!(after.description, None);
}

async fn update_can_move_a_lookup_to_another_scope(db: SystemDb) {
    let app = common::app(&db, "web", None).await;
    let role = common::role(&db, "users").await;
    let new = NewLookup {
        app_id: Some(app.id),
        ..lookup("theme", "dark")
    };
    let before = db.lookups().insert(&new, None).await.unwrap();
    let patch = LookupPatch {
        app_id: Some(None),
        role_id: Some(Some(role.id)),
        ..LookupPatch::default()
    };

    let after = db
        .lookups()
        .update(before.id, &patch, None)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(
        (after.app_id, after.role_id, after.user_id),
        (None, Some(role.id), None)
    );
}

async fn update_adding_a_second_scope_is_a_constraint_violation(db: SystemDb) {
    let app = common::app(&db, "web", None).await;
    let user = common::user(&db, "u@example.com", false).await;
    let new = NewLookup {
        app_id: Some(app.id),
        ..lookup("theme", "dark")
    };
    let before = db.lookups().insert(&new, None).await.unwrap();
    let patch = LookupPatch {
        user_id: Some(Some(user.id)),
        ..LookupPatch::default()
    };

    let err = db
        .lookups()
        .update(before.id, &patch, None)
        .await
        .unwrap_err();

    assert!(matches!(err, DbError::ConstraintViolation), "{err:?}");
    assert_eq!(db.lookups().get(before.id).await.unwrap(), Some(before));
}

async fn update_returns_none_for_an_unknown_id(db: SystemDb) {
    let result = db
        .lookups()
        .update(42, &LookupPatch::default(), None)
        .await
        .unwrap();

    assert_eq!(result, None);
}

async fn delete_removes_the_lookup_and_reports_whether_it_existed(db: SystemDb) {
    let row = db.lookups().insert(&lookup("a", "1"), None).await.unwrap();

    let first = db.lookups().delete(row.id).await.unwrap();
    let second = db.lookups().delete(row.id).await.unwrap();

    assert!(first);
    assert!(!second);
    assert_eq!(db.lookups().get(row.id).await.unwrap(), None);
}

async fn deleting_a_user_deletes_their_lookups(db: SystemDb) {
    let user = common::user(&db, "u@example.com", false).await;
    let system = db.lookups().insert(&lookup("a", "1"), None).await.unwrap();
    let mine = NewLookup {
        user_id: Some(user.id),
        ..lookup("b", "2")
    };
    db.lookups().insert(&mine, Some(user.id)).await.unwrap();

    db.users().delete(user.id).await.unwrap();

    assert_eq!(db.lookups().list().await.unwrap(), [system]);
}

async fn debug_redacts_private_values_only(db: SystemDb) {
    let secret = NewLookup {
        private: true,
        ..lookup("password", "hunter2")
    };
    let private = db.lookups().insert(&secret, None).await.unwrap();
    let public = db
        .lookups()
        .insert(&lookup("colour", "teal"), None)
        .await
        .unwrap();
    let patch = LookupPatch {
        value: Some(Some("hunter3".into())),
        ..LookupPatch::default()
    };

    let debug = format!("{private:?} {secret:?} {patch:?}");

    assert!(!debug.contains("hunter"), "{debug}");
    assert!(format!("{public:?}").contains("teal"));
    assert_eq!(serde_json::to_value(&private).unwrap()["value"], "hunter2");
}
