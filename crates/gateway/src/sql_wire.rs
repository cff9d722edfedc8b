//! NSQLite's request body, shared by `POST /api/v2/{service}/_sql` and `sluice nsqlite`:
//! a JSON array of `{"query", "params", "txId"}`. Unknown fields are ignored, a missing or
//! `null` query is the empty query (reported in its place as `Empty query`), as NSQLite does.

use serde::Deserialize;
use serde_json::Value;
use sluice_connector_sqlite::sql::{SqlParam, SqlStatement, SqlValue};

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    params: Option<Vec<Value>>,
    #[serde(default, rename = "txId")]
    tx_id: Option<String>,
}

/// Parses a batch of at most `max_statements` statements.
///
/// # Errors
///
/// What is wrong with the body, for a 400.
pub fn parse_batch(bytes: &[u8], max_statements: usize) -> Result<Vec<SqlStatement>, String> {
    let items: Vec<Item> = serde_json::from_slice(bytes).map_err(|_| {
        "the body must be a JSON array of {\"query\", \"params\", \"txId\"} objects".to_owned()
    })?;
    if items.len() > max_statements {
        return Err(format!(
            "a batch may hold at most {max_statements} statements; this one has {}",
            items.len()
        ));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let params = item
                .params
                .unwrap_or_default()
                .into_iter()
                .map(param)
                .collect::<Result<_, _>>()
                .map_err(|error| format!("statement {index}: {error}"))?;
            Ok(SqlStatement {
                query: item.query.unwrap_or_default(),
                params,
                tx_id: item.tx_id.unwrap_or_default(),
            })
        })
        .collect()
}

/// A parameter: a JSON scalar binds by position; `{"name", "value"}` (NSQLite's object
/// form) binds by name, or by position without a name.
fn param(value: Value) -> Result<SqlParam, String> {
    match value {
        Value::Object(mut object) => {
            let name = match object.remove("name") {
                None | Some(Value::Null) => None,
                Some(Value::String(name)) if name.is_empty() => None,
                Some(Value::String(name)) => Some(name),
                Some(_) => return Err("a parameter's name must be a string".to_owned()),
            };
            let value = scalar(object.remove("value").unwrap_or(Value::Null))?;
            Ok(SqlParam { name, value })
        }
        other => Ok(SqlParam {
            name: None,
            value: scalar(other)?,
        }),
    }
}

fn scalar(value: Value) -> Result<SqlValue, String> {
    Ok(match value {
        Value::Null => SqlValue::Null,
        Value::Bool(flag) => SqlValue::Integer(i64::from(flag)),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => SqlValue::Integer(integer),
            None => SqlValue::Real(number.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(text) => SqlValue::Text(text),
        Value::Array(_) | Value::Object(_) => {
            return Err("a parameter must be null, a boolean, a number or a string".to_owned());
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_bind_by_position_and_objects_by_name() {
        let batch = parse_batch(
            br#"[{"query": "SELECT ?, :a", "params": [1, true, 2.5, "x", null,
                  {"name": "a", "value": 7}], "txId": "t", "extra": 1}, {}]"#,
            10,
        )
        .expect("batch");
        let values: Vec<_> = batch[0].params.iter().map(|p| p.value.clone()).collect();
        assert_eq!(
            values,
            vec![
                SqlValue::Integer(1),
                SqlValue::Integer(1),
                SqlValue::Real(2.5),
                SqlValue::Text("x".into()),
                SqlValue::Null,
                SqlValue::Integer(7),
            ]
        );
        assert_eq!(batch[0].params[5].name.as_deref(), Some("a"));
        assert_eq!(batch[0].tx_id, "t");
        assert_eq!(batch[1].query, "");
    }

    #[test]
    fn anything_but_an_array_of_objects_is_refused() {
        for body in [
            &b"{}"[..],
            b"[1]",
            b"[{\"query\": 5}]",
            b"[{\"params\": [[1]]}]",
            b"nope",
        ] {
            assert!(
                parse_batch(body, 10).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert!(parse_batch(b"[{}, {}]", 1).is_err());
    }
}
