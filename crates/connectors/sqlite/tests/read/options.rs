//! Every read option (paging, `meta`, filters, projection, ordering) against a real file.

use std::collections::HashMap;

use serde_json::json;
use sluice_connector_core::{ConnectorError, ReadOutput, ReadRequest, TableAccess};

use crate::helpers::*;

#[tokio::test]
async fn plain_get_returns_every_row_and_column_without_meta() {
    let fixture = fixture();
    let body = get(&fixture, "employees", request()).await.expect("read");
    assert_eq!(ids(&body), (1..=10).collect::<Vec<_>>());
    assert!(body.get("meta").is_none());
    assert_eq!(
        body["resource"][0],
        json!({
            "id": 1, "first_name": "John", "last_name": "Smith", "hire_date": "1989-05-01",
            "salary": 55000.0, "active": true, "dept_id": 1, "notes": null
        })
    );
}

#[tokio::test]
async fn table_lookup_is_case_insensitive_and_unknown_tables_are_404() {
    let fixture = fixture();
    assert_eq!(
        ids(&get(&fixture, "EMPLOYEES", request()).await.expect("read")).len(),
        10
    );
    let error = get(&fixture, "nope", request()).await.expect_err("missing");
    assert!(matches!(&error, ConnectorError::TableNotFound(name) if name == "nope"));
    assert!(matches!(
        get(&fixture, "sqlite_sequence", request()).await,
        Err(ConnectorError::TableNotFound(_))
    ));
}

#[tokio::test]
async fn fields_select_columns_in_db_spelling() {
    let fixture = fixture();
    let body = get(
        &fixture,
        "employees",
        ReadRequest {
            fields: Some("LAST_NAME, id".into()),
            limit: Some("1".into()),
            ..request()
        },
    )
    .await
    .expect("read");
    assert_eq!(body, json!({"resource": [{"last_name": "Smith", "id": 1}]}));
}

#[tokio::test]
async fn empty_fields_return_only_the_primary_key() {
    let fixture = fixture();
    let body = get(
        &fixture,
        "pairs",
        ReadRequest {
            fields: Some(String::new()),
            ..request()
        },
    )
    .await
    .expect("read");
    assert_eq!(body["resource"][0], json!({"a": 1, "b": "x"}));
}

#[tokio::test]
async fn unknown_fields_are_a_400() {
    let fixture = fixture();
    let result = get(
        &fixture,
        "employees",
        ReadRequest {
            fields: Some("id,password".into()),
            ..request()
        },
    )
    .await;
    assert_eq!(bad_request(result), "Invalid field requested: password");
}

async fn filtered(fixture: &Fixture, filter: &str) -> Result<Vec<i64>, ConnectorError> {
    get(
        fixture,
        "employees",
        ReadRequest {
            filter: Some(filter.into()),
            fields: Some("id".into()),
            ..request()
        },
    )
    .await
    .map(|body| ids(&body))
}

#[tokio::test]
async fn filters_select_the_expected_rows() {
    let fixture = fixture();
    let cases: &[(&str, &[i64])] = &[
        (
            "(last_name = 'Smith') and (hire_date >= '1990-01-01') or salary between 50000 and 60000",
            &[1, 2, 6, 7, 10],
        ),
        ("last_name = 'Smith' and hire_date >= '1990-01-01'", &[2]),
        ("last_name = 'O''Brien'", &[4]),
        ("first_name = 'Zoë'", &[3]),
        ("notes contains '%'", &[4, 5]),
        ("notes contains '_'", &[4, 7]),
        ("notes starts with '50%'", &[4]),
        ("notes ends with 'café'", &[3]),
        ("last_name like 'S%'", &[1, 2]),
        ("last_name not like 'S%' and id < 4", &[3]),
        ("hire_date = null", &[4]),
        ("dept_id != null and dept_id in (3)", &[6, 7]),
        ("dept_id is null", &[5, 10]),
        ("id not in (1,2,3,4,5,6,7,8)", &[9, 10]),
        ("not (active = true) ", &[3, 6, 9]),
        ("salary > 60000.25", &[2, 3, 8]),
        ("salary not between 50000 and 90000", &[4, 9]),
        ("ID >= '9'", &[9, 10]),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            filtered(&fixture, filter).await.expect(filter),
            expected.to_vec(),
            "{filter}"
        );
    }
}

#[tokio::test]
async fn filter_errors_are_400s_with_dreamfactory_wording() {
    let fixture = fixture();
    let message =
        |result: Result<Vec<i64>, ConnectorError>| bad_request(result.map(|ids| json!(ids)));
    assert_eq!(
        message(filtered(&fixture, "password = 'x'").await),
        "Invalid or unparsable field in filter request: 'password'"
    );
    assert_eq!(
        message(filtered(&fixture, "id = abc").await),
        "Field 'id' must be a valid integer."
    );
    assert_eq!(
        message(filtered(&fixture, "id = {user.id}").await),
        "Lookup '{user.id}' is not available."
    );
    assert!(
        message(filtered(&fixture, "id = 1; DROP TABLE employees").await)
            .starts_with("Invalid or unparsable filter request")
    );
    assert!(
        message(filtered(&fixture, "lower(last_name) = 'x'").await)
            .starts_with("Invalid or unparsable filter request")
    );
}

#[tokio::test]
async fn filter_params_are_bound_and_missing_ones_refused() {
    let fixture = fixture();
    let with_params = |params: HashMap<String, serde_json::Value>| ReadRequest {
        filter: Some("last_name = :name and salary > :min".into()),
        fields: Some("id".into()),
        params,
        ..request()
    };
    let params = HashMap::from([
        (":name".to_owned(), json!("Smith")),
        ("min".to_owned(), json!(60000)),
    ]);
    let body = get(&fixture, "employees", with_params(params))
        .await
        .expect("read");
    assert_eq!(ids(&body), vec![2]);
    let params = HashMap::from([(":name".to_owned(), json!("Smith"))]);
    assert_eq!(
        bad_request(get(&fixture, "employees", with_params(params)).await),
        "No value was given for filter parameter ':min'."
    );
}

async fn ordered(fixture: &Fixture, order: &str) -> Result<Vec<i64>, ConnectorError> {
    get(
        fixture,
        "employees",
        ReadRequest {
            order: Some(order.into()),
            fields: Some("id".into()),
            ..request()
        },
    )
    .await
    .map(|body| ids(&body))
}

#[tokio::test]
async fn order_sorts_by_several_terms_with_nulls_placement() {
    let fixture = fixture();
    assert_eq!(
        ordered(&fixture, "last_name desc, first_name")
            .await
            .expect("ordered"),
        // SQLite's default BINARY collation: `Å` sorts after every ASCII letter.
        vec![3, 10, 2, 1, 4, 8, 7, 5, 9, 6]
    );
    let nulls_last = ordered(&fixture, "salary asc nulls last")
        .await
        .expect("ordered");
    assert_eq!(nulls_last.last(), Some(&5));
    let nulls_first = ordered(&fixture, "SALARY DESC NULLS FIRST")
        .await
        .expect("ordered");
    assert_eq!(nulls_first[..2], [5, 8]);
}

#[tokio::test]
async fn order_errors_follow_dreamfactory() {
    let fixture = fixture();
    let message =
        |result: Result<Vec<i64>, ConnectorError>| bad_request(result.map(|ids| json!(ids)));
    assert_eq!(
        message(ordered(&fixture, "password desc").await),
        "Invalid field 'password' in order by clause."
    );
    for clause in [
        "id desc; select 1",
        "id sleep(5)",
        "id desc, ",
        "id asc nulls",
    ] {
        assert_eq!(
            message(ordered(&fixture, clause).await),
            "Invalid order by clause in request.",
            "{clause}"
        );
    }
}

#[tokio::test]
async fn explicit_limit_and_offset_page_without_meta() {
    let fixture = fixture();
    let body = get(
        &fixture,
        "employees",
        ReadRequest {
            limit: Some("3".into()),
            offset: Some("2".into()),
            fields: Some("id".into()),
            ..request()
        },
    )
    .await
    .expect("read");
    assert_eq!(body, json!({"resource": [{"id": 3}, {"id": 4}, {"id": 5}]}));
}

#[tokio::test]
async fn include_count_adds_count_and_next() {
    let fixture = fixture();
    let page = |offset: &str| ReadRequest {
        limit: Some("4".into()),
        offset: Some(offset.into()),
        include_count: true,
        fields: Some("id".into()),
        ..request()
    };
    let body = get(&fixture, "employees", page("0")).await.expect("read");
    assert_eq!(body["meta"], json!({"count": 10, "next": 4}));
    let body = get(&fixture, "employees", page("8")).await.expect("read");
    assert_eq!(ids(&body), vec![9, 10]);
    assert_eq!(body["meta"], json!({"count": 10}));
}

#[tokio::test]
async fn more_rows_than_max_records_get_count_and_next() {
    let fixture = fixture();
    let body = get_with(&fixture, "employees", request(), bounds(4))
        .await
        .expect("read");
    assert_eq!(ids(&body), vec![1, 2, 3, 4]);
    assert_eq!(body["meta"], json!({"count": 10, "next": 4}));
    // A limit above the maximum is the maximum, with the same meta.
    let over = ReadRequest {
        limit: Some("500".into()),
        ..request()
    };
    let body = get_with(&fixture, "employees", over, bounds(4))
        .await
        .expect("read");
    assert_eq!(body["meta"], json!({"count": 10, "next": 4}));
    // Exactly max rows: no meta.
    let body = get_with(&fixture, "employees", request(), bounds(10))
        .await
        .expect("read");
    assert!(body.get("meta").is_none());
}

#[tokio::test]
async fn bad_limit_and_offset_values_are_400s() {
    let fixture = fixture();
    let with = |limit: Option<&str>, offset: Option<&str>| ReadRequest {
        limit: limit.map(str::to_owned),
        offset: offset.map(str::to_owned),
        ..request()
    };
    assert_eq!(
        bad_request(get(&fixture, "employees", with(Some("ten"), None)).await),
        "The 'limit' parameter must be an integer."
    );
    assert_eq!(
        bad_request(get(&fixture, "employees", with(None, Some("-1"))).await),
        "The 'offset' parameter must not be negative."
    );
}

#[tokio::test]
async fn empty_results_are_an_empty_resource_list() {
    let fixture = fixture();
    let none = ReadRequest {
        filter: Some("id > 100".into()),
        ..request()
    };
    assert_eq!(
        get_text(&fixture.database, "employees", none.clone()).await,
        r#"{"resource":[]}"#
    );
    let counted = ReadRequest {
        include_count: true,
        ..none
    };
    assert_eq!(
        get_text(&fixture.database, "employees", counted).await,
        r#"{"resource":[],"meta":{"count":0}}"#
    );
}

#[tokio::test]
async fn count_only_returns_a_bare_number() {
    let fixture = fixture();
    let output = fixture
        .table("employees", TableAccess::unrestricted(), bounds(1000))
        .read_records(&ReadRequest {
            count_only: true,
            filter: Some("active = true".into()),
            ..request()
        })
        .await
        .expect("count");
    assert!(matches!(output, ReadOutput::Count(7)));
}

#[tokio::test]
async fn group_with_aggregates_uses_dreamfactory_keys() {
    let fixture = fixture();
    let body = get(
        &fixture,
        "employees",
        ReadRequest {
            fields: Some("dept_id,COUNT(*),SUM(salary),max(hire_date)".into()),
            group: Some("dept_id".into()),
            order: Some("dept_id nulls last".into()),
            include_count: true,
            ..request()
        },
    )
    .await
    .expect("read");
    assert_eq!(
        body["resource"][0],
        json!({"dept_id": 1, "COUNT_ALL": 3, "SUM_salary": 217000.5, "MAX_hire_date": "2010-03-03"})
    );
    assert_eq!(body["resource"][3]["dept_id"], json!(null));
    assert_eq!(body["meta"], json!({"count": 4}));
    let unknown = ReadRequest {
        group: Some("nope".into()),
        ..request()
    };
    assert_eq!(
        bad_request(get(&fixture, "employees", unknown).await),
        "Invalid or unknown field 'nope' in group by clause."
    );
}

#[tokio::test]
async fn as_list_returns_identifiers() {
    let fixture = fixture();
    let list = |table_request: ReadRequest| ReadRequest {
        as_list: true,
        limit: Some("3".into()),
        ..table_request
    };
    // No `name` column: the primary key.
    assert_eq!(
        get(&fixture, "employees", list(request()))
            .await
            .expect("read"),
        json!({"resource": [1, 2, 3]})
    );
    // DreamFactory's default identifier is the `name` column.
    assert_eq!(
        get(&fixture, "departments", list(request()))
            .await
            .expect("read"),
        json!({"resource": ["Engineering", "Sales", "Ops"]})
    );
    let by_field = ReadRequest {
        id_field: Some("last_name".into()),
        ..request()
    };
    assert_eq!(
        get(&fixture, "employees", list(by_field))
            .await
            .expect("read"),
        json!({"resource": ["Smith", "Smith", "Åström"]})
    );
    assert_eq!(
        get(&fixture, "pairs", list(request())).await.expect("read"),
        json!({"resource": ["(1,x)", "(1,y)", "(2,x)"]})
    );
}

#[tokio::test]
async fn include_schema_adds_the_table_descriptor() {
    let fixture = fixture();
    let body = get(
        &fixture,
        "employees",
        ReadRequest {
            include_schema: true,
            limit: Some("1".into()),
            ..request()
        },
    )
    .await
    .expect("read");
    let schema = &body["meta"]["schema"];
    assert_eq!(schema["name"], "employees");
    assert_eq!(schema["primary_key"], json!(["id"]));
    assert_eq!(schema["field"].as_array().map(Vec::len), Some(8));
    assert_eq!(schema["field"][6]["type"], "reference");
    assert_eq!(schema["field"][6]["ref_table"], "departments");
    assert!(body["meta"].get("count").is_none());
}
