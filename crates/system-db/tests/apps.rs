//! `Apps` repository, on SQLite and PostgreSQL.

mod common;

use sluice_system_db::{AppPatch, DbError, NewApp, NewLookup, NewUser, SystemDb};

backend_tests!(
    insert_stores_every_field_and_get_reads_it_back,
    new_app_uses_dreamfactory_defaults,
    get_by_api_key_matches_the_exact_key_only,
    insert_rejects_a_name_taken_in_another_letter_case_as_a_name_conflict,
    insert_rejects_a_taken_api_key_as_an_api_key_conflict,
    insert_with_an_unknown_role_or_storage_service_is_an_invalid_reference,
    list_returns_every_app_in_id_order,
    update_changes_only_the_given_fields_and_stamps_the_modifier,
    update_clears_nullable_fields_set_to_none,
    update_regenerates_the_api_key,
    update_to_a_taken_api_key_is_an_api_key_conflict,
    update_returns_none_for_an_unknown_id,
    delete_removes_the_app_and_what_only_it_owned,
    serialises_type_and_api_key_but_debug_redacts_the_key,
);

fn full_app(role_id: i64, storage_service_id: i64) -> NewApp {
    NewApp {
        description: Some("the web client".into()),
        is_active: false,
        app_type: 1,
        path: Some("index.html".into()),
        url: Some("https://example.com/app".into()),
        storage_service_id: Some(storage_service_id),
        storage_container: Some("web".into()),
        requires_fullscreen: true,
        allow_fullscreen_toggle: false,
        toggle_location: "bottom".into(),
        role_id: Some(role_id),
        ..NewApp::new("web", "0123456789abcdef")
    }
}

async fn insert_stores_every_field_and_get_reads_it_back(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await;
    let role = common::role(&db, "users").await;
    let files = common::service(&db, "files").await;

    let row = db
        .apps()
        .insert(&full_app(role.id, files.id), Some(admin.id))
        .await
        .unwrap();

    assert!(row.id > 0);
    assert_eq!(row.name, "web");
    assert_eq!(row.api_key, "0123456789abcdef");
    assert_eq!(row.description.as_deref(), Some("the web client"));
    assert!(!row.is_active);
    assert_eq!(row.app_type, 1);
    assert_eq!(row.path.as_deref(), Some("index.html"));
    assert_eq!(row.url.as_deref(), Some("https://example.com/app"));
    assert_eq!(row.storage_service_id, Some(files.id));
    assert_eq!(row.storage_container.as_deref(), Some("web"));
    assert!(row.requires_fullscreen);
    assert!(!row.allow_fullscreen_toggle);
    assert_eq!(row.toggle_location, "bottom");
    assert_eq!(row.role_id, Some(role.id));
    assert_eq!(row.created_date, row.last_modified_date);
    assert_eq!(row.created_by_id, Some(admin.id));
    assert_eq!(row.last_modified_by_id, Some(admin.id));
    assert_eq!(db.apps().get(row.id).await.unwrap(), Some(row.clone()));
    assert_eq!(db.apps().get(row.id + 1).await.unwrap(), None);
}

async fn new_app_uses_dreamfactory_defaults(db: SystemDb) {
    let row = db
        .apps()
        .insert(&NewApp::new("cli", "k"), None)
        .await
        .unwrap();

    assert!(row.is_active);
    assert_eq!(row.app_type, 0);
    assert_eq!((row.path, row.url, row.description), (None, None, None));
    assert_eq!(
        (row.storage_service_id, row.storage_container),
        (None, None)
    );
    assert!(!row.requires_fullscreen);
    assert!(row.allow_fullscreen_toggle);
    assert_eq!(row.toggle_location, "top");
    assert_eq!(row.role_id, None);
    assert_eq!(row.created_by_id, None);
}

async fn get_by_api_key_matches_the_exact_key_only(db: SystemDb) {
    let app = common::app(&db, "web", None).await;

    let found = db.apps().get_by_api_key("key-web").await.unwrap();
    let other_case = db.apps().get_by_api_key("KEY-WEB").await.unwrap();
    let missing = db.apps().get_by_api_key("key-cli").await.unwrap();

    assert_eq!(found, Some(app));
    assert_eq!(other_case, None);
    assert_eq!(missing, None);
}

async fn insert_rejects_a_name_taken_in_another_letter_case_as_a_name_conflict(db: SystemDb) {
    common::app(&db, "web", None).await;

    let err = db
        .apps()
        .insert(&NewApp::new("WEB", "another-key"), None)
        .await
        .unwrap_err();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "name"),
        "{err:?}"
    );
}

async fn insert_rejects_a_taken_api_key_as_an_api_key_conflict(db: SystemDb) {
    common::app(&db, "web", None).await;

    let err = db
        .apps()
        .insert(&NewApp::new("cli", "key-web"), None)
        .await
        .unwrap_err();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "api_key"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "a record with this api_key already exists");
}

async fn insert_with_an_unknown_role_or_storage_service_is_an_invalid_reference(db: SystemDb) {
    let no_role = NewApp {
        role_id: Some(404),
        ..NewApp::new("a", "ka")
    };
    let no_service = NewApp {
        storage_service_id: Some(404),
        ..NewApp::new("b", "kb")
    };

    let role_err = db.apps().insert(&no_role, None).await.unwrap_err();
    let service_err = db.apps().insert(&no_service, None).await.unwrap_err();

    assert!(
        matches!(role_err, DbError::InvalidReference),
        "{role_err:?}"
    );
    assert!(
        matches!(service_err, DbError::InvalidReference),
        "{service_err:?}"
    );
}

async fn list_returns_every_app_in_id_order(db: SystemDb) {
    for name in ["web", "admin", "cli"] {
        common::app(&db, name, None).await;
    }

    let names: Vec<String> = db
        .apps()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.name)
        .collect();

    assert_eq!(names, ["web", "admin", "cli"]);
}

async fn update_changes_only_the_given_fields_and_stamps_the_modifier(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await;
    let role = common::role(&db, "users").await;
    let other_role = common::role(&db, "guests").await;
    let files = common::service(&db, "files").await;
    let before = db
        .apps()
        .insert(&full_app(role.id, files.id), None)
        .await
        .unwrap();
    let patch = AppPatch {
        is_active: Some(true),
        app_type: Some(2),
        toggle_location: Some("left".into()),
        role_id: Some(Some(other_role.id)),
        ..AppPatch::default()
    };

    let after = db
        .apps()
        .update(before.id, &patch, Some(admin.id))
        .await
        .unwrap()
        .unwrap();

    assert!(after.is_active);
    assert_eq!(after.app_type, 2);
    assert_eq!(after.toggle_location, "left");
    assert_eq!(after.role_id, Some(other_role.id));
    assert_eq!(after.name, before.name);
    assert_eq!(after.api_key, before.api_key);
    assert_eq!(after.description, before.description);
    assert_eq!(after.path, before.path);
    assert_eq!(after.url, before.url);
    assert_eq!(after.storage_service_id, before.storage_service_id);
    assert_eq!(after.storage_container, before.storage_container);
    assert!(after.requires_fullscreen && !after.allow_fullscreen_toggle);
    assert_eq!(after.created_date, before.created_date);
    assert!(after.last_modified_date >= before.last_modified_date);
    assert_eq!(after.created_by_id, None);
    assert_eq!(after.last_modified_by_id, Some(admin.id));
    assert_eq!(db.apps().get(before.id).await.unwrap(), Some(after));
}

async fn update_clears_nullable_fields_set_to_none(db: SystemDb) {
    let role = common::role(&db, "users").await;
    let files = common::service(&db, "files").await;
    let before = db
        .apps()
        .insert(&full_app(role.id, files.id), None)
        .await
        .unwrap();
    let patch = AppPatch {
        name: Some("web2".into()),
        description: Some(None),
        path: Some(None),
        url: Some(None),
        storage_service_id: Some(None),
        storage_container: Some(None),
        role_id: Some(None),
        requires_fullscreen: Some(false),
        allow_fullscreen_toggle: Some(true),
        ..AppPatch::default()
    };

    let after = db
        .apps()
        .update(before.id, &patch, None)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(after.name, "web2");
    assert_eq!(
        (after.description, after.path, after.url),
        (None, None, None)
    );
    assert_eq!(after.storage_service_id, None);
    assert_eq!(after.storage_container, None);
    assert_eq!(after.role_id, None);
    assert!(!after.requires_fullscreen && after.allow_fullscreen_toggle);
    assert_eq!(after.app_type, before.app_type);
}

async fn update_regenerates_the_api_key(db: SystemDb) {
    let app = common::app(&db, "web", None).await;
    let patch = AppPatch {
        api_key: Some("fresh-key".into()),
        ..AppPatch::default()
    };

    let after = db
        .apps()
        .update(app.id, &patch, None)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(after.api_key, "fresh-key");
    assert_eq!(db.apps().get_by_api_key("key-web").await.unwrap(), None);
    assert_eq!(
        db.apps().get_by_api_key("fresh-key").await.unwrap(),
        Some(after)
    );
}

async fn update_to_a_taken_api_key_is_an_api_key_conflict(db: SystemDb) {
    common::app(&db, "web", None).await;
    let cli = common::app(&db, "cli", None).await;
    let patch = AppPatch {
        api_key: Some("key-web".into()),
        ..AppPatch::default()
    };

    let err = db.apps().update(cli.id, &patch, None).await.unwrap_err();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "api_key"),
        "{err:?}"
    );
}

async fn update_returns_none_for_an_unknown_id(db: SystemDb) {
    let result = db
        .apps()
        .update(42, &AppPatch::default(), None)
        .await
        .unwrap();

    assert_eq!(result, None);
}

async fn delete_removes_the_app_and_what_only_it_owned(db: SystemDb) {
    let role = common::role(&db, "users").await;
    let app = common::app(&db, "web", Some(role.id)).await;
    let other = common::app(&db, "cli", Some(role.id)).await;
    let user = db
        .users()
        .insert(&NewUser {
            name: "u".into(),
            email: "u@example.com".into(),
            default_app_id: Some(app.id),
            ..NewUser::default()
        })
        .await
        .unwrap();
    db.user_app_roles()
        .insert(user.id, app.id, role.id)
        .await
        .unwrap();
    let kept_assignment = db
        .user_app_roles()
        .insert(user.id, other.id, role.id)
        .await
        .unwrap();
    let app_lookup = NewLookup {
        app_id: Some(app.id),
        name: "theme".into(),
        ..NewLookup::default()
    };
    db.lookups().insert(&app_lookup, None).await.unwrap();
    db.token_map()
        .record("via-web", user.id, Some(app.id), 0, 9_000)
        .await
        .unwrap();
    db.token_map()
        .record("via-cli", user.id, Some(other.id), 0, 9_000)
        .await
        .unwrap();

    let first = db.apps().delete(app.id).await.unwrap();
    let second = db.apps().delete(app.id).await.unwrap();

    assert!(first);
    assert!(!second);
    assert_eq!(db.apps().get(app.id).await.unwrap(), None);
    let user_after = db.users().get(user.id).await.unwrap().unwrap();
    assert_eq!(user_after.default_app_id, None, "the user survives");
    assert_eq!(db.roles().get(role.id).await.unwrap(), Some(role));
    assert_eq!(db.apps().get(other.id).await.unwrap(), Some(other));
    assert_eq!(db.user_app_roles().list().await.unwrap(), [kept_assignment]);
    assert_eq!(db.lookups().list().await.unwrap(), []);
    assert_eq!(
        pairs(db.token_map().live_for_user(user.id, 0).await.unwrap()),
        [("via-cli".to_owned(), 9_000)]
    );
}

async fn serialises_type_and_api_key_but_debug_redacts_the_key(db: SystemDb) {
    let role = common::role(&db, "users").await;
    let files = common::service(&db, "files").await;
    let new = full_app(role.id, files.id);
    let row = db.apps().insert(&new, None).await.unwrap();
    let patch = AppPatch {
        api_key: Some("fedcba9876543210".into()),
        ..AppPatch::default()
    };

    let value = serde_json::to_value(&row).unwrap();
    let debug = format!("{row:?} {new:?} {patch:?}");

    assert_eq!(value["type"], 1);
    assert!(value.get("app_type").is_none());
    assert_eq!(value["api_key"], "0123456789abcdef");
    assert_eq!(value["requires_fullscreen"], true);
    assert!(!debug.contains("0123456789abcdef"), "{debug}");
    assert!(!debug.contains("fedcba9876543210"), "{debug}");
}

fn pairs(tokens: Vec<sluice_system_db::LiveToken>) -> Vec<(String, i64)> {
    tokens.into_iter().map(|t| (t.jti, t.expires_at)).collect()
}
