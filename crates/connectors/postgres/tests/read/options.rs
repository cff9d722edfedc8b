//! Read options on what only PostgreSQL has, and the errors of reads.

use serde_json::json;
use sluice_connector_conformance::values::{self, get};
use sluice_connector_conformance::write::bad_request;
use sluice_connector_core::{ConnectorError, ReadRequest};

use crate::helpers::*;

fn filtered(filter: &str, fields: &str) -> ReadRequest {
    ReadRequest {
        filter: Some(filter.into()),
        fields: Some(fields.into()),
        ..request()
    }
}

#[tokio::test]
async fn filters_compare_values_as_the_column_type() {
    let filters = [
        "u = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'",
        "tstz = '2024-01-02T01:04:05Z'",
        "tstz > '2024-01-01'",
        "n = 1234.5",
        "big = 9007199254740993",
        "feeling = 'happy'",
        "b = true",
        "bin = 'AQL/'",
        "u like 'a0ee%'",
        "big like '9007%'",
        "d between '2024-01-01' and '2024-01-31'",
    ];
    let database = &fixture().await.database;
    values::check_filters_select_the_first_typed_row(database, &filters).await;
}

#[tokio::test]
async fn a_value_that_does_not_fit_its_column_is_a_400_without_database_text() {
    let fixture = fixture().await;
    for filter in ["u = 'not-a-uuid'", "tstz > 'yesterday-ish'", "i = 1.5"] {
        let message = bad_request(get(&fixture.database, "typed", filtered(filter, "id")).await);
        assert_eq!(
            message, "A filter value does not fit the type of its field.",
            "{filter}"
        );
    }
}

#[tokio::test]
async fn like_is_case_sensitive_as_in_postgresql() {
    let fixture = fixture().await;
    let body = get(
        &fixture.database,
        "employees",
        filtered("last_name like 'smith'", "id"),
    )
    .await
    .expect("read");
    assert_eq!(body, json!({"resource": []}));
}

#[tokio::test]
async fn awkward_table_and_column_names_are_quoted() {
    let fixture = fixture().await;
    let body = get(
        &fixture.database,
        "WE\"IRD NAME",
        ReadRequest {
            order: Some("v desc".into()),
            ..request()
        },
    )
    .await
    .expect("read");
    assert_eq!(
        body,
        json!({"resource": [{"k\"ey": "b", "v": "two"}, {"k\"ey": "a", "v": "1"}]})
    );
}

#[tokio::test]
async fn a_record_by_a_uuid_column() {
    let fixture = fixture().await;
    let typed = fixture.admin("typed");
    let bytes = typed
        .read_record(
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            &ReadRequest {
                id_field: Some("u".into()),
                fields: Some("id".into()),
                ..request()
            },
        )
        .await
        .expect("found by uuid");
    assert_eq!(String::from_utf8(bytes).expect("utf-8"), r#"{"id":1}"#);
}

#[tokio::test]
async fn a_server_that_cannot_be_reached_is_unavailable_without_its_address() {
    let mut config =
        sluice_connector_postgres::PostgresConfig::new("127.0.0.1", "nowhere", "nobody");
    // A port nothing listens on (the discard port needs no server).
    config.port = 9;
    config.acquire_timeout_ms = 2_000;
    let database = sluice_connector_core::Database::new(
        sluice_connector_postgres::PostgresConnector::new(&config).expect("connector"),
    );
    let error = database.schema(false).await.expect_err("unreachable");
    assert!(matches!(error, ConnectorError::Unavailable(_)), "{error:?}");
    assert!(!error.to_string().contains("127.0.0.1"), "{error}");
}

#[tokio::test]
async fn a_column_changed_behind_the_service_s_back_is_read_after_a_refresh() {
    let fixture = fixture().await;
    let read = |refresh: bool| ReadRequest {
        fields: Some("id,name".into()),
        filter: Some("id = 1".into()),
        refresh,
        ..request()
    };
    let before = get(&fixture.database, "departments", read(false))
        .await
        .expect("read");
    assert_eq!(
        before,
        json!({"resource": [{"id": 1, "name": "Engineering"}]})
    );
    // Every pooled connection has the statement prepared with the old result type.
    fixture
        .execute("ALTER TABLE departments ALTER COLUMN id TYPE bigint")
        .await;
    let after = get(&fixture.database, "departments", read(false))
        .await
        .expect("read after the change");
    assert_eq!(after, before);
    let refreshed = get(&fixture.database, "departments", read(true))
        .await
        .expect("refreshed");
    assert_eq!(refreshed, before);
}

#[tokio::test]
async fn reads_recover_when_the_server_closes_every_connection() {
    let fixture = fixture().await;
    let read = || ReadRequest {
        fields: Some("id".into()),
        filter: Some("id = 2".into()),
        ..request()
    };
    let expected = json!({"resource": [{"id": 2}]});
    assert_eq!(
        get(&fixture.database, "departments", read())
            .await
            .expect("read"),
        expected
    );
    // What a server restart does to the pool's connections.
    fixture
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await;
    for attempt in 0..3 {
        let body = get(&fixture.database, "departments", read())
            .await
            .unwrap_or_else(|error| panic!("read {attempt} after the restart: {error:?}"));
        assert_eq!(body, expected);
    }
}
