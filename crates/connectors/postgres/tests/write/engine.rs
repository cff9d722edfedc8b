//! What only PostgreSQL does on writes: sequences that do not give back the value of a
//! failed insert, identity columns the database always generates, values PostgreSQL's own
//! types refuse (answered without its text), deferred foreign keys checked at commit, and
//! many records in one transaction with a savepoint each.

use serde_json::json;
use sluice_connector_core::WriteKind::Create;
use sluice_connector_core::WriteRequest;

use crate::helpers::*;

#[tokio::test]
async fn a_failed_insert_uses_up_its_sequence_value() {
    let fixture = fixture().await;
    let request = WriteRequest {
        continue_on_error: true,
        ..with_body(
            Create,
            json!([{"name": "Ops"}, {"name": "Sales"}, {"name": "HR"}]),
        )
    };
    let (_, context) = batch(write(&fixture, "departments", request).await);
    assert_eq!(
        context,
        json!({"error": [1], "resource": [
            {"id": 3},
            record_error(400, "Duplicate value for unique field 'name'."),
            {"id": 5}
        ]})
    );
    assert_eq!(
        column(&fixture, "SELECT id FROM departments ORDER BY id").await,
        [json!(1), json!(2), json!(3), json!(5)]
    );
}

#[tokio::test]
async fn an_identity_generated_always_is_assigned_and_never_given() {
    let fixture = fixture().await;
    let body = write(
        &fixture,
        "counters",
        with_body(Create, json!([{"n": 1}, {"id": null, "n": 2}])),
    )
    .await
    .expect("created");
    assert_eq!(body, json!({"resource": [{"id": 1}, {"id": 2}]}));
    let (_, context) = batch(
        write(
            &fixture,
            "counters",
            with_body(Create, json!([{"id": 9, "n": 3}])),
        )
        .await,
    );
    assert_eq!(
        context["resource"][0],
        record_error(
            400,
            "A field the database generates can not be given a value."
        )
    );
}

#[tokio::test]
async fn values_postgresql_refuses_are_400s_without_its_text() {
    let fixture = fixture().await;
    fixture
        .execute(
            "CREATE TABLE kinds (id serial PRIMARY KEY, u uuid, at timestamptz, n numeric(5,2))",
        )
        .await;
    fixture.database.invalidate();
    for record in [
        json!({"u": "not-a-uuid"}),
        json!({"at": "yesterday-ish"}),
        json!({"n": 123456}),
    ] {
        let (_, context) =
            batch(write(&fixture, "kinds", with_body(Create, json!([record]))).await);
        assert_eq!(
            context["resource"][0],
            record_error(400, "A value does not match the type of its column.")
        );
    }
    let request = WriteRequest {
        fields: Some("u,n".into()),
        ..with_body(
            Create,
            json!([{"u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "at": "2024-01-02T03:04:05Z", "n": 1.25}]),
        )
    };
    assert_eq!(
        write(&fixture, "kinds", request).await.expect("created"),
        json!({"resource": [{"u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "n": 1.25}]})
    );
}

#[tokio::test]
async fn a_thousand_records_with_failures_keep_every_other_one() {
    let fixture = fixture().await;
    let records: Vec<_> = (0..1000)
        .map(|i| {
            let code = if i % 100 == 50 {
                "red".to_owned()
            } else {
                format!("c{i:04}")
            };
            json!({"code": code, "label": "x"})
        })
        .collect();
    let request = WriteRequest {
        continue_on_error: true,
        ..with_body(Create, json!(records))
    };
    let (_, context) = batch(write(&fixture, "tags", request).await);
    let failed: Vec<_> = (0..10).map(|i| json!(i * 100 + 50)).collect();
    assert_eq!(context["error"], json!(failed));
    assert_eq!(
        column(&fixture, "SELECT COUNT(*) FROM tags").await,
        [json!(991)]
    );
}

#[tokio::test]
async fn a_deferred_foreign_key_fails_the_request_at_commit() {
    let fixture = fixture().await;
    let request = with_body(Create, json!([{"employee_id": 1}, {"employee_id": 99}]));
    assert_eq!(
        bad_request(write(&fixture, "reviews", request).await),
        "The request violates a foreign key constraint. No changes were made."
    );
    assert!(column(&fixture, "SELECT id FROM reviews").await.is_empty());
}
