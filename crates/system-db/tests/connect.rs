//! Connecting and migrating.

mod common;

use sluice_system_db::{Backend, DbError, NewService, SystemDb};

#[tokio::test]
async fn connect_creates_a_missing_sqlite_file_and_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/sub/system.db");

    let db = SystemDb::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();

    assert!(path.exists());
    assert_eq!(db.backend(), Backend::Sqlite);
    assert_eq!(db.is_sqlite_file(), Some(path.canonicalize().unwrap()));
}

#[tokio::test]
async fn migrate_twice_is_a_no_op_and_keeps_data() {
    let test = common::sqlite().await;
    test.db
        .services()
        .insert(&NewService::new("db", "sqlite"), None)
        .await
        .unwrap();

    assert_eq!(test.db.migrate().await.unwrap(), Vec::<String>::new());
    assert_eq!(test.db.migrate().await.unwrap(), Vec::<String>::new());

    assert_eq!(test.db.services().list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn data_survives_reconnecting_to_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("system.db").display());
    let db = SystemDb::connect(&url).await.unwrap();
    let applied = db.migrate().await.unwrap();
    assert_eq!(applied.first().map(String::as_str), Some("0001 initial"));
    assert!(applied.len() >= 2, "{applied:?}");
    db.settings().set_setting("k", "v").await.unwrap();
    db.close().await;

    let again = SystemDb::connect(&url).await.unwrap();
    again.migrate().await.unwrap();

    assert_eq!(
        again.settings().get_setting("k").await.unwrap().as_deref(),
        Some("v")
    );
}

#[tokio::test]
async fn an_in_memory_sqlite_database_keeps_its_data_and_is_not_a_file() {
    let db = SystemDb::connect("sqlite::memory:").await.unwrap();
    db.migrate().await.unwrap();

    db.settings().set_setting("k", "v").await.unwrap();

    assert_eq!(db.is_sqlite_file(), None);
    assert_eq!(
        db.settings().get_setting("k").await.unwrap().as_deref(),
        Some("v")
    );
}

#[tokio::test]
async fn other_url_schemes_are_rejected() {
    let err = SystemDb::connect("mysql://root@localhost/sluice")
        .await
        .unwrap_err();

    assert!(matches!(err, DbError::UnsupportedUrl), "{err:?}");
}

#[tokio::test]
async fn a_closed_handle_reports_unavailable() {
    let test = common::sqlite().await;
    test.db.close().await;

    let err = test.db.services().list().await.unwrap_err();

    assert!(matches!(err, DbError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn postgres_is_never_reported_as_a_sqlite_file() {
    let test = common::postgres().await;

    assert_eq!(test.db.backend(), Backend::Postgres);
    assert_eq!(test.db.is_sqlite_file(), None);
    test.db.migrate().await.unwrap();
}
