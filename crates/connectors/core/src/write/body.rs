//! DreamFactory's unwrapping of a collection body into records,
//! kept here so every gateway route reads bodies the same way.

use serde_json::{Map, Value};

use crate::error::ConnectorError;

/// The records of a body sent to `/_table/{table}` (not to the `/{id}` forms, whose body
/// object is the one record as it is):
///
/// - `{"resource":[{..},{..}]}` and `[{..},{..}]`: the records;
/// - `{"resource":{..}}`: one record;
/// - anything else, including a bare object `{..}` and `{"resource":null}`: no records
///   (a `POST` then gets DreamFactory's 400 `No record(s) detected in request. ...`).
///
/// # Errors
///
/// 400 `The request contains no valid record sets.` when an element of the list is not a
/// JSON object.
pub fn unwrap_records(body: Value) -> Result<Vec<Map<String, Value>>, ConnectorError> {
    let list = match body {
        Value::Object(mut object) => match object.remove("resource") {
            Some(Value::Array(list)) => list,
            Some(Value::Object(record)) => return Ok(vec![record]),
            _ => Vec::new(),
        },
        Value::Array(list) => list,
        _ => Vec::new(),
    };
    list.into_iter()
        .map(|item| match item {
            Value::Object(record) => Ok(record),
            _ => Err(ConnectorError::bad_request(
                "The request contains no valid record sets.",
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn count(body: Value) -> Result<usize, String> {
        unwrap_records(body)
            .map(|records| records.len())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn wrapped_and_bare_lists_and_a_wrapped_object_are_records() {
        assert_eq!(count(json!({"resource": [{"a": 1}, {"a": 2}]})), Ok(2));
        assert_eq!(count(json!([{"a": 1}])), Ok(1));
        assert_eq!(count(json!({"resource": {"a": 1}})), Ok(1));
    }

    #[test]
    fn a_bare_object_or_a_scalar_is_no_records() {
        assert_eq!(count(json!({"a": 1})), Ok(0));
        assert_eq!(count(json!({"resource": null})), Ok(0));
        assert_eq!(count(json!("text")), Ok(0));
    }

    #[test]
    fn list_elements_must_be_objects() {
        assert_eq!(
            count(json!([{"a": 1}, 2])),
            Err("The request contains no valid record sets.".into())
        );
    }
}
