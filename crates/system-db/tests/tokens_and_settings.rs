//! `Revocations` and `Settings` repositories, on SQLite and PostgreSQL.

mod common;

use sluice_system_db::{DbError, SystemDb};

backend_tests!(
    revoke_is_idempotent_and_keeps_the_first_expiry,
    active_lists_only_unexpired_revocations_by_expiry,
    prune_deletes_expired_revocations_and_counts_them,
    revoke_for_an_unknown_user_is_an_invalid_reference,
    get_setting_returns_none_until_set,
    set_setting_overwrites_the_previous_value,
);

async fn revoke_is_idempotent_and_keeps_the_first_expiry(db: SystemDb) {
    let user = common::user(&db, "a@example.com", false).await;

    db.revocations()
        .revoke("jti-1", user.id, 2_000)
        .await
        .unwrap();
    db.revocations()
        .revoke("jti-1", user.id, 3_000)
        .await
        .unwrap();

    let active = db.revocations().active(1_000).await.unwrap();
    assert_eq!(active, [("jti-1".to_owned(), 2_000)]);
}

async fn active_lists_only_unexpired_revocations_by_expiry(db: SystemDb) {
    let user = common::user(&db, "a@example.com", false).await;
    for (jti, exp) in [
        ("late", 3_000),
        ("expired", 900),
        ("boundary", 1_000),
        ("soon", 1_001),
    ] {
        db.revocations().revoke(jti, user.id, exp).await.unwrap();
    }

    let active = db.revocations().active(1_000).await.unwrap();

    assert_eq!(
        active,
        [("soon".to_owned(), 1_001), ("late".to_owned(), 3_000)]
    );
}

async fn prune_deletes_expired_revocations_and_counts_them(db: SystemDb) {
    let user = common::user(&db, "a@example.com", false).await;
    for (jti, exp) in [("a", 500), ("b", 1_000), ("c", 1_500)] {
        db.revocations().revoke(jti, user.id, exp).await.unwrap();
    }

    let pruned = db.revocations().prune(1_000).await.unwrap();

    assert_eq!(pruned, 2);
    assert_eq!(
        db.revocations().active(0).await.unwrap(),
        [("c".to_owned(), 1_500)]
    );
    assert_eq!(db.revocations().prune(1_000).await.unwrap(), 0);
}

async fn revoke_for_an_unknown_user_is_an_invalid_reference(db: SystemDb) {
    let err = db.revocations().revoke("jti", 404, 1).await.unwrap_err();

    assert!(matches!(err, DbError::InvalidReference), "{err:?}");
}

async fn get_setting_returns_none_until_set(db: SystemDb) {
    assert_eq!(db.settings().get_setting("install_id").await.unwrap(), None);

    db.settings()
        .set_setting("install_id", "abc")
        .await
        .unwrap();

    assert_eq!(
        db.settings()
            .get_setting("install_id")
            .await
            .unwrap()
            .as_deref(),
        Some("abc")
    );
}

async fn set_setting_overwrites_the_previous_value(db: SystemDb) {
    db.settings().set_setting("k", "one").await.unwrap();
    db.settings().set_setting("other", "x").await.unwrap();

    db.settings().set_setting("k", "two").await.unwrap();

    assert_eq!(
        db.settings().get_setting("k").await.unwrap().as_deref(),
        Some("two")
    );
    assert_eq!(
        db.settings().get_setting("other").await.unwrap().as_deref(),
        Some("x")
    );
}
