//! `Users` repository, on SQLite and PostgreSQL.

mod common;

use chrono::{TimeZone, Utc};
use sluice_system_db::{DbError, NewRole, NewUser, SystemDb, UserPatch};

backend_tests!(
    insert_stores_every_field_and_get_reads_it_back,
    find_by_email_ignores_letter_case,
    insert_rejects_an_email_taken_in_another_letter_case_as_an_email_conflict,
    insert_rejects_a_taken_username_but_allows_many_without_one,
    insert_with_an_unknown_default_app_is_an_invalid_reference,
    set_password_hash_replaces_the_hash_or_reports_not_found,
    set_last_login_stores_utc_wire_format_or_reports_not_found,
    count_admins_counts_only_sys_admins,
    count_unrestricted_admins_skips_inactive_admins_and_admins_with_app_roles,
    update_changes_only_the_given_fields,
    update_clears_nullable_fields_set_to_none,
    update_returns_none_for_an_unknown_id,
    update_to_a_taken_email_is_an_email_conflict,
    serialisation_and_debug_never_show_secrets,
    list_returns_every_user_in_id_order,
    delete_removes_the_user_and_reports_whether_it_existed,
    delete_keeps_rows_the_user_wrote_and_drops_rows_the_user_owned,
);

fn full_user() -> NewUser {
    NewUser {
        name: "Jane Doe".into(),
        username: Some("jane.doe".into()),
        first_name: Some("Jane".into()),
        last_name: Some("Doe".into()),
        email: "Jane@Example.com".into(),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$salt$hash".into()),
        is_sys_admin: true,
        is_active: true,
        phone: Some("+1 555 0100".into()),
        security_question: Some("pet?".into()),
        security_answer_hash: Some("$argon2id$answer".into()),
        confirm_code: Some("y".into()),
        default_app_id: None,
        oauth_provider: Some("github".into()),
        adldap: Some("corp".into()),
        ldap_username: Some("jdoe".into()),
        saml: Some("idp".into()),
        created_by_id: None,
    }
}

async fn insert_stores_every_field_and_get_reads_it_back(db: SystemDb) {
    let new = full_user();

    let row = db.users().insert(&new).await.unwrap();

    assert!(row.id > 0);
    assert_eq!(row.name, new.name);
    assert_eq!(row.username, new.username);
    assert_eq!(row.first_name, new.first_name);
    assert_eq!(row.last_name, new.last_name);
    assert_eq!(row.email, "Jane@Example.com", "stored as given");
    assert_eq!(row.password_hash, new.password_hash);
    assert!(row.is_sys_admin && row.is_active);
    assert_eq!(row.phone, new.phone);
    assert_eq!(row.security_question, new.security_question);
    assert_eq!(row.security_answer_hash, new.security_answer_hash);
    assert_eq!(row.confirm_code, new.confirm_code);
    assert_eq!(row.oauth_provider, new.oauth_provider);
    assert_eq!(row.adldap, new.adldap);
    assert_eq!(row.ldap_username, new.ldap_username);
    assert_eq!(row.saml, new.saml);
    assert_eq!(row.last_login_date, None);
    assert_eq!(row.remember_token, None);
    assert_eq!(row.created_date, row.last_modified_date);
    assert_eq!(db.users().get(row.id).await.unwrap(), Some(row.clone()));
    assert_eq!(db.users().get(row.id + 1).await.unwrap(), None);
}

async fn find_by_email_ignores_letter_case(db: SystemDb) {
    let row = db.users().insert(&full_user()).await.unwrap();

    let found = db.users().find_by_email("jane@example.COM").await.unwrap();
    let missing = db.users().find_by_email("john@example.com").await.unwrap();

    assert_eq!(found, Some(row));
    assert_eq!(missing, None);
}

async fn insert_rejects_an_email_taken_in_another_letter_case_as_an_email_conflict(db: SystemDb) {
    common::user(&db, "a@example.com", false).await;
    let dup = NewUser {
        name: "other".into(),
        email: "A@EXAMPLE.com".into(),
        ..NewUser::default()
    };

    let err = db.users().insert(&dup).await.unwrap_err();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "email"),
        "{err:?}"
    );
}

async fn insert_rejects_a_taken_username_but_allows_many_without_one(db: SystemDb) {
    common::user(&db, "a@example.com", false).await;
    common::user(&db, "b@example.com", false).await;
    db.users().insert(&full_user()).await.unwrap();
    let dup = NewUser {
        name: "x".into(),
        email: "x@example.com".into(),
        username: Some("JANE.DOE".into()),
        ..NewUser::default()
    };

    let err = db.users().insert(&dup).await.unwrap_err();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "username"),
        "{err:?}"
    );
}

async fn insert_with_an_unknown_default_app_is_an_invalid_reference(db: SystemDb) {
    let new = NewUser {
        default_app_id: Some(77),
        ..full_user()
    };

    let err = db.users().insert(&new).await.unwrap_err();

    assert!(matches!(err, DbError::InvalidReference), "{err:?}");
}

async fn set_password_hash_replaces_the_hash_or_reports_not_found(db: SystemDb) {
    let user = common::user(&db, "a@example.com", false).await;

    db.users().set_password_hash(user.id, "$new").await.unwrap();
    let missing = db.users().set_password_hash(user.id + 1, "$x").await;

    let stored = db.users().get(user.id).await.unwrap().unwrap();
    assert_eq!(stored.password_hash.as_deref(), Some("$new"));
    assert!(stored.last_modified_date >= user.last_modified_date);
    assert!(matches!(missing, Err(DbError::NotFound)), "{missing:?}");
}

async fn set_last_login_stores_utc_wire_format_or_reports_not_found(db: SystemDb) {
    let user = common::user(&db, "a@example.com", false).await;
    let when = Utc.with_ymd_and_hms(2024, 2, 29, 13, 5, 9).unwrap();

    db.users().set_last_login(user.id, when).await.unwrap();
    let missing = db.users().set_last_login(user.id + 1, when).await;

    let stored = db.users().get(user.id).await.unwrap().unwrap();
    assert_eq!(
        stored.last_login_date.as_deref(),
        Some("2024-02-29 13:05:09")
    );
    assert_eq!(stored.last_modified_date, user.last_modified_date);
    assert!(matches!(missing, Err(DbError::NotFound)), "{missing:?}");
}

async fn count_admins_counts_only_sys_admins(db: SystemDb) {
    assert_eq!(db.users().count_admins().await.unwrap(), 0);
    common::user(&db, "admin1@example.com", true).await;
    common::user(&db, "user@example.com", false).await;
    common::user(&db, "admin2@example.com", true).await;

    let count = db.users().count_admins().await.unwrap();

    assert_eq!(count, 2);
}

async fn count_unrestricted_admins_skips_inactive_admins_and_admins_with_app_roles(db: SystemDb) {
    common::user(&db, "admin1@example.com", true).await;
    common::user(&db, "user@example.com", false).await;
    let restricted = common::user(&db, "admin2@example.com", true).await;
    let inactive = common::user(&db, "admin3@example.com", true).await;
    let role = common::role(&db, "limited").await;
    let app = common::app(&db, "portal", None).await;
    db.user_app_roles()
        .insert(restricted.id, app.id, role.id)
        .await
        .unwrap();
    let deactivate = UserPatch {
        is_active: Some(false),
        ..UserPatch::default()
    };
    db.users().update(inactive.id, &deactivate).await.unwrap();

    let count = db.users().count_unrestricted_admins().await.unwrap();

    assert_eq!(count, 1);
}

async fn update_changes_only_the_given_fields(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await;
    let before = db.users().insert(&full_user()).await.unwrap();
    let patch = UserPatch {
        name: Some("Jane Roe".into()),
        last_name: Some(Some("Roe".into())),
        is_active: Some(false),
        remember_token: Some(Some("tok".into())),
        last_modified_by_id: Some(admin.id),
        ..UserPatch::default()
    };

    let after = db.users().update(before.id, &patch).await.unwrap().unwrap();

    assert_eq!(after.name, "Jane Roe");
    assert_eq!(after.last_name.as_deref(), Some("Roe"));
    assert!(!after.is_active);
    assert_eq!(after.remember_token.as_deref(), Some("tok"));
    assert_eq!(after.last_modified_by_id, Some(admin.id));
    // untouched
    assert_eq!(after.email, before.email);
    assert_eq!(after.username, before.username);
    assert_eq!(after.first_name, before.first_name);
    assert_eq!(after.password_hash, before.password_hash);
    assert!(after.is_sys_admin);
    assert_eq!(after.phone, before.phone);
    assert_eq!(after.security_question, before.security_question);
    assert_eq!(after.security_answer_hash, before.security_answer_hash);
    assert_eq!(after.confirm_code, before.confirm_code);
    assert_eq!(after.oauth_provider, before.oauth_provider);
    assert_eq!(after.adldap, before.adldap);
    assert_eq!(after.ldap_username, before.ldap_username);
    assert_eq!(after.saml, before.saml);
    assert_eq!(after.created_date, before.created_date);
}

async fn update_clears_nullable_fields_set_to_none(db: SystemDb) {
    let before = db.users().insert(&full_user()).await.unwrap();
    let patch = UserPatch {
        username: Some(None),
        first_name: Some(None),
        last_name: Some(None),
        phone: Some(None),
        security_question: Some(None),
        security_answer_hash: Some(None),
        confirm_code: Some(None),
        default_app_id: Some(None),
        oauth_provider: Some(None),
        adldap: Some(None),
        ldap_username: Some(None),
        saml: Some(None),
        remember_token: Some(None),
        is_sys_admin: Some(false),
        email: Some("new@example.com".into()),
        ..UserPatch::default()
    };

    let after = db.users().update(before.id, &patch).await.unwrap().unwrap();

    assert_eq!(after.email, "new@example.com");
    assert!(!after.is_sys_admin);
    for (field, value) in [
        ("username", &after.username),
        ("first_name", &after.first_name),
        ("last_name", &after.last_name),
        ("phone", &after.phone),
        ("security_question", &after.security_question),
        ("security_answer", &after.security_answer_hash),
        ("confirm_code", &after.confirm_code),
        ("oauth_provider", &after.oauth_provider),
        ("adldap", &after.adldap),
        ("ldap_username", &after.ldap_username),
        ("saml", &after.saml),
        ("remember_token", &after.remember_token),
    ] {
        assert_eq!(value, &None, "{field}");
    }
    assert_eq!(after.default_app_id, None);
    assert_eq!(after.password_hash, before.password_hash);
}

async fn update_returns_none_for_an_unknown_id(db: SystemDb) {
    let result = db.users().update(5, &UserPatch::default()).await.unwrap();

    assert_eq!(result, None);
}

async fn update_to_a_taken_email_is_an_email_conflict(db: SystemDb) {
    common::user(&db, "a@example.com", false).await;
    let b = common::user(&db, "b@example.com", false).await;
    let patch = UserPatch {
        email: Some("A@example.com".into()),
        ..UserPatch::default()
    };

    let err = db.users().update(b.id, &patch).await.unwrap_err();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "email"),
        "{err:?}"
    );
}

async fn serialisation_and_debug_never_show_secrets(db: SystemDb) {
    let new = full_user();
    let mut row = db.users().insert(&new).await.unwrap();
    row.remember_token = Some("remember-secret".into());

    let json = serde_json::to_value(&row).unwrap();
    let debug = format!("{row:?} {new:?}");

    for hidden in [
        "password",
        "password_hash",
        "security_answer",
        "security_answer_hash",
        "remember_token",
        "confirm_code",
        "is_sys_admin",
    ] {
        assert!(json.get(hidden).is_none(), "{hidden} serialised");
    }
    assert_eq!(json["email"], "Jane@Example.com");
    assert!(!debug.contains("argon2"), "{debug}");
    assert!(!debug.contains("remember-secret"), "{debug}");
}

async fn list_returns_every_user_in_id_order(db: SystemDb) {
    assert_eq!(db.users().list().await.unwrap(), []);
    for email in ["c@example.com", "a@example.com", "b@example.com"] {
        common::user(&db, email, email.starts_with('a')).await;
    }

    let emails: Vec<String> = db
        .users()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.email)
        .collect();

    assert_eq!(emails, ["c@example.com", "a@example.com", "b@example.com"]);
}

async fn delete_removes_the_user_and_reports_whether_it_existed(db: SystemDb) {
    let user = common::user(&db, "a@example.com", false).await;
    let other = common::user(&db, "b@example.com", false).await;

    let first = db.users().delete(user.id).await.unwrap();
    let second = db.users().delete(user.id).await.unwrap();

    assert!(first);
    assert!(!second);
    assert_eq!(db.users().get(user.id).await.unwrap(), None);
    assert_eq!(db.users().list().await.unwrap(), [other]);
}

async fn delete_keeps_rows_the_user_wrote_and_drops_rows_the_user_owned(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await;
    let role = db
        .roles()
        .insert(&NewRole::new("users"), Some(admin.id))
        .await
        .unwrap();
    db.user_custom()
        .upsert(admin.id, "theme", Some("dark"))
        .await
        .unwrap();
    db.token_map()
        .record("jti", admin.id, None, 0, 2_000)
        .await
        .unwrap();
    db.revocations()
        .revoke("old", admin.id, 2_000)
        .await
        .unwrap();

    db.users().delete(admin.id).await.unwrap();

    let role_after = db.roles().get(role.id).await.unwrap().unwrap();
    assert_eq!(role_after.created_by_id, None);
    assert_eq!(role_after.last_modified_by_id, None);
    assert_eq!(db.user_custom().for_user(admin.id).await.unwrap(), []);
    assert_eq!(db.token_map().live_for_user(admin.id, 0).await.unwrap(), []);
    assert_eq!(db.revocations().active(0).await.unwrap(), []);
}
