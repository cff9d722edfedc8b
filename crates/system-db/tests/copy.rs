//! `copy_into`: a system database filled through the repositories, copied into an empty
//! PostgreSQL one, reads back the same through the repositories, ids and hashes included.

mod common;

use serde_json::json;
use sluice_system_db::{
    AppRow, CopyError, EmailTemplateFields, EmailTemplateRow, LiveToken, LookupRow, NewLookup,
    NewRole, NewRoleAccess, NewService, NewUser, RoleAccessRow, RoleRow, ServiceRow,
    SystemCustomRow, SystemDb, UserAppRoleRow, UserCustomRow, UserRow, copy_into,
};

const NOW: i64 = 1_900_000_000;
const PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";

/// Everything the repositories can read back, to compare two databases.
#[derive(Debug, PartialEq)]
struct Everything {
    services: Vec<ServiceRow>,
    users: Vec<UserRow>,
    roles: Vec<RoleRow>,
    access: Vec<RoleAccessRow>,
    apps: Vec<AppRow>,
    user_app_roles: Vec<UserAppRoleRow>,
    lookups: Vec<LookupRow>,
    user_custom: Vec<UserCustomRow>,
    live_tokens: Vec<LiveToken>,
    revocations: Vec<(String, i64)>,
    setting: Option<String>,
    email_templates: Vec<EmailTemplateRow>,
    system_custom: Vec<SystemCustomRow>,
}

async fn everything(db: &SystemDb) -> Everything {
    let users = db.users().list().await.unwrap();
    let mut user_custom = Vec::new();
    let mut live_tokens = Vec::new();
    for user in &users {
        user_custom.extend(db.user_custom().for_user(user.id).await.unwrap());
        live_tokens.extend(db.token_map().live_for_user(user.id, NOW).await.unwrap());
    }
    Everything {
        services: db.services().list().await.unwrap(),
        users,
        roles: db.roles().list().await.unwrap(),
        access: db.roles().list_access().await.unwrap(),
        apps: db.apps().list().await.unwrap(),
        user_app_roles: db.user_app_roles().list().await.unwrap(),
        lookups: db.lookups().list().await.unwrap(),
        user_custom,
        live_tokens,
        revocations: db.revocations().active(NOW).await.unwrap(),
        setting: db.settings().get_setting("instance").await.unwrap(),
        email_templates: db.email_templates().list().await.unwrap(),
        system_custom: db.system_custom().list().await.unwrap(),
    }
}

/// One of everything, with a deleted service and role (so the source has handed out ids it
/// no longer holds) and a user whose default app comes after it.
async fn fill(db: &SystemDb) {
    let admin = db
        .users()
        .insert(&NewUser {
            name: "Admin".into(),
            email: "admin@example.com".into(),
            password_hash: Some(PASSWORD_HASH.into()),
            is_sys_admin: true,
            is_active: true,
            ..NewUser::default()
        })
        .await
        .unwrap();
    let mut service = NewService::new("db", "sqlite");
    service.config = json!({"database": "demo.sqlite", "max_records": 50});
    let service = db
        .services()
        .insert(&service, Some(admin.id))
        .await
        .unwrap();
    let gone = common::service(db, "gone").await;
    assert!(db.services().delete(gone.id).await.unwrap());
    let mut role = NewRole::new("reader");
    role.description = Some("reads db".into());
    let role = db.roles().insert(&role, Some(admin.id)).await.unwrap();
    let gone = db
        .roles()
        .insert(&NewRole::new("gone"), None)
        .await
        .unwrap();
    assert!(db.roles().delete(gone.id).await.unwrap());
    let mut access = NewRoleAccess::new(role.id, Some(service.id), Some("_table/*"));
    access.verb_mask = 1;
    access.filters = json!([{"name": "owner", "operator": "=", "value": "{user.id}"}]);
    access.hidden_fields = json!(["secret"]);
    db.roles()
        .insert_access(&access, Some(admin.id))
        .await
        .unwrap();
    let everywhere = NewRoleAccess::new(role.id, None, None);
    db.roles()
        .insert_access(&everywhere, Some(admin.id))
        .await
        .unwrap();
    let app = common::app(db, "web", Some(role.id)).await;
    let ann = db
        .users()
        .insert(&NewUser {
            name: "Ann".into(),
            email: "ann@example.com".into(),
            password_hash: Some(PASSWORD_HASH.replace("hash", "ann_")),
            is_active: true,
            default_app_id: Some(app.id),
            created_by_id: Some(admin.id),
            ..NewUser::default()
        })
        .await
        .unwrap();
    db.user_app_roles()
        .insert(ann.id, app.id, role.id)
        .await
        .unwrap();
    let system_lookup = NewLookup {
        name: "host".into(),
        value: Some("db.internal".into()),
        ..NewLookup::default()
    };
    db.lookups()
        .insert(&system_lookup, Some(admin.id))
        .await
        .unwrap();
    let private_lookup = NewLookup {
        role_id: Some(role.id),
        name: "password".into(),
        value: Some("s3cret".into()),
        private: true,
        ..NewLookup::default()
    };
    db.lookups()
        .insert(&private_lookup, Some(admin.id))
        .await
        .unwrap();
    db.user_custom()
        .upsert(ann.id, "theme", Some("dark"))
        .await
        .unwrap();
    db.token_map()
        .record("jti-live", ann.id, Some(app.id), NOW - 60, NOW + 3600)
        .await
        .unwrap();
    db.revocations()
        .revoke("jti-revoked", ann.id, NOW + 3600)
        .await
        .unwrap();
    db.settings().set_setting("instance", "abc").await.unwrap();
    let template = EmailTemplateFields {
        name: "Welcome".into(),
        to: Some(r#"["a@example.com","b@example.com"]"#.into()),
        ..EmailTemplateFields::default()
    };
    db.email_templates()
        .insert(&template, Some(admin.id))
        .await
        .unwrap();
    db.system_custom()
        .upsert("admin_settings", Some(r#"{"dark":true}"#), Some(admin.id))
        .await
        .unwrap();
}

fn rows_per_table(report: &sluice_system_db::CopyReport) -> Vec<(&str, u64)> {
    report
        .tables
        .iter()
        .map(|(table, rows)| (table.as_str(), *rows))
        .collect()
}

#[tokio::test]
async fn a_sqlite_database_is_copied_whole_and_new_ids_follow_the_source_ones() {
    let source = common::sqlite().await;
    fill(&source.db).await;
    let target = common::postgres().await;

    let report = copy_into(&source.db, &target.db).await.unwrap();

    assert_eq!(
        rows_per_table(&report),
        [
            ("user", 2),
            ("service", 1),
            ("role", 1),
            ("role_service_access", 2),
            ("app", 1),
            ("user_to_app_to_role", 1),
            ("lookup", 2),
            ("user_custom", 1),
            ("cors", 0),
            ("limits", 0),
            ("event_script", 0),
            ("token_map", 1),
            ("token_revocation", 1),
            ("system_setting", 1),
            ("email_template", 1),
            ("system_custom", 1),
        ]
    );
    let copied = everything(&target.db).await;
    assert_eq!(copied, everything(&source.db).await);
    assert_eq!(copied.users[1].default_app_id, Some(copied.apps[0].id));
    assert_eq!(copied.users[1].created_by_id, Some(copied.users[0].id));
    assert_eq!(
        copied.users[1].password_hash,
        copied_hash_of(&source.db).await
    );

    // The deleted service (id 2) and role (id 2) are not handed out again.
    assert_eq!(common::service(&target.db, "new").await.id, 3);
    let role = target
        .db
        .roles()
        .insert(&NewRole::new("new"), None)
        .await
        .unwrap();
    assert_eq!(role.id, 3);
    let user = common::user(&target.db, "new@example.com", false).await;
    assert_eq!(user.id, 3);
    let lookup = NewLookup {
        name: "new".into(),
        ..NewLookup::default()
    };
    assert_eq!(
        target.db.lookups().insert(&lookup, None).await.unwrap().id,
        3
    );
}

async fn copied_hash_of(db: &SystemDb) -> Option<String> {
    let ann = db.users().find_by_email("ann@example.com").await.unwrap();
    ann.and_then(|user| user.password_hash)
}

#[tokio::test]
async fn a_postgresql_database_is_copied_too() {
    let source = common::sqlite().await;
    fill(&source.db).await;
    let first = common::postgres().await;
    copy_into(&source.db, &first.db).await.unwrap();
    let second = common::postgres().await;

    copy_into(&first.db, &second.db).await.unwrap();

    assert_eq!(everything(&second.db).await, everything(&source.db).await);
    assert_eq!(common::service(&second.db, "new").await.id, 3);
}

#[tokio::test]
async fn a_target_that_holds_anything_is_refused_and_left_as_it_was() {
    let source = common::sqlite().await;
    fill(&source.db).await;
    let target = common::postgres().await;
    common::service(&target.db, "user").await;
    common::user(&target.db, "someone@example.com", true).await;
    let before = everything(&target.db).await;

    let refused = copy_into(&source.db, &target.db).await.unwrap_err();

    assert!(matches!(refused, CopyError::TargetNotEmpty { .. }));
    assert_eq!(
        refused.to_string(),
        "the target database is not empty: it holds 1 row in user, 1 row in service. A copy \
         only fills a new system database: create an empty database and copy into it before \
         any node starts on it (a starting node creates the built-in 'user' service)"
    );
    assert_eq!(everything(&target.db).await, before);
}

#[tokio::test]
async fn a_second_copy_into_the_same_target_is_refused() {
    let source = common::sqlite().await;
    fill(&source.db).await;
    let target = common::postgres().await;
    copy_into(&source.db, &target.db).await.unwrap();

    let refused = copy_into(&source.db, &target.db).await.unwrap_err();

    assert!(
        refused
            .to_string()
            .starts_with("the target database is not empty: it holds 2 rows in user, 1 row in service, 1 row in role, 2 rows in role_service_access,"),
        "{refused}"
    );
}

#[tokio::test]
async fn only_postgresql_is_a_target() {
    let source = common::sqlite().await;
    let target = common::sqlite().await;

    let refused = copy_into(&source.db, &target.db).await.unwrap_err();

    assert!(matches!(refused, CopyError::TargetNotPostgres));
}
