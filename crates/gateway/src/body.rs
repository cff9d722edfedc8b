//! Request bodies: read within `server.max_body_bytes` (413 beyond), refused with a 415 when
//! their `Content-Type` is not JSON, nesting depth checked before parsing, parsed as JSON with
//! a DreamFactory-style 400 on failure.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures::future::Either;
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

/// Whether a body of this `Content-Type` is read as JSON: none at all (DreamFactory's clients
/// often send none), `application/json` with any parameters, and any `+json` type.
fn is_json_content_type(content_type: Option<&[u8]>) -> bool {
    let Some(value) = content_type else {
        return true;
    };
    let media_type = value.split(|&b| b == b';').next().unwrap_or_default();
    let media_type = media_type.trim_ascii();
    media_type.eq_ignore_ascii_case(b"application/json")
        || (media_type.len() > 5
            && media_type[media_type.len() - 5..].eq_ignore_ascii_case(b"+json")
            && media_type.contains(&b'/'))
}

/// 415 for a body sent as something other than JSON.
fn unsupported_media_type(content_type: &[u8]) -> ApiError {
    let shown = String::from_utf8_lossy(content_type);
    let shown: String = shown.chars().take(100).collect();
    ApiError::new(
        actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
        format!(
            "Unsupported Content-Type '{shown}': send the request body as JSON \
             (Content-Type: application/json)."
        ),
    )
}

/// Reads the body within `server.max_body_bytes` (413 beyond) and parses it; a non-empty
/// body whose `Content-Type` is not JSON is a 415.
fn read_body(
    request: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<JsonBody, ApiError>> + 'static {
    let max_depth = request
        .app_data::<web::Data<AppState>>()
        .map_or(64, |s| s.settings.limits.json_depth_max);
    let content_type = request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .cloned();
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
        let is_empty = bytes.iter().all(u8::is_ascii_whitespace);
        if let Some(content_type) = content_type.filter(|_| !is_empty)
            && !is_json_content_type(Some(content_type.as_bytes()))
        {
            return Err(unsupported_media_type(content_type.as_bytes()));
        }
        parse_json(&bytes, max_depth).map(JsonBody)
    }
}

impl FromRequest for JsonBody {
    type Error = ApiError;
    type Future = Either<
        std::future::Ready<Result<Self, Self::Error>>,
        Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>,
    >;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // A request without a body (no `Content-Length`, not chunked: most reads) has no
        // payload at all, and reads as an empty body does, without a future to poll.
        if matches!(payload, Payload::None) {
            return Either::Left(std::future::ready(Ok(Self(Value::Null))));
        }
        Either::Right(Box::pin(read_body(request, payload)))
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
    fn json_content_types_are_recognised() {
        for json in [
            None,
            Some(&b"application/json"[..]),
            Some(b"Application/JSON; charset=utf-8"),
            Some(b"application/merge-patch+json"),
            Some(b" application/json "),
        ] {
            assert!(is_json_content_type(json), "{json:?}");
        }
        for other in [
            &b"text/plain"[..],
            b"application/x-www-form-urlencoded",
            b"multipart/form-data; boundary=x",
            b"+json",
            b"",
            b"application/jsonp",
        ] {
            assert!(!is_json_content_type(Some(other)), "{other:?}");
        }
    }

    #[test]
    fn an_empty_body_is_null_and_garbage_is_a_400() {
        assert_eq!(parse_json(b"  ", 64).unwrap(), Value::Null);
        assert_eq!(parse_json(b"{", 64).unwrap_err().status.as_u16(), 400);
    }
}
