//! JSON typing of every column type (untyped columns typed from the stored value),
//! UTF-8 output.

use serde_json::json;
use sluice_connector_core::ReadRequest;

use crate::helpers::*;

fn insert_typed(fixture: &Fixture) {
    writer(fixture)
        .execute_batch(
            "INSERT INTO typed VALUES
               (1, 42, 9007199254740993, 1, 0, 1.5, 2.5, 3.25, 'short', 'héllo \"wörld\"',
                '2024-01-31 10:00:00', '2024-01-31T10:00:00Z', x'00ff10', 7),
               (2, NULL, NULL, 'yes', 'false', 5, 3, 4, 'x', 't', NULL, NULL, x'', 'seven'),
               (3, 'abc', 1, 2, NULL, '7.5', NULL, NULL, 12, 13, NULL, NULL, 'text in blob', 7.5),
               (4, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, CAST(x'61ff62' AS TEXT), NULL, NULL, NULL, x'0102'),
               (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
        )
        .expect("rows inserted");
}

#[tokio::test]
async fn each_column_type_has_its_json_type() {
    let fixture = fixture();
    insert_typed(&fixture);
    let body = get(&fixture, "typed", request()).await.expect("read");
    assert_eq!(
        body["resource"][0],
        json!({
            "id": 1, "i": 42, "big": 9007199254740993_i64, "b": true, "tiny": false, "d": 1.5, "f": 2.5,
            "dbl": 3.25, "s": "short", "t": "héllo \"wörld\"", "dt": "2024-01-31 10:00:00",
            "ts": "2024-01-31T10:00:00Z", "bin": "AP8Q", "untyped": 7
        })
    );
}

#[tokio::test]
async fn values_are_coerced_by_column_type_where_sqlite_stored_them_otherwise() {
    let fixture = fixture();
    insert_typed(&fixture);
    let body = get(&fixture, "typed", request()).await.expect("read");
    let row = &body["resource"][1];
    assert_eq!(row["b"], json!(true), "'yes' in a boolean column");
    assert_eq!(row["tiny"], json!(false), "'false' in a tinyint(1) column");
    assert_eq!(row["d"], json!(5.0), "integers in decimal columns keep .0");
    assert_eq!(row["bin"], json!(""), "empty blob");
    assert_eq!(row["untyped"], json!("seven"));
    let row = &body["resource"][2];
    assert_eq!(
        row["i"],
        json!("abc"),
        "text that is not an integer stays text"
    );
    assert_eq!(row["b"], json!(true), "2 is truthy");
    assert_eq!(row["d"], json!(7.5), "numeric text in a decimal column");
    assert_eq!(row["s"], json!("12"), "numbers in text columns are strings");
    assert_eq!(
        row["bin"],
        json!("dGV4dCBpbiBibG9i"),
        "text in a blob column is base64"
    );
    assert_eq!(row["untyped"], json!(7.5));
    let row = &body["resource"][3];
    assert_eq!(
        row["t"],
        json!("a\u{fffd}b"),
        "invalid UTF-8 is replaced, never broken JSON"
    );
    assert_eq!(row["untyped"], json!("AQI="), "untyped blob is base64");
    let row = &body["resource"][4];
    assert!(
        row.as_object()
            .expect("object")
            .iter()
            .filter(|(k, _)| *k != "id")
            .all(|(_, v)| v.is_null())
    );
}

#[tokio::test]
async fn output_is_utf8_with_floats_keeping_their_fraction() {
    let fixture = fixture();
    let text = get_text(
        &fixture.database,
        "employees",
        ReadRequest {
            ids: Some("3".into()),
            fields: Some("first_name,salary,notes".into()),
            ..request()
        },
    )
    .await;
    assert_eq!(
        text,
        r#"{"resource":[{"first_name":"Zoë","salary":61000.0,"notes":"naïve café"}]}"#
    );
}

#[tokio::test]
async fn untyped_columns_filter_by_how_the_value_was_written() {
    let fixture = fixture();
    insert_typed(&fixture);
    let matching = |filter: &str| {
        let fixture = &fixture;
        let filter = filter.to_owned();
        async move {
            let body = get(
                fixture,
                "typed",
                ReadRequest {
                    filter: Some(filter),
                    fields: Some("id".into()),
                    ..request()
                },
            )
            .await
            .expect("read");
            ids(&body)
        }
    };
    assert_eq!(matching("untyped = 7").await, vec![1]);
    assert_eq!(matching("untyped = 'seven'").await, vec![2]);
    assert_eq!(
        matching("untyped > 7").await,
        vec![2, 3, 4],
        "text and blobs sort after numbers"
    );
    assert_eq!(
        matching("bin = 'AP8Q'").await,
        vec![1],
        "blob columns compare base64-decoded"
    );
    // Booleans bind as 1/0, so the text 'yes' (which SQLite kept as text) does not match.
    assert_eq!(matching("b = true").await, vec![1]);
}
