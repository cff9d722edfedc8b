//! Request bodies: read within `server.max_body_bytes` (413 beyond), nesting depth checked
//! before parsing (R7), parsed as JSON with a DreamFactory-style 400 on failure.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::state::AppState;

/// A parsed JSON body; `Value::Null` when the request had none.
#[derive(Debug)]
pub struct JsonBody(pub Value);

impl JsonBody {
    /// Deserialises into `T`; an empty body reads as `{}`.
    pub fn parse<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        let value = match self.0 {
            Value::Null => Value::Object(Default::default()),
            other => other,
        };
        serde_json::from_value(value)
            .map_err(|e| ApiError::bad_request(format!("Invalid data supplied. {e}")))
    }
}

/// Deepest nesting of arrays and objects in `bytes`, without parsing (strings skipped).
pub fn json_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &byte in bytes {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

pub fn parse_json(bytes: &[u8], max_depth: usize) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    if json_depth(bytes) > max_depth {
        return Err(ApiError::bad_request(format!(
            "The request body is nested too deeply: the limit is {max_depth} levels."
        )));
    }
    serde_json::from_slice(bytes).map_err(|_| {
        ApiError::bad_request("Unrecognized payload type: the request body is not valid JSON.")
    })
}

/// Reads the body within `server.max_body_bytes` (413 beyond) and parses it.
fn read_body(
    request: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<JsonBody, ApiError>> + 'static {
    let max_depth = request
        .app_data::<web::Data<AppState>>()
        .map_or(64, |s| s.settings.limits.json_depth_max);
    let bytes = web::Bytes::from_request(request, payload);
    async move {
        let bytes = bytes.await.map_err(|e| {
            let status = e.as_response_error().status_code();
            if status == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    status,
                    "The request body is larger than the server accepts.",
                )
            } else {
                ApiError::bad_request("The request body could not be read.")
            }
        })?;
        parse_json(&bytes, max_depth).map(JsonBody)
    }
}

impl FromRequest for JsonBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        Box::pin(read_body(request, payload))
    }
}

/// A JSON body not read yet, for handlers that must wait for their turn first (record
/// writes, see `write_gate`): until then it stays in the connection, not in memory.
pub struct UnreadBody(Payload);

impl UnreadBody {
    /// Reads and parses the body as [`JsonBody`] does.
    ///
    /// # Errors
    ///
    /// 413 past `server.max_body_bytes`; 400 for a body that cannot be read, is nested too
    /// deeply or is not JSON.
    pub async fn read(mut self, request: &HttpRequest) -> Result<JsonBody, ApiError> {
        read_body(request, &mut self.0).await
    }
}

impl FromRequest for UnreadBody {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(_: &HttpRequest, payload: &mut Payload) -> Self::Future {
        std::future::ready(Ok(UnreadBody(payload.take())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_nesting_and_ignores_brackets_in_strings() {
        assert_eq!(json_depth(br#"{"a":[1,{"b":"[[[["}]}"#), 3);
        assert_eq!(json_depth(br#""\"[""#), 0);
        assert_eq!(json_depth(b"1"), 0);
    }

    #[test]
    fn too_deep_bodies_are_refused_before_parsing() {
        let deep = "[".repeat(65) + &"]".repeat(65);
        assert_eq!(
            parse_json(deep.as_bytes(), 64).unwrap_err().status.as_u16(),
            400
        );
        let ok = "[".repeat(64) + &"]".repeat(64);
        assert!(parse_json(ok.as_bytes(), 64).is_ok());
    }

    #[test]
    fn an_empty_body_is_null_and_garbage_is_a_400() {
        assert_eq!(parse_json(b"  ", 64).unwrap(), Value::Null);
        assert_eq!(parse_json(b"{", 64).unwrap_err().status.as_u16(), 400);
    }
}
