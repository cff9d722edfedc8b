//! Values of every MySQL type written as DreamFactory JSON, byte for byte.

use sluice_connector_conformance::values::{self, get_text};
use sluice_connector_core::ReadRequest;

use crate::helpers::*;

#[tokio::test]
async fn every_type_is_written_as_its_json_value() {
    let fixture = fixture().await;
    let body = get_text(
        &fixture.database,
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
    let fields = ["small", "n", "f", "b", "dt", "ts", "u", "j", "bin", "yr"];
    values::check_nulls_are_json_null(&fixture().await.database, &fields).await;
}

#[tokio::test]
async fn filters_compare_by_the_columns_type() {
    let fixture = fixture().await;
    let body = get_text(
        &fixture.database,
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
