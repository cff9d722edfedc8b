//! Values of every MySQL type written as DreamFactory JSON, byte for byte.

use sluice_connector_core::ReadRequest;

use crate::helpers::*;

#[tokio::test]
async fn every_type_is_written_as_its_json_value() {
    let fixture = fixture().await;
    let body = get_text(
        &fixture,
        "typed",
        ReadRequest {
            filter: Some("id = 1".into()),
            ..request()
        },
    )
    .await;
    assert_eq!(
        body,
        concat!(
            r#"{"resource":[{"id":1,"small":1,"i":2,"big":9007199254740993,"n":1234.5,"#,
            r#""f":0.1,"dp":2.25,"b":true,"s":"abc","c":"ab","t":"long \"text\" \\ slash","#,
            r#""dt":"2024-01-02 03:04:05","ts":"2024-01-02 03:04:05","d":"2024-01-02","#,
            r#""tm":"03:04:05","u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","j":"{\"a\": 1}","#,
            r#""bin":"AQL/","bl":"AA==","feeling":"happy","yr":2024}]}"#
        )
    );
}

#[tokio::test]
async fn nulls_of_every_type_are_json_null() {
    let fixture = fixture().await;
    let body = get_text(
        &fixture,
        "typed",
        ReadRequest {
            filter: Some("id = 2".into()),
            fields: Some("small,n,f,b,dt,ts,u,j,bin,yr".into()),
            ..request()
        },
    )
    .await;
    assert_eq!(
        body,
        r#"{"resource":[{"small":null,"n":null,"f":null,"b":null,"dt":null,"ts":null,"u":null,"j":null,"bin":null,"yr":null}]}"#
    );
}

#[tokio::test]
async fn filters_compare_by_the_columns_type() {
    let fixture = fixture().await;
    let body = get_text(
        &fixture,
        "typed",
        ReadRequest {
            filter: Some(
                "(dt > '2024-01-01') and (b = true) and (n = 1234.5) and (feeling = 'happy')"
                    .into(),
            ),
            fields: Some("id".into()),
            ..request()
        },
    )
    .await;
    assert_eq!(body, r#"{"resource":[{"id":1}]}"#);
}

#[tokio::test]
async fn aggregates_are_numbers() {
    let fixture = fixture().await;
    let body = get_text(
        &fixture,
        "employees",
        ReadRequest {
            fields: Some("dept_id,count(id),sum(id),avg(salary),max(hire_date)".into()),
            group: Some("dept_id".into()),
            filter: Some("dept_id is not null".into()),
            order: Some("dept_id".into()),
            ..request()
        },
    )
    .await;
    assert_eq!(
        body,
        concat!(
            r#"{"resource":["#,
            r#"{"dept_id":1,"COUNT_id":3,"SUM_id":11,"AVG_salary":72333.5,"MAX_hire_date":"2010-03-03"},"#,
            r#"{"dept_id":2,"COUNT_id":3,"SUM_id":16,"AVG_salary":51333.333333333336,"MAX_hire_date":"2015-06-06"},"#,
            r#"{"dept_id":3,"COUNT_id":2,"SUM_id":13,"AVG_salary":55000.0,"MAX_hire_date":"1990-01-01"}"#,
            r#"]}"#
        )
    );
}
