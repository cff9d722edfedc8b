//! `POST /_table/{table}`: body shapes, field handling and the answer.

use serde_json::json;
use sluice_connector_core::WriteKind::Create;

use crate::helpers::*;

#[tokio::test]
async fn wrapped_bare_and_single_wrapped_bodies_insert_their_records() {
    let fixture = fixture();
    let body = write(
        &fixture,
        "departments",
        with_body(
            Create,
            json!({"resource": [{"name": "Ops"}, {"name": "HR"}]}),
        ),
    )
    .await
    .expect("created");
    assert_eq!(body, json!({"resource": [{"id": 3}, {"id": 4}]}));
    let body = write(
        &fixture,
        "departments",
        with_body(Create, json!([{"name": "Legal"}])),
    )
    .await
    .expect("created");
    assert_eq!(body, json!({"resource": [{"id": 5}]}));
    let body = write(
        &fixture,
        "DEPARTMENTS",
        with_body(Create, json!({"resource": {"name": "IT"}})),
    )
    .await
    .expect("created");
    assert_eq!(body, json!({"resource": [{"id": 6}]}));
    assert_eq!(
        column(
            &fixture,
            "SELECT name FROM departments WHERE id > 2 ORDER BY id"
        ),
        vec![json!("Ops"), json!("HR"), json!("Legal"), json!("IT")]
    );
}

#[tokio::test]
async fn a_bare_object_or_an_empty_body_is_no_records() {
    let fixture = fixture();
    let message = bad_request(
        write(
            &fixture,
            "departments",
            with_body(Create, json!({"name": "Ops"})),
        )
        .await,
    );
    assert_eq!(
        message,
        "No record(s) detected in request. Please make sure record(s) are wrapped in a \
         'resource' tag. Example: {\"resource\":[{\"record\":1},{\"record\":2}]}"
    );
    assert_eq!(
        column(&fixture, "SELECT COUNT(*) FROM departments"),
        vec![json!(2)]
    );
}

#[tokio::test]
async fn create_by_identifier_is_refused() {
    let fixture = fixture();
    let result = write(
        &fixture,
        "departments",
        by_id(Create, "9", json!({"name": "x"})),
    )
    .await;
    assert_eq!(
        bad_request(result),
        "Create record by identifier not currently supported."
    );
}

#[tokio::test]
async fn keys_match_columns_case_insensitively_and_unknown_keys_are_ignored() {
    let fixture = fixture();
    let record =
        json!([{"FIRST_NAME": "Ann", "Last_Name": "Lee", "nickname": "al", "related_x": [1]}]);
    let body = write(&fixture, "employees", with_body(Create, record))
        .await
        .expect("created");
    assert_eq!(body, json!({"resource": [{"id": 4}]}));
    assert_eq!(
        column(
            &fixture,
            "SELECT first_name || ' ' || last_name FROM employees WHERE id = 4"
        ),
        vec![json!("Ann Lee")]
    );
}

#[tokio::test]
async fn a_record_without_any_usable_field_is_refused() {
    let fixture = fixture();
    let (message, context) =
        batch(write(&fixture, "log", with_body(Create, json!([{"nope": 1}]))).await);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be created."
    );
    assert_eq!(
        context,
        json!({"error": [0], "resource": [record_error(400, "No valid fields were found in record.")]})
    );
}

#[tokio::test]
async fn required_and_not_null_fields_get_dreamfactory_messages() {
    let fixture = fixture();
    let (_, context) = batch(
        write(
            &fixture,
            "employees",
            with_body(Create, json!([{"first_name": "Ann"}])),
        )
        .await,
    );
    assert_eq!(
        context["resource"][0],
        record_error(400, "Required field 'last_name' can not be NULL.")
    );
    let (_, context) = batch(
        write(
            &fixture,
            "employees",
            with_body(Create, json!([{"first_name": null, "last_name": "Lee"}])),
        )
        .await,
    );
    assert_eq!(
        context["resource"][0],
        record_error(400, "Field 'first_name' can not be NULL.")
    );
    assert_eq!(
        column(&fixture, "SELECT COUNT(*) FROM employees"),
        vec![json!(3)]
    );
}

#[tokio::test]
async fn values_are_typed_by_their_column() {
    let fixture = fixture();
    let record = json!([{"first_name": "A", "last_name": "B", "salary": "12.5", "active": "no", "dept_id": "2", "photo": "AAEC"}]);
    write(&fixture, "employees", with_body(Create, record))
        .await
        .expect("created");
    assert_eq!(
        column(
            &fixture,
            "SELECT json_array(typeof(salary), salary, active, typeof(dept_id), hex(photo)) FROM employees WHERE id = 4"
        ),
        vec![json!(r#"["real",12.5,0,"integer","000102"]"#)]
    );
    let (_, context) = batch(
        write(
            &fixture,
            "employees",
            with_body(
                Create,
                json!([{"first_name": "A", "last_name": "B", "dept_id": "two"}]),
            ),
        )
        .await,
    );
    assert_eq!(
        context["resource"][0],
        record_error(400, "Field 'dept_id' must be a valid integer.")
    );
    let (_, context) = batch(
        write(
            &fixture,
            "employees",
            with_body(
                Create,
                json!([{"first_name": "A", "last_name": "B", "photo": "***"}]),
            ),
        )
        .await,
    );
    assert_eq!(
        context["resource"][0],
        record_error(400, "Field 'photo' must be a valid base64 value.")
    );
}

#[tokio::test]
async fn sql_expressions_are_never_run() {
    let fixture = fixture();
    let record = json!([{"first_name": "A", "last_name": {"expression": "(SELECT group_concat(email) FROM employees)"}}]);
    let (_, context) = batch(write(&fixture, "employees", with_body(Create, record)).await);
    assert_eq!(
        context["resource"][0],
        record_error(400, "SQL expression is not permitted.")
    );
    assert_eq!(
        column(&fixture, "SELECT COUNT(*) FROM employees"),
        vec![json!(3)]
    );
}

#[tokio::test]
async fn a_lookup_value_is_bound_typed_and_private_or_unknown_ones_stay_text() {
    let fixture = fixture();
    let record = json!([
        {"owner_id": "{user.id}", "title": "{secret.key}"},
        {"owner_id": 9, "title": "{nobody.knows}"},
        {"owner_id": 9, "title": "x {user.id}"}
    ]);
    let access = sluice_connector_core::TableAccess::unrestricted().with_lookups(session(7));
    let request = Write::from(with_body(Create, record)).with_access(access);
    write(&fixture, "todos", request).await.expect("created");
    assert_eq!(
        column(
            &fixture,
            "SELECT json_array(owner_id, title) FROM todos WHERE id > 3 ORDER BY id"
        ),
        vec![
            json!(r#"[7,"{secret.key}"]"#),
            json!(r#"[9,"{nobody.knows}"]"#),
            json!(r#"[9,"x {user.id}"]"#)
        ]
    );
}

#[tokio::test]
async fn the_session_user_id_answers_user_id_lookups() {
    let fixture = fixture();
    let access = sluice_connector_core::TableAccess::unrestricted().with_user_id(Some(42));
    let request = Write::from(with_body(
        Create,
        json!([{"owner_id": "{user.id}", "title": "mine"}]),
    ))
    .with_access(access);
    write(&fixture, "todos", request).await.expect("created");
    assert_eq!(
        column(&fixture, "SELECT owner_id FROM todos WHERE title = 'mine'"),
        vec![json!(42)]
    );
}

#[tokio::test]
async fn identifiers_of_other_key_shapes() {
    let fixture = fixture();
    let body = write(
        &fixture,
        "tags",
        with_body(Create, json!([{"code": "blue", "label": "Blue"}])),
    )
    .await
    .expect("created");
    assert_eq!(body, json!({"resource": [{"code": "blue"}]}));
    let body = write(
        &fixture,
        "pairs",
        with_body(Create, json!([{"a": "2", "b": "z"}])),
    )
    .await
    .expect("created");
    assert_eq!(body, json!({"resource": [{"a": 2, "b": "z"}]}));
    let body = write(
        &fixture,
        "log",
        with_body(Create, json!([{"msg": "hello"}])),
    )
    .await
    .expect("created");
    assert_eq!(body, json!({"resource": [{}]}));
    let body = write(
        &fixture,
        "counters",
        with_body(Create, json!([{"n": 1}, {"id": null, "n": 2}])),
    )
    .await
    .expect("created, AUTOINCREMENT updates sqlite_sequence internally");
    assert_eq!(body, json!({"resource": [{"id": 1}, {"id": 2}]}));
    let request = sluice_connector_core::WriteRequest {
        id_field: Some("last_name".into()),
        ..with_body(Create, json!([{"first_name": "A", "last_name": "Z"}]))
    };
    let body = write(&fixture, "employees", request)
        .await
        .expect("created");
    assert_eq!(body, json!({"resource": [{"last_name": "Z"}]}));
}

#[tokio::test]
async fn fields_read_the_created_rows_back_in_database_order() {
    let fixture = fixture();
    let request = sluice_connector_core::WriteRequest {
        fields: Some("last_name,active,id".into()),
        ..with_body(
            Create,
            json!([{"id": 9, "first_name": "A", "last_name": "Nine"}, {"id": 5, "first_name": "B", "last_name": "Five", "active": false}]),
        )
    };
    let body = write(&fixture, "employees", request)
        .await
        .expect("created");
    assert_eq!(
        body,
        json!({"resource": [
            {"last_name": "Five", "active": false, "id": 5},
            {"last_name": "Nine", "active": true, "id": 9}
        ]})
    );
    let request = sluice_connector_core::WriteRequest {
        fields: Some("*".into()),
        ..with_body(Create, json!([{"name": "Ops"}]))
    };
    let body = write(&fixture, "departments", request)
        .await
        .expect("created");
    assert_eq!(body, json!({"resource": [{"id": 3, "name": "Ops"}]}));
}

#[tokio::test]
async fn fields_need_an_identifier_to_read_rows_back() {
    let fixture = fixture();
    let request = sluice_connector_core::WriteRequest {
        fields: Some("*".into()),
        ..with_body(Create, json!([{"msg": "x"}]))
    };
    assert_eq!(
        bad_request(write(&fixture, "log", request).await),
        "Table 'log' has no primary key; name the identifier field(s) with id_field."
    );
    assert_eq!(column(&fixture, "SELECT COUNT(*) FROM log"), vec![json!(0)]);
}

#[tokio::test]
async fn views_and_unknown_tables_are_refused() {
    let fixture = fixture();
    assert_eq!(
        bad_request(
            write(
                &fixture,
                "staff",
                with_body(Create, json!([{"last_name": "x"}]))
            )
            .await
        ),
        "Records of view 'staff' can not be written."
    );
    assert!(matches!(
        write(&fixture, "nope", with_body(Create, json!([{"a": 1}]))).await,
        Err(sluice_connector_core::ConnectorError::TableNotFound(name)) if name == "nope"
    ));
}

#[tokio::test]
async fn more_records_than_the_bound_are_refused_before_any_write() {
    let fixture = fixture();
    let records: Vec<_> = (0..11).map(|n| json!({"msg": n.to_string()})).collect();
    let request = with_body(Create, json!(records));
    let bounds = sluice_connector_core::WriteBounds {
        max_batch_records: 10,
        ..Default::default()
    };
    let result = write(&fixture, "log", Write::from(request).with_bounds(bounds)).await;
    assert!(
        matches!(&result, Err(sluice_connector_core::ConnectorError::BadRequest { message, .. }) if message == "Too many records in one request: the limit is 10."),
        "{result:?}"
    );
    assert_eq!(column(&fixture, "SELECT COUNT(*) FROM log"), vec![json!(0)]);
}
