//! Values of every PostgreSQL type written as DreamFactory JSON, byte for byte.

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
            r#""r":1.5,"dp":2.25,"b":true,"s":"abc","c":"ab ","t":"long \"text\"","#,
            r#""ts":"2024-01-02 03:04:05","tstz":"2024-01-02 01:04:05+00","d":"2024-01-02","#,
            r#""tm":"03:04:05","u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","j":"{\"a\": 1}","#,
            r#""jb":"{\"b\": [1, 2]}","bin":"AQL/","arr":"{1,2,3}","tags":"{\"x y\",z}","#,
            r#""feeling":"happy"}]}"#
        )
    );
}

#[tokio::test]
async fn nulls_of_every_type_are_json_null() {
    let fields = ["small", "n", "r", "b", "tstz", "u", "jb", "bin", "arr"];
    values::check_nulls_are_json_null(&fixture().await.database, &fields).await;
}
