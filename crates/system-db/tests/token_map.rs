//! `TokenMap` repository, on SQLite and PostgreSQL.

mod common;

use sluice_system_db::{DbError, SystemDb};

backend_tests!(
    live_for_user_lists_unexpired_tokens_of_that_user_by_expiry,
    live_for_app_lists_unexpired_tokens_issued_through_that_app,
    live_for_role_finds_tokens_through_the_apps_default_role,
    live_for_role_finds_tokens_through_a_user_assignment,
    live_for_role_ignores_other_roles_tokens_without_an_app_and_expired_tokens,
    recording_a_jti_twice_is_a_jti_conflict,
    recording_for_an_unknown_user_or_app_is_an_invalid_reference,
    forget_removes_one_token_and_reports_whether_it_was_recorded,
    prune_deletes_expired_records_and_counts_them,
);

const NOW: i64 = 1_000;

fn live(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    pairs.iter().map(|(j, e)| ((*j).to_owned(), *e)).collect()
}

async fn live_for_user_lists_unexpired_tokens_of_that_user_by_expiry(db: SystemDb) {
    let alice = common::user(&db, "alice@example.com", false).await;
    let bob = common::user(&db, "bob@example.com", false).await;
    let web = common::app(&db, "web", None).await;
    db.token_map()
        .record("late", alice.id, Some(web.id), 0, 3_000)
        .await
        .unwrap();
    for (jti, user, exp) in [
        ("expired", alice.id, 900),
        ("boundary", alice.id, NOW),
        ("soon", alice.id, 1_001),
        ("bobs", bob.id, 2_000),
    ] {
        db.token_map()
            .record(jti, user, None, 0, exp)
            .await
            .unwrap();
    }

    let alices = pairs(db.token_map().live_for_user(alice.id, NOW).await.unwrap());
    let nobodys = pairs(db.token_map().live_for_user(404, NOW).await.unwrap());

    assert_eq!(alices, live(&[("soon", 1_001), ("late", 3_000)]));
    assert_eq!(nobodys, []);
}

async fn live_for_app_lists_unexpired_tokens_issued_through_that_app(db: SystemDb) {
    let alice = common::user(&db, "alice@example.com", false).await;
    let bob = common::user(&db, "bob@example.com", false).await;
    let web = common::app(&db, "web", None).await;
    let cli = common::app(&db, "cli", None).await;
    for (jti, user, app, exp) in [
        ("a-web", alice.id, Some(web.id), 2_000),
        ("b-web", bob.id, Some(web.id), 1_500),
        ("a-web-old", alice.id, Some(web.id), 500),
        ("a-cli", alice.id, Some(cli.id), 2_000),
        ("a-none", alice.id, None, 2_000),
    ] {
        db.token_map().record(jti, user, app, 0, exp).await.unwrap();
    }

    let via_web = pairs(db.token_map().live_for_app(web.id, NOW).await.unwrap());

    assert_eq!(via_web, live(&[("b-web", 1_500), ("a-web", 2_000)]));
}

async fn live_for_role_finds_tokens_through_the_apps_default_role(db: SystemDb) {
    let alice = common::user(&db, "alice@example.com", false).await;
    let users = common::role(&db, "users").await;
    let web = common::app(&db, "web", Some(users.id)).await;
    let cli = common::app(&db, "cli", None).await;
    db.token_map()
        .record("via-web", alice.id, Some(web.id), 0, 2_000)
        .await
        .unwrap();
    db.token_map()
        .record("via-cli", alice.id, Some(cli.id), 0, 2_000)
        .await
        .unwrap();

    let found = pairs(db.token_map().live_for_role(users.id, NOW).await.unwrap());

    assert_eq!(found, live(&[("via-web", 2_000)]));
}

async fn live_for_role_finds_tokens_through_a_user_assignment(db: SystemDb) {
    let alice = common::user(&db, "alice@example.com", false).await;
    let bob = common::user(&db, "bob@example.com", false).await;
    let users = common::role(&db, "users").await;
    let admins = common::role(&db, "admins").await;
    let web = common::app(&db, "web", Some(users.id)).await;
    let cli = common::app(&db, "cli", None).await;
    db.user_app_roles()
        .insert(alice.id, cli.id, admins.id)
        .await
        .unwrap();
    for (jti, user, app) in [
        ("alice-cli", alice.id, cli.id),
        ("bob-cli", bob.id, cli.id),
        ("alice-web", alice.id, web.id),
    ] {
        db.token_map()
            .record(jti, user, Some(app), 0, 2_000)
            .await
            .unwrap();
    }

    let admins_tokens = pairs(db.token_map().live_for_role(admins.id, NOW).await.unwrap());
    let users_tokens = pairs(db.token_map().live_for_role(users.id, NOW).await.unwrap());

    assert_eq!(admins_tokens, live(&[("alice-cli", 2_000)]));
    assert_eq!(users_tokens, live(&[("alice-web", 2_000)]));
}

async fn live_for_role_ignores_other_roles_tokens_without_an_app_and_expired_tokens(db: SystemDb) {
    let alice = common::user(&db, "alice@example.com", false).await;
    let users = common::role(&db, "users").await;
    let guests = common::role(&db, "guests").await;
    let web = common::app(&db, "web", Some(users.id)).await;
    let kiosk = common::app(&db, "kiosk", Some(guests.id)).await;
    for (jti, app, exp) in [
        ("no-app", None, 2_000),
        ("kiosk", Some(kiosk.id), 2_000),
        ("expired", Some(web.id), NOW),
        ("live", Some(web.id), NOW + 1),
    ] {
        db.token_map()
            .record(jti, alice.id, app, 0, exp)
            .await
            .unwrap();
    }

    let found = pairs(db.token_map().live_for_role(users.id, NOW).await.unwrap());
    let none = pairs(db.token_map().live_for_role(404, NOW).await.unwrap());

    assert_eq!(found, live(&[("live", NOW + 1)]));
    assert_eq!(none, []);
}

async fn recording_a_jti_twice_is_a_jti_conflict(db: SystemDb) {
    let alice = common::user(&db, "alice@example.com", false).await;
    db.token_map()
        .record("jti-1", alice.id, None, 0, 2_000)
        .await
        .unwrap();

    let err = db
        .token_map()
        .record("jti-1", alice.id, None, 10, 3_000)
        .await
        .unwrap_err();

    assert!(
        matches!(&err, DbError::Conflict { field } if field == "jti"),
        "{err:?}"
    );
    assert_eq!(
        pairs(db.token_map().live_for_user(alice.id, NOW).await.unwrap()),
        live(&[("jti-1", 2_000)])
    );
}

async fn recording_for_an_unknown_user_or_app_is_an_invalid_reference(db: SystemDb) {
    let alice = common::user(&db, "alice@example.com", false).await;

    let no_user = db.token_map().record("a", 404, None, 0, 2_000).await;
    let no_app = db
        .token_map()
        .record("b", alice.id, Some(404), 0, 2_000)
        .await;

    assert!(
        matches!(no_user, Err(DbError::InvalidReference)),
        "{no_user:?}"
    );
    assert!(
        matches!(no_app, Err(DbError::InvalidReference)),
        "{no_app:?}"
    );
}

async fn forget_removes_one_token_and_reports_whether_it_was_recorded(db: SystemDb) {
    let alice = common::user(&db, "alice@example.com", false).await;
    for jti in ["a", "b"] {
        db.token_map()
            .record(jti, alice.id, None, 0, 2_000)
            .await
            .unwrap();
    }

    let first = db.token_map().forget("a").await.unwrap();
    let second = db.token_map().forget("a").await.unwrap();

    assert!(first);
    assert!(!second);
    assert_eq!(
        pairs(db.token_map().live_for_user(alice.id, NOW).await.unwrap()),
        live(&[("b", 2_000)])
    );
}

async fn prune_deletes_expired_records_and_counts_them(db: SystemDb) {
    let alice = common::user(&db, "alice@example.com", false).await;
    for (jti, exp) in [("a", 500), ("b", NOW), ("c", 1_500)] {
        db.token_map()
            .record(jti, alice.id, None, 0, exp)
            .await
            .unwrap();
    }

    let pruned = db.token_map().prune(NOW).await.unwrap();
    let again = db.token_map().prune(NOW).await.unwrap();

    assert_eq!(pruned, 2);
    assert_eq!(again, 0);
    assert_eq!(
        pairs(db.token_map().live_for_user(alice.id, 0).await.unwrap()),
        live(&[("c", 1_500)])
    );
}

fn pairs(tokens: Vec<sluice_system_db::LiveToken>) -> Vec<(String, i64)> {
    tokens.into_iter().map(|t| (t.jti, t.expires_at)).collect()
}
