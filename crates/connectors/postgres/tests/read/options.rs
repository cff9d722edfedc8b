//! Read options on what only PostgreSQL has, and the errors of reads.

use serde_json::json;
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
    let fixture = fixture().await;
    let cases = [
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
    for filter in cases {
        let body = get(&fixture, "typed", filtered(filter, "id"))
            .await
            .unwrap_or_else(|error| panic!("{filter}: {error:?}"));
        assert_eq!(body, json!({"resource": [{"id": 1}]}), "{filter}");
    }
}

#[tokio::test]
async fn a_value_that_does_not_fit_its_column_is_a_400_without_database_text() {
    let fixture = fixture().await;
    for filter in ["u = 'not-a-uuid'", "tstz > 'yesterday-ish'", "i = 1.5"] {
        let message = bad_request(get(&fixture, "typed", filtered(filter, "id")).await);
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
        &fixture,
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
        &fixture,
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
async fn a_record_by_id_and_a_missing_one() {
    let fixture = fixture().await;
    let table = fixture.admin("employees");
    let bytes = table
        .read_record(
            "3",
            &ReadRequest {
                fields: Some("first_name,salary".into()),
                ..request()
            },
        )
        .await
        .expect("found");
    assert_eq!(
        String::from_utf8(bytes).expect("utf-8"),
        r#"{"first_name":"Zoë","salary":61000.0}"#
    );
    assert!(matches!(
        table.read_record("99", &request()).await,
        Err(ConnectorError::RecordNotFound(id)) if id == "99"
    ));
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
async fn ids_by_a_numeric_column_match_whatever_its_scale() {
    let fixture = fixture().await;
    let body = get(
        &fixture,
        "employees",
        ReadRequest {
            ids: Some("61000,72000.5".into()),
            id_field: Some("salary".into()),
            fields: Some("id".into()),
            ..request()
        },
    )
    .await
    .expect("read");
    assert_eq!(body, json!({"resource": [{"id": 3}, {"id": 2}]}));
}

#[tokio::test]
async fn include_schema_describes_the_table() {
    let fixture = fixture().await;
    let body = get(
        &fixture,
        "departments",
        ReadRequest {
            include_schema: true,
            limit: Some("1".into()),
            ..request()
        },
    )
    .await
    .expect("read");
    assert_eq!(body["resource"], json!([{"id": 1, "name": "Engineering"}]));
    let schema = &body["meta"]["schema"];
    assert_eq!(schema["name"], json!("departments"));
    assert_eq!(schema["primary_key"], json!(["id"]));
    assert_eq!(schema["field"][0]["type"], json!("id"));
    assert_eq!(schema["field"][0]["db_type"], json!("integer"));
    assert_eq!(schema["field"][0]["auto_increment"], json!(true));
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
    let before = get(&fixture, "departments", read(false))
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
    let after = get(&fixture, "departments", read(false))
        .await
        .expect("read after the change");
    assert_eq!(after, before);
    let refreshed = get(&fixture, "departments", read(true))
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
        get(&fixture, "departments", read()).await.expect("read"),
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
        let body = get(&fixture, "departments", read())
            .await
            .unwrap_or_else(|error| panic!("read {attempt} after the restart: {error:?}"));
        assert_eq!(body, expected);
    }
}
