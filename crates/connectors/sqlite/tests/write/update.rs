//! `PUT` / `PATCH` (both partial updates): every write target (URL id, ids,
//! records, filter) with its precedence, composite keys, `fields`, and upsert.

use serde_json::{Value, json};
use sluice_connector_core::WriteKind::Update;
use sluice_connector_core::WriteRequest;

use crate::helpers::*;

fn last_names(fixture: &Fixture) -> Vec<Value> {
    column(fixture, "SELECT last_name FROM employees ORDER BY id")
}

#[tokio::test]
async fn the_id_form_changes_one_record_and_answers_a_bare_object() {
    let fixture = fixture();
    let body = write(
        &fixture,
        "employees",
        by_id(Update, "2", json!({"last_name": "Roe", "id": 99})),
    )
    .await
    .expect("updated");
    assert_eq!(body, json!({"id": 2}));
    assert_eq!(
        last_names(&fixture),
        vec![json!("Smith"), json!("Roe"), json!("Brown")]
    );
    // Untouched columns keep their values: PUT does not null what it leaves out.
    assert_eq!(
        column(
            &fixture,
            "SELECT first_name || email FROM employees WHERE id = 2"
        ),
        vec![json!("Janejane@x.io")]
    );
}

#[tokio::test]
async fn the_id_form_takes_the_body_object_unwrapped() {
    let fixture = fixture();
    let wrapped = json!({"resource": [{"last_name": "Roe"}]});
    let result = write(&fixture, "employees", by_id(Update, "2", wrapped)).await;
    assert_eq!(bad_request(result), "No valid fields were found in record.");
    assert_eq!(
        bad_request(
            write(
                &fixture,
                "employees",
                by_id(Update, "two", json!({"last_name": "x"}))
            )
            .await
        ),
        "Field 'id' must be a valid integer."
    );
}

#[tokio::test]
async fn ids_apply_the_first_record_to_each_id() {
    let fixture = fixture();
    let request = WriteRequest {
        ids: Some("3,1".into()),
        ..with_body(
            Update,
            json!([{"notes": "batch", "id": 7}, {"notes": "ignored"}]),
        )
    };
    let body = write(&fixture, "employees", request)
        .await
        .expect("updated");
    assert_eq!(body, json!({"resource": [{"id": 3}, {"id": 1}]}));
    assert_eq!(
        column(
            &fixture,
            "SELECT id || ':' || coalesce(notes, '-') FROM employees ORDER BY id"
        ),
        vec![json!("1:batch"), json!("2:-"), json!("3:batch")]
    );
}

#[tokio::test]
async fn records_carry_their_own_ids() {
    let fixture = fixture();
    let request = with_body(
        Update,
        json!({"resource": [{"id": 1, "last_name": "One"}, {"ID": "3", "last_name": "Three"}]}),
    );
    let body = write(&fixture, "employees", request)
        .await
        .expect("updated");
    assert_eq!(body, json!({"resource": [{"id": 1}, {"id": 3}]}));
    assert_eq!(
        last_names(&fixture),
        vec![json!("One"), json!("Doe"), json!("Three")]
    );
    let (_, context) = batch(
        write(
            &fixture,
            "employees",
            with_body(Update, json!([{"id": 2, "notes": "a"}, {"notes": "b"}])),
        )
        .await,
    );
    assert_eq!(
        context,
        json!({"error": [1], "resource": [
            {"id": 2},
            record_error(400, "Required id field(s) not found in record 1.")
        ]})
    );
}

#[tokio::test]
async fn a_body_is_required_outside_the_id_form() {
    let fixture = fixture();
    let request = WriteRequest {
        ids: Some("1".into()),
        ..blank(Update)
    };
    let message = bad_request(write(&fixture, "employees", request).await);
    assert!(
        message.starts_with("No record(s) detected in request."),
        "{message}"
    );
}

#[tokio::test]
async fn composite_keys_are_named_by_id_field_or_the_primary_key() {
    let fixture = fixture();
    let body = write(
        &fixture,
        "pairs",
        with_body(Update, json!([{"a": 1, "b": "y", "v": "changed"}])),
    )
    .await
    .expect("updated");
    assert_eq!(body, json!({"resource": [{"a": 1, "b": "y"}]}));
    assert_eq!(
        column(&fixture, "SELECT v FROM pairs ORDER BY b"),
        vec![json!("first"), json!("changed")]
    );
    let request = WriteRequest {
        id_field: Some("email".into()),
        ..with_body(
            Update,
            json!([{"email": "jane@x.io", "notes": "by e-mail"}]),
        )
    };
    let body = write(&fixture, "employees", request)
        .await
        .expect("updated");
    assert_eq!(body, json!({"resource": [{"email": "jane@x.io"}]}));
    assert_eq!(
        column(&fixture, "SELECT notes FROM employees WHERE id = 2"),
        vec![json!("by e-mail")]
    );
    let request = WriteRequest {
        id_field: Some("first_name, LAST_NAME".into()),
        fields: Some("id,notes".into()),
        ..with_body(
            Update,
            json!([{"first_name": "Jane", "last_name": "Doe", "notes": "pair"}]),
        )
    };
    let body = write(&fixture, "employees", request)
        .await
        .expect("updated");
    assert_eq!(body, json!({"resource": [{"id": 2, "notes": "pair"}]}));
    let request = WriteRequest {
        id_field: Some("first_name,last_name".into()),
        ..with_body(
            Update,
            json!([{"first_name": "Jane", "last_name": "Smith", "notes": "x"}]),
        )
    };
    let (_, context) = batch(write(&fixture, "employees", request).await);
    assert_eq!(
        context["resource"][0],
        record_error(404, "Record with identifier 'Jane,Smith' not found.")
    );
    let request = WriteRequest {
        id_field: Some("nope".into()),
        ..with_body(Update, json!([{"id": 1, "notes": "x"}]))
    };
    assert_eq!(
        bad_request(write(&fixture, "employees", request).await),
        "Invalid identifier field 'nope' requested."
    );
}

#[tokio::test]
async fn a_filter_updates_every_match_in_one_statement_and_lists_them_afterwards() {
    let fixture = fixture();
    let request = WriteRequest {
        filter: Some("salary < 60000 and id != :skip".into()),
        params: [(":skip".to_owned(), json!(99))].into(),
        ..with_body(Update, json!([{"notes": "raise", "id": 50}]))
    };
    let body = write(&fixture, "employees", request)
        .await
        .expect("updated");
    assert_eq!(body, json!({"resource": [{"id": 1}, {"id": 3}]}));
    assert_eq!(
        column(
            &fixture,
            "SELECT coalesce(notes, '-') FROM employees ORDER BY id"
        ),
        vec![json!("raise"), json!("-"), json!("raise")]
    );
    // Rows the change moves out of the filter are not listed.
    let request = WriteRequest {
        filter: Some("salary < 60000".into()),
        fields: Some("last_name,salary".into()),
        ..with_body(Update, json!([{"salary": 61000}]))
    };
    let body = write(&fixture, "employees", request)
        .await
        .expect("updated");
    assert_eq!(body, json!({"resource": []}));
    let request = WriteRequest {
        filter: Some("last_name = 'Smith'".into()),
        fields: Some("last_name,salary".into()),
        ..with_body(Update, json!([{"salary": 1}]))
    };
    let body = write(&fixture, "employees", request)
        .await
        .expect("updated");
    assert_eq!(
        body,
        json!({"resource": [{"last_name": "Smith", "salary": 1.0}]})
    );
}

#[tokio::test]
async fn precedence_is_id_then_ids_then_filter_then_records() {
    let fixture = fixture();
    let everything = |id: Option<&str>, ids: Option<&str>, filter: Option<&str>| WriteRequest {
        id: id.map(Into::into),
        ids: ids.map(Into::into),
        filter: filter.map(Into::into),
        ..with_body(Update, json!([{"id": 3, "notes": "x"}]))
    };
    let body = write(
        &fixture,
        "employees",
        everything(Some("1"), Some("2"), Some("id = 3")),
    )
    .await
    .expect("updated");
    assert_eq!(body, json!({"id": 1}));
    let body = write(
        &fixture,
        "employees",
        everything(None, Some("2"), Some("id = 3")),
    )
    .await
    .expect("updated");
    assert_eq!(body, json!({"resource": [{"id": 2}]}));
    let body = write(
        &fixture,
        "employees",
        everything(None, Some(""), Some("id = 1")),
    )
    .await
    .expect("updated: an empty ids is absent");
    assert_eq!(body, json!({"resource": [{"id": 1}]}));
    let body = write(&fixture, "employees", everything(None, None, Some("  ")))
        .await
        .expect("updated: a blank filter is absent");
    assert_eq!(body, json!({"resource": [{"id": 3}]}));
}

#[tokio::test]
async fn fields_read_updated_rows_back_in_database_order() {
    let fixture = fixture();
    let request = WriteRequest {
        fields: Some("id,notes".into()),
        ..with_body(
            Update,
            json!([{"id": 3, "notes": "c"}, {"id": 1, "notes": "a"}]),
        )
    };
    let body = write(&fixture, "employees", request)
        .await
        .expect("updated");
    assert_eq!(
        body,
        json!({"resource": [{"id": 1, "notes": "a"}, {"id": 3, "notes": "c"}]})
    );
    let request = WriteRequest {
        fields: Some("*".into()),
        ..by_id(Update, "2", json!({"notes": "b"}))
    };
    let body = write(&fixture, "employees", request)
        .await
        .expect("updated");
    assert_eq!(body["notes"], json!("b"));
    assert_eq!(body["email"], json!("jane@x.io"));
}

#[tokio::test]
async fn upsert_inserts_identified_records_that_do_not_exist() {
    let fixture = fixture();
    let upsert = |request: WriteRequest| Write::from(request).upsert();
    let body = write(
        &fixture,
        "tags",
        upsert(by_id(Update, "green", json!({"label": "Green"}))),
    )
    .await
    .expect("inserted");
    assert_eq!(body, json!({"code": "green"}));
    let body = write(
        &fixture,
        "tags",
        upsert(with_body(
            Update,
            json!([{"code": "red", "label": "Rouge"}, {"code": "blue", "label": "Blue"}]),
        )),
    )
    .await
    .expect("updated and inserted");
    assert_eq!(
        body,
        json!({"resource": [{"code": "red"}, {"code": "blue"}]})
    );
    assert_eq!(
        column(
            &fixture,
            "SELECT code || '=' || label FROM tags ORDER BY code"
        ),
        vec![json!("blue=Blue"), json!("green=Green"), json!("red=Rouge")]
    );
    let request = upsert(WriteRequest {
        ids: Some("7".into()),
        ..with_body(Update, json!([{"name": "Seven"}]))
    });
    write(&fixture, "departments", request)
        .await
        .expect("inserted");
    assert_eq!(
        column(&fixture, "SELECT name FROM departments WHERE id = 7"),
        vec![json!("Seven")]
    );
    let missing = write(
        &fixture,
        "tags",
        by_id(Update, "pink", json!({"label": "Pink"})),
    )
    .await;
    assert!(matches!(
        missing,
        Err(sluice_connector_core::ConnectorError::RecordNotFound(_))
    ));
}

#[tokio::test]
async fn an_upsert_missing_a_required_field_fails_with_the_not_null_message() {
    let fixture = fixture();
    let request = Write::from(by_id(Update, "8", json!({"notes": "x"}))).upsert();
    assert_eq!(
        bad_request(write(&fixture, "employees", request).await),
        "Field 'first_name' can not be NULL."
    );
}
